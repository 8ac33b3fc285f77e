// Tensor module
import COpenBLAS
