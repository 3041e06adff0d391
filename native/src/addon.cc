// Node-API entry points of the scalerank native kernels. Every kernel works in place on the caller's
// memory: an ArrayBuffer (the tfjs wasm backend's heap) and byte offsets into it, so no tensor is
// copied in or out.
#include <node_api.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "gemm.h"
#include "ops.h"

namespace {

sr::Isa g_isa = sr::detectIsa();
const sr::Isa g_best = g_isa;

bool check(napi_env env, napi_status s, const char* what) {
  if (s == napi_ok) return true;
  napi_throw_error(env, nullptr, what);
  return false;
}

bool getInt(napi_env env, napi_value v, int64_t* out, const char* name) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    napi_throw_type_error(env, nullptr, (std::string("scalerank-native: ") + name + " must be a number").c_str());
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

/** The bytes behind an ArrayBuffer or a typed array (its whole underlying buffer). */
bool getBuffer(napi_env env, napi_value v, uint8_t** data, size_t* length) {
  bool isAb = false;
  napi_is_arraybuffer(env, v, &isAb);
  if (isAb) {
    void* p;
    if (!check(env, napi_get_arraybuffer_info(env, v, &p, length), "arraybuffer_info")) return false;
    *data = static_cast<uint8_t*>(p);
    return true;
  }
  napi_throw_type_error(env, nullptr, "scalerank-native: the first argument must be an ArrayBuffer");
  return false;
}

// matmul(heap, aOff, bOff, cOff, batch, M, N, K, transposeA, transposeB, aBatchStride, bBatchStride)
// For b < batch: C_b[M, N] = op(A_b) · op(B_b), A_b at aOff + 4·b·aBatchStride (stride 0 broadcasts),
// op(A) = Aᵀ when transposeA (A_b stored [K, M]), else A_b stored [M, K]; B likewise ([K, N] or [N, K]).
napi_value Matmul(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  if (!check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "cb_info")) return nullptr;
  if (argc != 12) {
    napi_throw_type_error(env, nullptr, "scalerank-native: matmul takes 12 arguments");
    return nullptr;
  }
  uint8_t* heap;
  size_t length;
  if (!getBuffer(env, argv[0], &heap, &length)) return nullptr;
  int64_t v[11];
  const char* names[11] = {"aOff", "bOff", "cOff", "batch", "M", "N", "K", "transposeA", "transposeB",
                           "aBatchStride", "bBatchStride"};
  for (int i = 0; i < 11; i++)
    if (!getInt(env, argv[i + 1], &v[i], names[i])) return nullptr;
  const int64_t aOff = v[0], bOff = v[1], cOff = v[2], batch = v[3], M = v[4], N = v[5], K = v[6];
  const bool tA = v[7] != 0, tB = v[8] != 0;
  const int64_t sA = v[9], sB = v[10];
  // every byte a call reads or writes must lie inside the buffer
  const auto inside = [&](int64_t off, int64_t stride, int64_t elems) {
    const int64_t last = off + 4 * ((batch - 1) * stride + elems);
    return off >= 0 && off % 4 == 0 && last <= static_cast<int64_t>(length);
  };
  if (batch < 1 || M < 0 || N < 0 || K < 0 || !inside(aOff, sA, M * K) || !inside(bOff, sB, K * N) ||
      !inside(cOff, M * N, M * N)) {
    napi_throw_range_error(env, nullptr, "scalerank-native: matmul operands outside the buffer");
    return nullptr;
  }
  const float* A = reinterpret_cast<const float*>(heap + aOff);
  const float* B = reinterpret_cast<const float*>(heap + bOff);
  float* C = reinterpret_cast<float*>(heap + cOff);
  const int64_t rsA = tA ? 1 : K, csA = tA ? M : 1, rsB = tB ? 1 : N, csB = tB ? K : 1;
  for (int64_t b = 0; b < batch; b++)
    sr::sgemm(g_isa, M, N, K, A + b * sA, rsA, csA, B + b * sB, rsB, csB, C + b * M * N, N);
  return nullptr;
}

