// OpenBLAS from Debian's libopenblas-dev. pkg-config `openblas` puts the
// openblas-pthread include directory first, so this is OpenBLAS's cblas.h and
// not whatever the `libblas.so` alternative currently points at.
#include <cblas.h>
