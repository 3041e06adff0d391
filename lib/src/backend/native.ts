/**
 * The optional native kernel package (native/: C++17 through node-gyp, built by `npm ci` when a C++
 * compiler is there). It computes on the tfjs wasm backend's own heap (an ArrayBuffer and byte
 * offsets), so a native kernel copies no tensor in or out.
 *
 * Choice of kernels for the wasm backend: `SCALERANK_KERNELS` (or `selectBackend({ kernels })`,
 * or `--kernels` on the CLIs) is `native`, `wasm` or `auto` (the default: native when it loads).
 * Asking for `native` where it cannot load is an error. `SCALERANK_NATIVE_ISA=portable|avx2|avx512`
 * forces a lower instruction set than the CPU's best (to exercise the portable path).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The native module's functions (native/src/addon.cc). */
export interface NativeModule {
  /**
   * For b < batch: C_b = op(A_b)·op(B_b) with C_b [M, N], in place on `heap` at byte offsets;
   * op(X) = Xᵀ when its flag is set; a batch stride of 0 broadcasts that operand.
   */
  matmul(
    heap: ArrayBuffer,
    aOff: number,
    bOff: number,
    cOff: number,
    batch: number,
    M: number,
    N: number,
    K: number,
    transposeA: number,
    transposeB: number,
    aBatchStride: number,
    bBatchStride: number,
  ): void;
  /** out[o, j] = Σ_r x[o, r, j] for x viewed as [outer, reduce, inner]. */
  colSum(x: Float32Array, out: Float32Array, outer: number, reduce: number, inner: number): void;
  /** LayerNorm of R rows of d: y, and each row's mean and 1/√(var + ε). */
  layerNormFwd(
    x: Float32Array,
    g: Float32Array,
    b: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    R: number,
    d: number,
    eps: number,
  ): void;
  /** LayerNorm's gradient: dx, and dg, db summed over the rows. */
  layerNormBwd(
    dy: Float32Array,
    x: Float32Array,
    g: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    dx: Float32Array,
    dg: Float32Array,
    db: Float32Array,
    R: number,
    d: number,
  ): void;
  /** y = GELU(z + b) for R rows of n. */
  biasGeluFwd(z: Float32Array, b: Float32Array, y: Float32Array, R: number, n: number): void;
  /** dz = dy·GELU′(z + b), db = Σ_rows dz. */
  biasGeluBwd(
    dy: Float32Array,
    z: Float32Array,
    b: Float32Array,
    dz: Float32Array,
    db: Float32Array,
    R: number,
    n: number,
  ): void;
  /** Self-attention from packed qkv rows: out [B·T, H·dh] and the probabilities P [B, H, T, T]. */
  attentionFwd(
    qkv: Float32Array,
    bias: Float32Array,
    out: Float32Array,
    P: Float32Array,
    B: number,
    T: number,
    H: number,
    dh: number,
    biasBatch: number,
    biasRow: number,
  ): void;
  /** The gradient of {@link attentionFwd} with respect to qkv. */
  attentionBwd(
    dout: Float32Array,
    qkv: Float32Array,
    P: Float32Array,
    out: Float32Array,
    dqkv: Float32Array,
    B: number,
    T: number,
    H: number,
    dh: number,
  ): void;
  /** out[r] = tok[ids[r]] + pos[r mod T] (+ seg[segIds[r]] when hasSeg) (+ match[hit[r]] when hasMatch). */
  embedFwd(
    tok: Float32Array,
    pos: Float32Array,
    seg: Float32Array,
    match: Float32Array,
    out: Float32Array,
    ids: Int32Array,
    segIds: Int32Array,
    hit: Int32Array,
    R: number,
    T: number,
    d: number,
    hasSeg: number,
    hasMatch: number,
  ): void;
  /** out[b] = Σ_t keep[b,t]·x[b,t] / max(Σ_t keep[b,t], 1). */
  meanPoolFwd(x: Float32Array, keep: Float32Array, out: Float32Array, B: number, T: number, d: number): void;
  /** dx[b,t] = keep[b,t]·dout[b] / max(Σ_t keep[b,t], 1). */
  meanPoolBwd(
    dout: Float32Array,
    keep: Float32Array,
    dx: Float32Array,
    B: number,
    T: number,
    d: number,
  ): void;
  /** Σ g[j]², float32 squares summed in double. */
  sumSquares(g: Float32Array): number;
  /**
   * One parameter's AdamW update into po, mo, vo; c = [β₁, β₂, 1−β₁, 1−β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε, lr,
   * clip factor] (see train/optimizer.ts), wd = λ or 0.
   */
  adamw(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    po: Float32Array,
    mo: Float32Array,
    vo: Float32Array,
    c: Float32Array,
    wd: number,
  ): void;
  /** out[i, :] = table[ids[i], :]; throws on an id outside [0, rows). */
  gatherRows(table: Float32Array, ids: Int32Array, out: Float32Array, rows: number, inner: number): void;
  /** out = 0, then out[ids[i], :] += x[i, :] (ids outside [0, segments) dropped). */
  scatterAddRows(x: Float32Array, ids: Int32Array, out: Float32Array, inner: number, segments: number): void;
  /** The instruction set in use: "avx512", "avx2" or "portable". */
  isa(): string;
  /** Use a given instruction set (one the CPU runs); returns the one in use. */
  setIsa(name: string): string;
}