/** A Float32Array argument's data (a view, often of the wasm heap) and its length in floats. */
bool getF32(napi_env env, napi_value v, float** data, size_t* length, const char* name) {
  bool isTa = false;
  napi_is_typedarray(env, v, &isTa);
  napi_typedarray_type type;
  void* p = nullptr;
  if (isTa && napi_get_typedarray_info(env, v, &type, length, &p, nullptr, nullptr) == napi_ok &&
      type == napi_float32_array) {
    *data = static_cast<float*>(p);
    return true;
  }
  napi_throw_type_error(env, nullptr, (std::string("scalerank-native: ") + name + " must be a Float32Array").c_str());
  return false;
}

/** An Int32Array argument's data and length. */
bool getI32(napi_env env, napi_value v, int32_t** data, size_t* length, const char* name) {
  bool isTa = false;
  napi_is_typedarray(env, v, &isTa);
  napi_typedarray_type type;
  void* p = nullptr;
  if (isTa && napi_get_typedarray_info(env, v, &type, length, &p, nullptr, nullptr) == napi_ok &&
      type == napi_int32_array) {
    *data = static_cast<int32_t*>(p);
    return true;
  }
  napi_throw_type_error(env, nullptr, (std::string("scalerank-native: ") + name + " must be an Int32Array").c_str());
  return false;
}

/**
 * Arguments of a kernel: Float32Arrays first (an Int32Array where `ints` has the position), then
 * numbers (n: as integers, x: as doubles); checks the counts.
 */
struct Args {
  std::vector<float*> f;
  std::vector<int32_t*> i32;
  std::vector<size_t> len;
  std::vector<int64_t> n;
  std::vector<double> x;
  bool ok = false;
};

Args getArgs(napi_env env, napi_callback_info info, size_t arrays, size_t numbers, const char* kernel,
             std::initializer_list<size_t> ints = {}) {
  Args a;
  size_t argc = 16;
  napi_value argv[16];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != arrays + numbers) {
    napi_throw_type_error(env, nullptr,
                          (std::string("scalerank-native: ") + kernel + " takes " + std::to_string(arrays + numbers) +
                           " arguments")
                              .c_str());
    return a;
  }
  a.f.assign(arrays, nullptr);
  a.i32.assign(arrays, nullptr);
  a.len.resize(arrays);
  a.n.resize(numbers);
  a.x.resize(numbers);
  for (size_t i = 0; i < arrays; i++) {
    bool isInt = false;
    for (size_t k : ints) isInt = isInt || k == i;
    if (isInt ? !getI32(env, argv[i], &a.i32[i], &a.len[i], kernel) : !getF32(env, argv[i], &a.f[i], &a.len[i], kernel))
      return a;
  }
  for (size_t i = 0; i < numbers; i++) {
    if (napi_get_value_double(env, argv[arrays + i], &a.x[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, (std::string("scalerank-native: ") + kernel + ": a number expected").c_str());
      return a;
    }
    a.n[i] = static_cast<int64_t>(a.x[i]);
  }
  a.ok = true;
  return a;
}

/** Throw unless every array holds at least the floats the kernel will touch. */
bool fits(napi_env env, const Args& a, std::initializer_list<int64_t> need, const char* kernel) {
  size_t i = 0;
  for (int64_t n : need) {
    if (n < 0 || static_cast<int64_t>(a.len[i]) < n) {
      napi_throw_range_error(env, nullptr,
                             (std::string("scalerank-native: ") + kernel + ": argument " + std::to_string(i + 1) +
                              " holds " + std::to_string(a.len[i]) + " floats, needs " + std::to_string(n))
                                 .c_str());
      return false;
    }
    i++;
  }
  return true;
}

#if defined(__x86_64__) || defined(__i386__)
#define SR_DISPATCH(call)                          \
  switch (g_isa) {                                 \
    case sr::Isa::avx512:                          \
      sr::avx512::call;                            \
      break;                                       \
    case sr::Isa::avx2:                            \
      sr::avx2::call;                              \
      break;                                       \
    default:                                       \
      sr::portable::call;                          \
  }
