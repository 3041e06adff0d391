// Packed, register-blocked SGEMM (the Goto/BLIS loop structure): B is packed into NR-wide column
// panels of KC rows, A into MR-tall row panels, and a micro-kernel keeps an MR × NR tile of C in
// registers while it runs over KC. Operands are zero-padded to whole panels, so the micro-kernel
// always runs full tiles; partial tiles go through a small buffer. The micro-kernels are compiled
// per instruction set with target attributes and chosen at run time (sr::detectIsa).
#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SR_X86 1
#endif

namespace sr {

namespace {

constexpr int64_t KC = 256;
constexpr int64_t MC = 96;
constexpr int64_t NC = 2048;

/** Pack rows [i0, i0 + mc) × columns [k0, k0 + kc) of A into MR-row panels, zero-padded. */
template <int MR>
void packA(const float* A, int64_t rsA, int64_t csA, int64_t i0, int64_t mc, int64_t k0, int64_t kc,
           float* out) {
  for (int64_t p = 0; p < mc; p += MR) {
    const int64_t rows = std::min<int64_t>(MR, mc - p);
    for (int64_t k = 0; k < kc; k++) {
      const float* col = A + (k0 + k) * csA + (i0 + p) * rsA;
      for (int64_t r = 0; r < rows; r++) out[r] = col[r * rsA];
      for (int64_t r = rows; r < MR; r++) out[r] = 0.f;
      out += MR;
    }
  }
}

/** Pack rows [k0, k0 + kc) × columns [j0, j0 + nc) of B into NR-column panels, zero-padded. */
template <int NR>
void packB(const float* B, int64_t rsB, int64_t csB, int64_t k0, int64_t kc, int64_t j0, int64_t nc,
           float* out) {
  for (int64_t p = 0; p < nc; p += NR) {
    const int64_t cols = std::min<int64_t>(NR, nc - p);
    for (int64_t k = 0; k < kc; k++) {
      const float* row = B + (k0 + k) * rsB + (j0 + p) * csB;
      if (csB == 1 && cols == NR) {
        std::memcpy(out, row, NR * sizeof(float));
      } else {
        for (int64_t c = 0; c < cols; c++) out[c] = row[c * csB];
        for (int64_t c = cols; c < NR; c++) out[c] = 0.f;
      }
      out += NR;
    }
  }
}

// A micro-kernel: C(MR × NR, leading dimension ldc) (=|+=) Ap(kc × MR panel) · Bp(kc × NR panel).
using MicroKernel = void (*)(int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc, bool add);

template <int MR, int NR>
void microPortable(int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc, bool add) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; k++) {
    for (int r = 0; r < MR; r++) {
      const float a = Ap[k * MR + r];
      for (int c = 0; c < NR; c++) acc[r][c] += a * Bp[k * NR + c];
    }
  }
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) C[r * ldc + c] = add ? C[r * ldc + c] + acc[r][c] : acc[r][c];
}

#ifdef SR_X86
template <int MR, int NV>
__attribute__((target("avx2,fma"))) void microAvx2(int64_t kc, const float* Ap, const float* Bp, float* C,
                                                   int64_t ldc, bool add) {
  __m256 acc[MR][NV];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    __m256 b[NV];
    for (int v = 0; v < NV; v++) b[v] = _mm256_loadu_ps(Bp + k * NV * 8 + v * 8);
    for (int r = 0; r < MR; r++) {
      const __m256 a = _mm256_broadcast_ss(Ap + k * MR + r);
      for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_ps(a, b[v], acc[r][v]);
    }
  }
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) {
      float* c = C + r * ldc + v * 8;
      _mm256_storeu_ps(c, add ? _mm256_add_ps(_mm256_loadu_ps(c), acc[r][v]) : acc[r][v]);
    }
}

template <int MR, int NV>
__attribute__((target("avx512f"))) void microAvx512(int64_t kc, const float* Ap, const float* Bp, float* C,
                                                    int64_t ldc, bool add) {
  __m512 acc[MR][NV];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    __m512 b[NV];
    for (int v = 0; v < NV; v++) b[v] = _mm512_loadu_ps(Bp + k * NV * 16 + v * 16);
    for (int r = 0; r < MR; r++) {
      const __m512 a = _mm512_set1_ps(Ap[k * MR + r]);
      for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(a, b[v], acc[r][v]);
    }
  }
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) {
      float* c = C + r * ldc + v * 16;
      _mm512_storeu_ps(c, add ? _mm512_add_ps(_mm512_loadu_ps(c), acc[r][v]) : acc[r][v]);
    }
}
#endif