/**
 * Where the built module lies: native/build/Release under the repository root (from lib/src or
 * lib/dist), or `SCALERANK_NATIVE_MODULE` (tests point it at a missing file to exercise the fallback).
 */
export const NATIVE_MODULE_PATH =
  process.env.SCALERANK_NATIVE_MODULE ||
  path.resolve(__dirname, "..", "..", "..", "native", "build", "Release", "scalerank_native.node");

let loaded: { mod: NativeModule } | { why: string } | null = null;

/** Load the native module once; on failure, why it did not load (not built, wrong platform, …). */
export function loadNative(): { mod: NativeModule } | { why: string } {
  if (loaded) return loaded;
  if (!fs.existsSync(NATIVE_MODULE_PATH)) {
    loaded = {
      why: `not built (no ${path.relative(process.cwd(), NATIVE_MODULE_PATH)}; npm ci builds it with a C++ compiler)`,
    };
    return loaded;
  }
  try {
    const mod = require(NATIVE_MODULE_PATH) as NativeModule;
    const isa = process.env.SCALERANK_NATIVE_ISA;
    if (isa && isa.trim() !== "") mod.setIsa(isa.trim());
    loaded = { mod };
  } catch (e) {
    loaded = { why: `failed to load: ${(e as Error).message}` };
  }
  return loaded;
}

/** What the caller asked for. */
export type KernelsRequest = "auto" | "native" | "wasm";

/** Parse a kernels request (`SCALERANK_KERNELS`, `--kernels`); throws on an unknown value. */
export function parseKernelsRequest(raw: string | undefined): KernelsRequest {
  const r = (raw ?? "").trim().toLowerCase();
  if (r === "" || r === "auto") return "auto";
  if (r === "native" || r === "wasm") return r;
  throw new Error(`unknown kernels "${raw}" (SCALERANK_KERNELS / --kernels must be native, wasm or auto)`);
}

/** The native module, or an error saying why it cannot load (for a request of `native`). */
export function requireNative(): NativeModule {
  const l = loadNative();
  if ("why" in l) throw new Error(`native kernels were requested but are ${l.why}`);
  return l.mod;
}

let nativeOn = false;

/** Route the wasm backend's patched kernels to the native module (true) or the wasm kernels (false). */
export function useNativeKernels(on: boolean): void {
  if (on) requireNative();
  nativeOn = on;
}

/** The native module if it is loaded and switched on, else null. */
export function activeNative(): NativeModule | null {
  const l = loaded;
  return nativeOn && l && "mod" in l ? l.mod : null;
}

/** The label a run record carries: `native-avx512`, `native-avx2`, `native-portable` or `wasm`. */
export function kernelsLabel(): string {
  const n = activeNative();
  return n ? `native-${n.isa()}` : "wasm";
}