#define SR_DISPATCH_RET(out, call)                  \
  switch (g_isa) {                                 \
    case sr::Isa::avx512:                          \
      out = sr::avx512::call;                      \
      break;                                       \
    case sr::Isa::avx2:                            \
      out = sr::avx2::call;                        \
      break;                                       \
    default:                                       \
      out = sr::portable::call;                    \
  }
#else
#define SR_DISPATCH(call) sr::portable::call
#define SR_DISPATCH_RET(out, call) out = sr::portable::call
#endif

// colSum(x, out, outer, reduce, inner): out[o, j] = Σ_r x[o, r, j]
napi_value ColSum(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 2, 3, "colSum");
  if (!a.ok) return nullptr;
  const int64_t O = a.n[0], R = a.n[1], I = a.n[2];
  if (!fits(env, a, {O * R * I, O * I}, "colSum")) return nullptr;
  SR_DISPATCH(colSum(a.f[0], O, R, I, a.f[1]));
  return nullptr;
}

// layerNormFwd(x, g, b, y, mean, rstd, R, d, eps)
napi_value LayerNormFwd(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 6, 3, "layerNormFwd");
  if (!a.ok) return nullptr;
  const int64_t R = a.n[0], d = a.n[1];
  if (!fits(env, a, {R * d, d, d, R * d, R, R}, "layerNormFwd")) return nullptr;
  const float eps = static_cast<float>(a.x[2]);
  SR_DISPATCH(layerNormFwd(a.f[0], a.f[1], a.f[2], R, d, eps, a.f[3], a.f[4], a.f[5]));
  return nullptr;
}

// layerNormBwd(dy, x, g, mean, rstd, dx, dg, db, R, d)
napi_value LayerNormBwd(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 8, 2, "layerNormBwd");
  if (!a.ok) return nullptr;
  const int64_t R = a.n[0], d = a.n[1];
  if (!fits(env, a, {R * d, R * d, d, R, R, R * d, d, d}, "layerNormBwd")) return nullptr;
  SR_DISPATCH(layerNormBwd(a.f[0], a.f[1], a.f[2], a.f[3], a.f[4], R, d, a.f[5], a.f[6], a.f[7]));
  return nullptr;
}

// biasGeluFwd(z, b, y, R, n)
napi_value BiasGeluFwd(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 3, 2, "biasGeluFwd");
  if (!a.ok) return nullptr;
  const int64_t R = a.n[0], n = a.n[1];
  if (!fits(env, a, {R * n, n, R * n}, "biasGeluFwd")) return nullptr;
  SR_DISPATCH(biasGeluFwd(a.f[0], a.f[1], R, n, a.f[2]));
  return nullptr;
}

// biasGeluBwd(dy, z, b, dz, db, R, n)
napi_value BiasGeluBwd(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 5, 2, "biasGeluBwd");
  if (!a.ok) return nullptr;
  const int64_t R = a.n[0], n = a.n[1];
  if (!fits(env, a, {R * n, R * n, n, R * n, n}, "biasGeluBwd")) return nullptr;
  SR_DISPATCH(biasGeluBwd(a.f[0], a.f[1], a.f[2], R, n, a.f[3], a.f[4]));
  return nullptr;
}

// attentionFwd(qkv, bias, out, P, B, T, H, dh, biasBatch, biasRow)
napi_value AttentionFwd(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 4, 6, "attentionFwd");
  if (!a.ok) return nullptr;
  const int64_t B = a.n[0], T = a.n[1], H = a.n[2], dh = a.n[3], bb = a.n[4], br = a.n[5];
  const int64_t biasLen = (B - 1) * bb + (T - 1) * br + T;
  if (!fits(env, a, {B * T * 3 * H * dh, biasLen, B * T * H * dh, B * H * T * T}, "attentionFwd")) return nullptr;
  SR_DISPATCH(attentionFwd(a.f[0], a.f[1], B, T, H, dh, bb, br, a.f[2], a.f[3]));
  return nullptr;
}

