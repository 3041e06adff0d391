// The kernels of ops_impl.inc compiled for portable (flags in binding.gyp).
#define SR_NS portable
#define SR_ISA_PORTABLE 1
#include "ops_impl.inc"
