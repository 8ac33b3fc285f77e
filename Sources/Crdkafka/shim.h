// librdkafka 2.0.x from Debian's librdkafka-dev, including the mock cluster API
// that backs `streamlora broker`.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