// attentionBwd(dout, qkv, P, out, dqkv, B, T, H, dh)
napi_value AttentionBwd(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 5, 4, "attentionBwd");
  if (!a.ok) return nullptr;
  const int64_t B = a.n[0], T = a.n[1], H = a.n[2], dh = a.n[3];
  const int64_t x = B * T * H * dh;
  if (!fits(env, a, {x, 3 * x, B * H * T * T, x, 3 * x}, "attentionBwd")) return nullptr;
  SR_DISPATCH(attentionBwd(a.f[0], a.f[1], a.f[2], a.f[3], B, T, H, dh, a.f[4]));
  return nullptr;
}

// sumSquares(g): Σ g[j]² (float32 squares, a double sum)
napi_value SumSquares(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 1, 0, "sumSquares");
  if (!a.ok) return nullptr;
  double s = 0;
  SR_DISPATCH_RET(s, sumSquares(a.f[0], static_cast<int64_t>(a.len[0])));
  napi_value out;
  napi_create_double(env, s, &out);
  return out;
}

// adamw(p, g, m, v, po, mo, vo, c, wd): one parameter's AdamW update (c: 9 float32 constants)
napi_value AdamW(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 8, 1, "adamw");
  if (!a.ok) return nullptr;
  const int64_t n = static_cast<int64_t>(a.len[0]);
  if (!fits(env, a, {n, n, n, n, n, n, n, 9}, "adamw")) return nullptr;
  const float wd = static_cast<float>(a.x[0]);
  SR_DISPATCH(adamw(a.f[0], a.f[1], a.f[2], a.f[3], n, a.f[7], wd, a.f[4], a.f[5], a.f[6]));
  return nullptr;
}

// gatherRows(table, ids, out, rows, inner): out[i, :] = table[ids[i], :]; throws on an id outside [0, rows)
napi_value GatherRows(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 3, 2, "gatherRows", {1});
  if (!a.ok) return nullptr;
  const int64_t rows = a.n[0], inner = a.n[1], n = static_cast<int64_t>(a.len[1]);
  if (!fits(env, a, {rows * inner, n, n * inner}, "gatherRows")) return nullptr;
  for (int64_t i = 0; i < n; i++)
    if (a.i32[1][i] < 0 || a.i32[1][i] >= rows) {
      napi_throw_range_error(env, nullptr,
                             ("GatherV2: the index value " + std::to_string(a.i32[1][i]) + " is not in [0, " +
                              std::to_string(rows - 1) + "]")
                                 .c_str());
      return nullptr;
    }
  SR_DISPATCH(gatherRows(a.f[0], rows, inner, a.i32[1], n, a.f[2]));
  return nullptr;
}

// scatterAddRows(x, ids, out, inner, segments): out = 0; out[ids[i], :] += x[i, :] (ids outside dropped)
napi_value ScatterAddRows(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 3, 2, "scatterAddRows", {1});
  if (!a.ok) return nullptr;
  const int64_t inner = a.n[0], segments = a.n[1], n = static_cast<int64_t>(a.len[1]);
  if (!fits(env, a, {n * inner, n, segments * inner}, "scatterAddRows")) return nullptr;
  SR_DISPATCH(scatterAddRows(a.f[0], a.i32[1], n, inner, segments, a.f[2]));
  return nullptr;
}

// embedFwd(tok, pos, seg, match, out, ids, segIds, hit, R, T, d, hasSeg, hasMatch)
napi_value EmbedFwd(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 8, 5, "embedFwd", {5, 6, 7});
  if (!a.ok) return nullptr;
  const int64_t R = a.n[0], T = a.n[1], d = a.n[2];
  const bool hasSeg = a.n[3] != 0, hasMatch = a.n[4] != 0;
  const int64_t vocab = static_cast<int64_t>(a.len[0]) / (d > 0 ? d : 1);
  if (!fits(env, a, {0, T * d, hasSeg ? 2 * d : 0, hasMatch ? 2 * d : 0, R * d, R, hasSeg ? R : 0, hasMatch ? R : 0},
            "embedFwd"))
    return nullptr;
  // every id must index its table (the model guarantees it; a bad input must not read outside)
  for (int64_t r = 0; r < R; r++) {
    const bool bad = a.i32[5][r] < 0 || a.i32[5][r] >= vocab ||
                     (hasSeg && (a.i32[6][r] < 0 || a.i32[6][r] * d >= static_cast<int64_t>(a.len[2]))) ||
                     (hasMatch && (a.i32[7][r] < 0 || a.i32[7][r] * d >= static_cast<int64_t>(a.len[3])));
    if (bad) {
      napi_throw_range_error(env, nullptr, ("scalerank-native: embedFwd: an id of row " + std::to_string(r) +
                                            " is outside its table").c_str());
      return nullptr;
    }
  }
  SR_DISPATCH(embedFwd(a.f[0], a.f[1], hasSeg ? a.f[2] : nullptr, hasMatch ? a.f[3] : nullptr, a.i32[5], a.i32[6],
                       a.i32[7], R, T, d, a.f[4]));
  return nullptr;
}

