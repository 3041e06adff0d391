// Single-precision GEMM for the scalerank native kernels: C = op(A)·op(B), row-major, with strided
// operands (a transpose is a stride swap) and a runtime choice of instruction set.
#pragma once
#include <cstdint>

namespace sr {

enum class Isa { portable = 0, avx2 = 1, avx512 = 2 };

/** The best instruction set this CPU runs (AVX-512F, else AVX2 with FMA, else portable C++). */
Isa detectIsa();
const char* isaName(Isa isa);

/**
 * C[i, j] = Σ_k A(i, k) · B(k, j) for i < M, j < N, with A(i, k) = A[i·rsA + k·csA] and
 * B(k, j) = B[k·rsB + j·csB]; C is row-major with leading dimension ldc and is overwritten.
 */
void sgemm(Isa isa, int64_t M, int64_t N, int64_t K, const float* A, int64_t rsA, int64_t csA,
           const float* B, int64_t rsB, int64_t csB, float* C, int64_t ldc);

}  // namespace sr
