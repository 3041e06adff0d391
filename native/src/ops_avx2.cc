// The kernels of ops_impl.inc compiled for avx2 (flags in binding.gyp).
#define SR_NS avx2
#define SR_ISA_AVX2 1
#include "ops_impl.inc"
