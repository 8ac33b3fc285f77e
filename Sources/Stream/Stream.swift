// Stream module
import Crdkafka
