// The kernels of ops_impl.inc compiled for avx512 (flags in binding.gyp).
#define SR_NS avx512
#define SR_ISA_AVX512 1
#include "ops_impl.inc"