// meanPoolFwd(x, keep, out, B, T, d) / meanPoolBwd(dout, keep, dx, B, T, d)
napi_value MeanPoolFwd(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 3, 3, "meanPoolFwd");
  if (!a.ok) return nullptr;
  const int64_t B = a.n[0], T = a.n[1], d = a.n[2];
  if (!fits(env, a, {B * T * d, B * T, B * d}, "meanPoolFwd")) return nullptr;
  SR_DISPATCH(meanPoolFwd(a.f[0], a.f[1], B, T, d, a.f[2]));
  return nullptr;
}

napi_value MeanPoolBwd(napi_env env, napi_callback_info info) {
  Args a = getArgs(env, info, 3, 3, "meanPoolBwd");
  if (!a.ok) return nullptr;
  const int64_t B = a.n[0], T = a.n[1], d = a.n[2];
  if (!fits(env, a, {B * d, B * T, B * T * d}, "meanPoolBwd")) return nullptr;
  SR_DISPATCH(meanPoolBwd(a.f[0], a.f[1], B, T, d, a.f[2]));
  return nullptr;
}

napi_value MakeString(napi_env env, const char* s) {
  napi_value out;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out);
  return out;
}

// isa(): the instruction set in use ("avx512", "avx2", "portable").
napi_value GetIsa(napi_env env, napi_callback_info) { return MakeString(env, sr::isaName(g_isa)); }

// setIsa(name): use this instruction set (one the CPU runs, or "portable"); returns the one in use.
napi_value SetIsa(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  char name[32] = {0};
  size_t len = 0;
  if (argc != 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "scalerank-native: setIsa takes a name");
    return nullptr;
  }
  const std::string n(name);
  sr::Isa want;
  if (n == "portable") want = sr::Isa::portable;
  else if (n == "avx2") want = sr::Isa::avx2;
  else if (n == "avx512") want = sr::Isa::avx512;
  else {
    napi_throw_range_error(env, nullptr, ("scalerank-native: unknown instruction set " + n).c_str());
    return nullptr;
  }
  if (static_cast<int>(want) > static_cast<int>(g_best)) {
    napi_throw_error(env, nullptr,
                     ("scalerank-native: this CPU does not run " + n + " (best: " + sr::isaName(g_best) + ")").c_str());
    return nullptr;
  }
  g_isa = want;
  return MakeString(env, sr::isaName(g_isa));
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"isa", nullptr, GetIsa, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setIsa", nullptr, SetIsa, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"colSum", nullptr, ColSum, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"layerNormFwd", nullptr, LayerNormFwd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"layerNormBwd", nullptr, LayerNormBwd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"biasGeluFwd", nullptr, BiasGeluFwd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"biasGeluBwd", nullptr, BiasGeluBwd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"attentionFwd", nullptr, AttentionFwd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"attentionBwd", nullptr, AttentionBwd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"embedFwd", nullptr, EmbedFwd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"meanPoolFwd", nullptr, MeanPoolFwd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"meanPoolBwd", nullptr, MeanPoolBwd, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sumSquares", nullptr, SumSquares, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adamw", nullptr, AdamW, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gatherRows", nullptr, GatherRows, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"scatterAddRows", nullptr, ScatterAddRows, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
