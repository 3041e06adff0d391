// Element-wise, normalisation and attention kernels of the scalerank native package. The same source
// (ops_impl.inc) is compiled once per instruction set (ops_avx512.cc, ops_avx2.cc, ops_portable.cc,
// each with its own compiler flags), so the loops are vectorised for that set; the addon chooses
// one namespace at run time.
#pragma once
#include <cstdint>

#define SR_OPS_DECLARE(NS)                                                                                  \
  namespace sr {                                                                                            \
  namespace NS {                                                                                            \
  void colSum(const float* x, int64_t outer, int64_t reduce, int64_t inner, float* out);                    \
  void layerNormFwd(const float* x, const float* g, const float* b, int64_t R, int64_t d, float eps,        \
                    float* y, float* mean, float* rstd);                                                    \
  void layerNormBwd(const float* dy, const float* x, const float* g, const float* mean, const float* rstd,  \
                    int64_t R, int64_t d, float* dx, float* dg, float* db);                                 \
  void biasGeluFwd(const float* z, const float* b, int64_t R, int64_t n, float* y);                         \
  void biasGeluBwd(const float* dy, const float* z, const float* b, int64_t R, int64_t n, float* dz,        \
                   float* db);                                                                              \
  void attentionFwd(const float* qkv, const float* bias, int64_t B, int64_t T, int64_t H, int64_t dh,       \
                    int64_t biasBatch, int64_t biasRow, float* out, float* P);                              \
  double sumSquares(const float* g, int64_t n);                                                              \
  void adamw(const float* p, const float* g, const float* m, const float* v, int64_t n, const float* c,      \
             float wd, float* po, float* mo, float* vo);                                                    \
  void gatherRows(const float* table, int64_t rows, int64_t inner, const int32_t* ids, int64_t n,           \
                  float* out);                                                                              \
  void scatterAddRows(const float* x, const int32_t* ids, int64_t n, int64_t inner, int64_t segments,       \
                      float* out);                                                                          \
  void embedFwd(const float* tok, const float* pos, const float* seg, const float* match, const int32_t* ids,  \
                const int32_t* segIds, const int32_t* hit, int64_t R, int64_t T, int64_t d, float* out);        \
  void meanPoolFwd(const float* x, const float* keep, int64_t B, int64_t T, int64_t d, float* out);         \
  void meanPoolBwd(const float* dout, const float* keep, int64_t B, int64_t T, int64_t d, float* dx);       \
  void attentionBwd(const float* dout, const float* qkv, const float* P, const float* out, int64_t B,       \
                    int64_t T, int64_t H, int64_t dh, float* dqkv);                                         \
  }                                                                                                         \
  }

SR_OPS_DECLARE(portable)
#if defined(__x86_64__) || defined(__i386__)
SR_OPS_DECLARE(avx2)
SR_OPS_DECLARE(avx512)
#endif