/** The blocked driver for one (MR, NR, micro-kernel) choice. */
template <int MR, int NR>
void gemmBlocked(MicroKernel ukr, int64_t M, int64_t N, int64_t K, const float* A, int64_t rsA, int64_t csA,
                 const float* B, int64_t rsB, int64_t csB, float* C, int64_t ldc) {
  thread_local std::vector<float> apack, bpack;
  if (K == 0) {
    for (int64_t i = 0; i < M; i++) std::fill(C + i * ldc, C + i * ldc + N, 0.f);
    return;
  }
  const auto roundUp = [](int64_t n, int64_t m) { return (n + m - 1) / m * m; };
  const int64_t kcMax = std::min(KC, K);
  bpack.resize(static_cast<size_t>(roundUp(std::min(NC, N), NR) * kcMax));
  apack.resize(static_cast<size_t>(roundUp(std::min(MC, M), MR) * kcMax));
  float tile[MR * NR];
  for (int64_t j0 = 0; j0 < N; j0 += NC) {
    const int64_t nc = std::min(NC, N - j0);
    for (int64_t k0 = 0; k0 < K; k0 += KC) {
      const int64_t kc = std::min(KC, K - k0);
      const bool add = k0 > 0;
      packB<NR>(B, rsB, csB, k0, kc, j0, nc, bpack.data());
      for (int64_t i0 = 0; i0 < M; i0 += MC) {
        const int64_t mc = std::min(MC, M - i0);
        packA<MR>(A, rsA, csA, i0, mc, k0, kc, apack.data());
        for (int64_t jp = 0; jp < nc; jp += NR) {
          const int64_t nr = std::min<int64_t>(NR, nc - jp);
          const float* bp = bpack.data() + jp * kc;
          for (int64_t ip = 0; ip < mc; ip += MR) {
            const int64_t mr = std::min<int64_t>(MR, mc - ip);
            const float* ap = apack.data() + ip * kc;
            float* c = C + (i0 + ip) * ldc + j0 + jp;
            if (mr == MR && nr == NR) {
              ukr(kc, ap, bp, c, ldc, add);
            } else {
              ukr(kc, ap, bp, tile, NR, false);
              for (int64_t r = 0; r < mr; r++)
                for (int64_t q = 0; q < nr; q++)
                  c[r * ldc + q] = add ? c[r * ldc + q] + tile[r * NR + q] : tile[r * NR + q];
            }
          }
        }
      }
    }
  }
}

}  // namespace

Isa detectIsa() {
#ifdef SR_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return Isa::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
#endif
  return Isa::portable;
}

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return "avx512";
    case Isa::avx2:
      return "avx2";
    default:
      return "portable";
  }
}

void sgemm(Isa isa, int64_t M, int64_t N, int64_t K, const float* A, int64_t rsA, int64_t csA, const float* B,
           int64_t rsB, int64_t csB, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
#ifdef SR_X86
  if (isa == Isa::avx512) {
    // narrow outputs (the attention's A·V, N = head width) waste less with one vector per row
    if (N <= 16) return gemmBlocked<14, 16>(microAvx512<14, 1>, M, N, K, A, rsA, csA, B, rsB, csB, C, ldc);
    return gemmBlocked<8, 32>(microAvx512<8, 2>, M, N, K, A, rsA, csA, B, rsB, csB, C, ldc);
  }
  if (isa == Isa::avx2) {
    if (N <= 8) return gemmBlocked<12, 8>(microAvx2<12, 1>, M, N, K, A, rsA, csA, B, rsB, csB, C, ldc);
    return gemmBlocked<6, 16>(microAvx2<6, 2>, M, N, K, A, rsA, csA, B, rsB, csB, C, ldc);
  }
#endif
  gemmBlocked<4, 16>(microPortable<4, 16>, M, N, K, A, rsA, csA, B, rsB, csB, C, ldc);
}

}  // namespace sr
