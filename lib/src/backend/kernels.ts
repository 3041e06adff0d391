/**
 * Kernel patches that make tfjs able to train the cross-encoder on the CPU backends.
 *
 * Measured problems (bench/train.notes.md):
 * 1. The embedding gradient (`tf.gather`'s gradient) is an `UnsortedSegmentSum`. The wasm backend
 *    has no such kernel (training throws), and the cpu backend's version loops over every segment
 *    with whole-tensor ops (a V=8192 vocabulary never finishes a step). Both are replaced by a
 *    plain scatter-add written here: out[ids[i], :] += x[i, :].
 * 2. The wasm `BatchMatMul` kernel skips XNNPACK whenever `transposeA`/`transposeB` is set, which
 *    is every matmul of the backward pass, and runs about 10× slower. The patch transposes the
 *    operand explicitly with the wasm `Transpose` kernel and then calls the stock kernel without
 *    the flag.
 *
 * 3. The same wasm kernel sends a product to XNNPACK only when both batch dimensions are 1, so the
 *    rank-4 attention products (QKᵀ, A·V and their gradients) run in a naive triple loop at about
 *    1 GFLOP/s (bench/train.notes.md). The patch runs one 2-D XNNPACK product per batch entry on
 *    views into the batched buffers: each view is registered with the wasm module as a tensor id
 *    that points into the parent's memory (no copy) and unregistered right after its call.
 * 4. The wasm `GatherV2` is a generic strided loop (plus a JS bounds check of every index); for
 *    the embedding lookup (axis 0, float32) a row copy does the same work several times faster.
 * 5. tfjs-core saves the tensors a gradient needs by cloning them, and a clone is an `Identity`
 *    kernel call; the wasm `Identity` copies the whole buffer, while the cpu and webgl backends
 *    only add a reference. The patch shares the buffer the same way (`incRef`): one step of the
 *    mini grid's t3 listwise batch (8 groups × 11, T = 64) went from 60.3 to 56.0 ms (medians of
 *    two alternating runs of 40 steps each, same losses to the last digit, same live tensors).
 * 6. The wasm `SplitV` runs one `Slice` per output, and a slice along the last axis copies row by
 *    row with a typed-array view per row. The attention's Q/K/V split of a `[rows, 3d]` tensor is
 *    done here in one pass over the rows, element loops for narrow parts.
 * 7. The wasm `Sum` reduces only innermost axes: for any other axes it first transposes the whole
 *    input (every bias gradient sums a `[rows, d]` tensor over its rows; mean pooling sums over
 *    positions). When the reduced axes are one contiguous block with axes after it, the patch sums
 *    `x[o, r, j]` over r into `out[o, j]` directly, in the same order (r ascending, float32) as
 *    the stock kernel sums the transposed copy (with the native kernels active, their `colSum`
 *    does the same sum vectorised over j).
 * 8. With the native kernels active (backend/native.ts), `BatchMatMul` runs on their packed GEMM
 *    in place on the wasm heap, transposes read by stride and broadcast batches by a zero stride.
 *
 * The patches register kernels through the public `registerKernel` API, so they apply to the
 * backend registry and need no changes to the installed packages.
 */
import { tf } from "./tf";
import { activeNative, type NativeModule } from "./native";

type KernelFunc = tf.KernelFunc;
type TensorInfo = tf.TensorInfo;

// Minimal views of the backends' internals that the kernels use.
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object): boolean;
}
/** The wasm backend's bookkeeping that the view-based batched matmul uses (tfjs-backend-wasm 4.x). */
interface WasmInternals extends WasmBackendLike {
  wasm: {
    HEAPU8: Uint8Array;
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
  };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  dataIdNextNumber: number;
}
interface CpuBackendLike {
  data: { get(dataId: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array | Int32Array): TensorInfo;
}

/**
 * Scatter-add: `out[ids[i] * inner + j] += x[i * inner + j]` for every row i, over a zeroed output
 * of `numSegments * inner` values. Ids outside [0, numSegments) are dropped, as TensorFlow does.
 * This is the arithmetic of `UnsortedSegmentSum` (TensorFlow `math.unsorted_segment_sum`).
 */
export function scatterAddRows(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  inner: number,
  out: Float32Array,
): void {
  out.fill(0);
  const numSegments = out.length / inner;
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner,
      xo = i * inner;
    for (let j = 0; j < inner; j++) out[o + j] += x[xo + j];
  }
}

function segmentShape(
  x: TensorInfo,
  ids: TensorInfo,
  numSegments: number,
): { shape: number[]; inner: number } {
  // tfjs calls the kernel with segmentIds of rank ≤ x's rank; the leading ids.rank dims of x are the rows.
  const innerShape = x.shape.slice(ids.shape.length);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  return { shape: [numSegments, ...innerShape], inner };
}

const wasmSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  if (x.dtype !== "float32")
    throw new Error(`UnsortedSegmentSum (scalerank wasm kernel): float32 only, got ${x.dtype}`);
  const { shape, inner } = segmentShape(x, segmentIds, numSegments);
  const out = b.makeOutput(shape, "float32");
  // Views are taken after makeOutput, which may grow (and so detach) the wasm heap.
  const outVals = b.typedArrayFromHeap(out) as Float32Array;
  const xv = b.typedArrayFromHeap(x),
    ids = b.typedArrayFromHeap(segmentIds);
  const native = activeNative();
  if (native && segmentIds.dtype === "int32")
    native.scatterAddRows(xv as Float32Array, ids as Int32Array, outVals, inner, numSegments);
  else scatterAddRows(xv, ids, inner, outVals);
  return out;
};

const cpuSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuBackendLike;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  if (x.dtype !== "float32")
    throw new Error(`UnsortedSegmentSum (scalerank cpu kernel): float32 only, got ${x.dtype}`);
  const { shape, inner } = segmentShape(x, segmentIds, numSegments);
  const outVals = new Float32Array(numSegments * inner);
  scatterAddRows(b.data.get(x.dataId).values, b.data.get(segmentIds.dataId).values, inner, outVals);
  return b.makeTensorInfo(shape, "float32", outVals);
};

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName))
    tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** Swap the last two axes of a wasm tensor with the wasm `Transpose` kernel (a new tensor). */
function swapLastTwo(t: TensorInfo, backend: unknown): TensorInfo {
  const transposeKernel = tf.getKernel("Transpose", "wasm");
  if (!transposeKernel)
    throw new Error("wasm Transpose kernel missing: is @tensorflow/tfjs-backend-wasm loaded?");
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transposeKernel.kernelFunc({
    inputs: { x: t },
    backend: backend as tf.KernelBackend,
    attrs: { perm },
  }) as TensorInfo;
}

/** The error of a product whose operands' inner dimensions differ. */
const innerDimensionsError = (a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean) =>
  new Error(`matMul: inner dimensions differ (${a.shape} × ${b.shape}, transposeA=${tA}, transposeB=${tB})`);

const prod = (a: readonly number[]) => a.reduce((p, q) => p * q, 1);
const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Wrap the wasm `BatchMatMul` (see the module comment, items 2 and 3):
 * - transposed operands are materialised first with the wasm `Transpose` kernel, using
 *   matmul(a, b, tA, tB) = matmul(tA ? aᵀ : a, tB ? bᵀ : b);
 * - a batched product with equal batch shapes runs as `batch` 2-D XNNPACK products out[i] = a[i]·b[i]
 *   on views into the operands' and the output's wasm buffers; a batched `a` times an unbatched
 *   `b` runs as one 2-D product of the stacked rows of `a`;
 * - other broadcasts go to the stock kernel.
 */
function wasmMatMulPatch(stock: tf.KernelConfig): tf.KernelConfig {
  let matmul2d: ((...args: unknown[]) => void) | null = null;
  const kernelFunc: KernelFunc = (args) => {
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    const b = args.backend as unknown as WasmInternals;
    const { a, b: bIn } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const native = activeNative();
    if (native && a.dtype === "float32" && bIn.dtype === "float32") {
      const out = nativeMatMul(native, b, a, bIn, attrs.transposeA, attrs.transposeB);
      if (out) return out;
    }
    const leadA = a.shape.slice(0, -2),
      leadB = bIn.shape.slice(0, -2);
    const batchA = prod(leadA),
      batchB = prod(leadB);
    const batched = batchA > 1 && (sameShape(leadA, leadB) || batchB === 1);
    if (!batched && !attrs.transposeA && !attrs.transposeB) return stock.kernelFunc(args);
    if (a.dtype !== "float32" || bIn.dtype !== "float32") return stock.kernelFunc(args);
    const aT = attrs.transposeA ? swapLastTwo(a, args.backend) : a;
    const bT = attrs.transposeB ? swapLastTwo(bIn, args.backend) : bIn;
    let out: TensorInfo;
    if (!batched) {
      out = stock.kernelFunc({
        inputs: { a: aT, b: bT },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as TensorInfo;
    } else {
      const M = aT.shape[aT.shape.length - 2],
        K = aT.shape[aT.shape.length - 1],
        N = bT.shape[bT.shape.length - 1];
      if (bT.shape[bT.shape.length - 2] !== K)
        throw innerDimensionsError(a, bIn, attrs.transposeA, attrs.transposeB);
      out = b.makeOutput([...leadA, M, N], "float32");
      matmul2d ??= b.wasm.cwrap("BatchMatMul", null, [
        "number",
        "array",
        "number",
        "number",
        "array",
        "number",
        "number",
        "number",
        "number",
      ]);
      const aOff = b.dataIdMap.get(aT.dataId).memoryOffset,
        bOff = b.dataIdMap.get(bT.dataId).memoryOffset,
        oOff = b.dataIdMap.get(out.dataId).memoryOffset;
      // batched × unbatched: the rows of every a[i] against the same b, as one product.
      const slices = batchB === 1 ? 1 : batchA,
        rows = batchB === 1 ? batchA * M : M;
      const aShape = new Uint8Array(new Int32Array([1, rows, K]).buffer),
        bShape = new Uint8Array(new Int32Array([1, K, N]).buffer);
      const reg = b.wasm.tfjs;
      for (let i = 0; i < slices; i++) {
        // Fresh ids for the views: XNNPACK caches the packed b operand under its tensor id, and
        // unregistering the id (disposeData) drops that cache entry. The memory stays the parent's.
        const ia = b.dataIdNextNumber++,
          ib = b.dataIdNextNumber++,
          io = b.dataIdNextNumber++;
        reg.registerTensor(ia, rows * K, aOff + 4 * i * rows * K);
        reg.registerTensor(ib, K * N, bOff + 4 * i * K * N);
        reg.registerTensor(io, rows * N, oOff + 4 * i * rows * N);
        matmul2d(ia, aShape, 3, ib, bShape, 3, 0, 0, io);
        reg.disposeData(ia);
        reg.disposeData(ib);
        reg.disposeData(io);
      }
    }
    if (aT !== a) b.disposeData(aT.dataId);
    if (bT !== bIn) b.disposeData(bT.dataId);
    return out;
  };
  return { ...stock, kernelFunc };
}

/**
 * `BatchMatMul` on the native module, in place on the wasm heap (no copies, transposes read by
 * stride): C_i = op(A_i)·op(B_i) for equal batch shapes, or with the operand of batch size 1
 * broadcast (a batched, untransposed `a` times one `b` runs as one product of the stacked rows).
 * Other broadcasts return null (the caller runs the wasm path).
 */
function nativeMatMul(
  native: NativeModule,
  b: WasmInternals,
  a: TensorInfo,
  bIn: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | null {
  const ra = a.shape.length,
    rb = bIn.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2],
    K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = transposeB ? bIn.shape[rb - 1] : bIn.shape[rb - 2],
    N = transposeB ? bIn.shape[rb - 2] : bIn.shape[rb - 1];
  if (K !== Kb) throw innerDimensionsError(a, bIn, transposeA, transposeB);
  const leadA = a.shape.slice(0, -2),
    leadB = bIn.shape.slice(0, -2);
  const batchA = prod(leadA),
    batchB = prod(leadB);
  let batch: number, sA: number, sB: number, lead: number[];
  if (sameShape(leadA, leadB) || (batchA === batchB && batchA === 1)) {
    [batch, sA, sB, lead] = [batchA, M * K, K * N, leadA.length >= leadB.length ? leadA : leadB];
  } else if (batchB === 1) {
    [batch, sA, sB, lead] = [batchA, M * K, 0, leadA];
  } else if (batchA === 1) {
    [batch, sA, sB, lead] = [batchB, 0, K * N, leadB];
  } else return null;
  const out = b.makeOutput([...lead, M, N], "float32");
  if (batch * M * N === 0) return out;
  // makeOutput may grow the heap: offsets and the buffer are read after it
  const off = (t: TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
  const heap = b.wasm.HEAPU8.buffer as ArrayBuffer;
  if (sB === 0 && !transposeA && batch > 1) {
    native.matmul(heap, off(a), off(bIn), off(out), 1, batch * M, N, K, 0, transposeB ? 1 : 0, 0, 0);
  } else {
    native.matmul(heap, off(a), off(bIn), off(out), batch, M, N, K, +transposeA, +transposeB, sA, sB);
  }
  return out;
}

/**
 * Embedding lookup on wasm: `GatherV2` along axis 0 of a float32 table without batch dims is a row
 * copy, out[i, :] = x[ids[i], :]; ids outside [0, rows) throw as the stock kernel does. Other
 * gathers go to the stock kernel.
 */
function wasmGatherPatch(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    const ax = axis < 0 ? axis + x.shape.length : axis;
    if (ax !== 0 || (batchDims ?? 0) !== 0 || x.dtype !== "float32" || indices.dtype !== "int32")
      return stock.kernelFunc(args);
    const b = args.backend as unknown as WasmBackendLike;
    const rows = x.shape[0],
      inner = prod(x.shape.slice(1));
    const out = b.makeOutput([...indices.shape, ...x.shape.slice(1)], "float32");
    const ids = b.typedArrayFromHeap(indices) as Int32Array;
    const src = b.typedArrayFromHeap(x) as Float32Array,
      dst = b.typedArrayFromHeap(out) as Float32Array;
    const native = activeNative();
    if (native) {
      try {
        native.gatherRows(src, ids, dst, rows, inner);
      } catch (e) {
        b.disposeData(out.dataId);
        throw e;
      }
      return out;
    }
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i];
      if (r < 0 || r >= rows) {
        b.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${r} is not in [0, ${rows - 1}]`);
      }
      dst.set(src.subarray(r * inner, (r + 1) * inner), i * inner);
    }
    return out;
  };
  return { ...stock, kernelFunc };
}

/**
 * Split `x` along `axis` into parts of the given widths: with x viewed as `[outer, width, inner]`
 * (width = the split axis), part p holds `x[o, begin_p + w, i]` for w < width_p — the arithmetic of
 * `tf.split`. Each output row of `width_p · inner` values is one contiguous run of a source row.
 */
export function splitRows(
  x: Float32Array | Int32Array,
  outer: number,
  rowLen: number,
  widths: number[],
  inner: number,
  outs: Array<Float32Array | Int32Array>,
): void {
  let begin = 0;
  widths.forEach((w, p) => {
    const len = w * inner,
      dst = outs[p];
    const start = begin * inner;
    if (len >= 64) {
      for (let o = 0; o < outer; o++)
        dst.set(x.subarray(o * rowLen + start, o * rowLen + start + len), o * len);
    } else {
      for (let o = 0; o < outer; o++) {
        const s = o * rowLen + start,
          d = o * len;
        for (let j = 0; j < len; j++) dst[d + j] = x[s + j];
      }
    }
    begin += w;
  });
}

function wasmSplitVPatch(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    if (x.dtype !== "float32" && x.dtype !== "int32") return stock.kernelFunc(args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const widths = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax) as number[];
    const outer = prod(x.shape.slice(0, ax)),
      inner = prod(x.shape.slice(ax + 1));
    const b = args.backend as unknown as WasmBackendLike;
    const outs = widths.map((w) =>
      b.makeOutput(
        x.shape.map((n, i) => (i === ax ? w : n)),
        x.dtype,
      ),
    );
    // Views are taken after every makeOutput, which may grow (and so detach) the wasm heap.
    const src = b.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const dst = outs.map((o) => b.typedArrayFromHeap(o) as Float32Array | Int32Array);
    splitRows(src, outer, x.shape[ax] * inner, widths, inner, dst);
    return outs;
  };
  return { ...stock, kernelFunc };
}

/**
 * Sum over the middle axis of `x` viewed as `[outer, reduce, inner]`:
 * `out[o, j] = Σ_{r = 0..reduce−1} x[o, r, j]`, accumulated in float32 with r ascending (the order
 * of a sequential inner-axis sum over the transposed input).
 */
export function sumMiddleAxis(
  x: Float32Array,
  outer: number,
  reduce: number,
  inner: number,
  out: Float32Array,
): void {
  out.fill(0);
  for (let o = 0; o < outer; o++) {
    const ob = o * inner,
      xb = o * reduce * inner;
    for (let r = 0; r < reduce; r++) {
      const xr = xb + r * inner;
      for (let j = 0; j < inner; j++) out[ob + j] += x[xr + j];
    }
  }
}

function wasmSumPatch(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const first = axes[0],
      last = axes[axes.length - 1];
    const contiguous = axes.length > 0 && last - first + 1 === axes.length;
    // innermost axes need no transpose: the stock kernel sums them as they lie
    if (x.dtype !== "float32" || !contiguous || last === x.shape.length - 1) return stock.kernelFunc(args);
    const outer = prod(x.shape.slice(0, first)),
      reduce = prod(x.shape.slice(first, last + 1)),
      inner = prod(x.shape.slice(last + 1));
    const shape = keepDims
      ? x.shape.map((n, i) => (i >= first && i <= last ? 1 : n))
      : x.shape.filter((_, i) => i < first || i > last);
    const b = args.backend as unknown as WasmBackendLike;
    const out = b.makeOutput(shape, "float32");
    const src = b.typedArrayFromHeap(x) as Float32Array,
      dst = b.typedArrayFromHeap(out) as Float32Array;
    const native = activeNative();
    if (native) native.colSum(src, dst, outer, reduce, inner);
    else sumMiddleAxis(src, outer, reduce, inner, dst);
    return out;
  };
  return { ...stock, kernelFunc };
}

const patched = new Set<string>();

/**
 * Install this project's kernel patches for one backend ("wasm" or "cpu"; other backends need
 * none). Idempotent. Call before the backend runs its first op: `selectBackend` does this.
 * Returns the list of kernels that were (re)registered, for display.
 */
export function installKernelPatches(backendName: string): string[] {
  if (patched.has(backendName)) return [];
  const done: string[] = [];
  if (backendName === "wasm") {
    replaceKernel({ kernelName: "UnsortedSegmentSum", backendName: "wasm", kernelFunc: wasmSegmentSum });
    done.push("UnsortedSegmentSum (scatter-add)");
    const stock = tf.getKernel("BatchMatMul", "wasm");
    if (!stock) throw new Error("wasm BatchMatMul kernel missing");
    replaceKernel(wasmMatMulPatch(stock));
    done.push("BatchMatMul (explicit transpose, batched → per-slice XNNPACK)");
    const gather = tf.getKernel("GatherV2", "wasm");
    if (!gather) throw new Error("wasm GatherV2 kernel missing");
    replaceKernel(wasmGatherPatch(gather));
    done.push("GatherV2 (axis-0 row copy)");
    replaceKernel({ kernelName: "Identity", backendName: "wasm", kernelFunc: sharingIdentity });
    done.push("Identity (shares the buffer)");
    const splitV = tf.getKernel("SplitV", "wasm"),
      sum = tf.getKernel("Sum", "wasm");
    if (!splitV || !sum) throw new Error("wasm SplitV or Sum kernel missing");
    replaceKernel(wasmSplitVPatch(splitV));
    done.push("SplitV (one pass over the rows)");
    replaceKernel(wasmSumPatch(sum));
    done.push("Sum (outer and middle axes without a transpose)");
  } else if (backendName === "cpu") {
    replaceKernel({ kernelName: "UnsortedSegmentSum", backendName: "cpu", kernelFunc: cpuSegmentSum });
    done.push("UnsortedSegmentSum (JS scatter-add)");
  }
  patched.add(backendName);
  return done;
}

/** `Identity` without a copy: the output is the input's buffer with one more reference (as the cpu backend does). */
const sharingIdentity: KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x as TensorInfo;
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Host (JavaScript) arrays of a wasm or cpu tensor. */
export type HostArray = Float32Array | Int32Array;

/**
 * A kernel computed in JavaScript on the tensors' host arrays, registered for the two backends
 * whose tensors live in host memory (wasm: the module heap; cpu: JS typed arrays). It replaces a
 * chain of small tfjs ops by one pass; callers check {@link hasHostKernel} and otherwise run the
 * op-by-op reference, which every other backend (WebGPU, TensorFlow) uses.
 */
export interface HostKernel {
  kernelName: string;
  /** Output shapes and dtypes, from the inputs' shapes and the attributes. */
  outputs(
    inputs: Record<string, TensorInfo>,
    attrs: Record<string, unknown>,
  ): Array<{ shape: number[]; dtype: "float32" | "int32" }>;
  /**
   * Fill every element of `outputs` (wasm output memory is not zeroed) from `inputs`. Inputs are
   * views of live tensors and must not be written.
   */
  run(inputs: Record<string, HostArray>, outputs: HostArray[], attrs: Record<string, unknown>): void;
}

const hostView = (values: ArrayLike<number>, dtype: tf.DataType): HostArray => {
  if (values instanceof Float32Array || values instanceof Int32Array) return values;
  return dtype === "int32" ? Int32Array.from(values) : Float32Array.from(values);
};

/** Register a {@link HostKernel} for the wasm and cpu backends (idempotent: replaces an earlier one). */
export function registerHostKernel(k: HostKernel): void {
  const wasm: KernelFunc = ({ inputs, backend, attrs }) => {
    const b = backend as unknown as WasmBackendLike;
    const infos = inputs as Record<string, TensorInfo>;
    const outs = k
      .outputs(infos, attrs as Record<string, unknown>)
      .map((o) => b.makeOutput(o.shape, o.dtype));
    // Views are taken after every makeOutput, which may grow (and so detach) the wasm heap.
    const vin: Record<string, HostArray> = {};
    for (const [name, t] of Object.entries(infos)) vin[name] = b.typedArrayFromHeap(t) as HostArray;
    k.run(
      vin,
      outs.map((o) => b.typedArrayFromHeap(o) as HostArray),
      attrs as Record<string, unknown>,
    );
    return outs;
  };
  const cpu: KernelFunc = ({ inputs, backend, attrs }) => {
    const b = backend as unknown as CpuBackendLike;
    const infos = inputs as Record<string, TensorInfo>;
    const specs = k.outputs(infos, attrs as Record<string, unknown>);
    const vals = specs.map((o) =>
      o.dtype === "int32" ? new Int32Array(prod(o.shape)) : new Float32Array(prod(o.shape)),
    );
    const vin: Record<string, HostArray> = {};
    for (const [name, t] of Object.entries(infos)) vin[name] = hostView(b.data.get(t.dataId).values, t.dtype);
    k.run(vin, vals, attrs as Record<string, unknown>);
    return specs.map((o, i) => b.makeTensorInfo(o.shape, o.dtype, vals[i]));
  };
  replaceKernel({ kernelName: k.kernelName, backendName: "wasm", kernelFunc: wasm });
  replaceKernel({ kernelName: k.kernelName, backendName: "cpu", kernelFunc: cpu });
}

let hostKernelsOn = true;

/**
 * Switch the host kernels off (false) or on (true, the default): while off, {@link hasHostKernel}
 * answers false and every caller runs its op-by-op reference. For tests that compare the two.
 */
export function useHostKernels(on: boolean): void {
  hostKernelsOn = on;
}

/** True if host kernels are on and the active backend has the named one (see {@link registerHostKernel}). */
export function hasHostKernel(kernelName: string): boolean {
  return hostKernelsOn && tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** Run a host kernel on the active backend; returns its outputs as tensors, in order. */
export function runHostKernel(
  kernelName: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown> = {},
): tf.Tensor[] {
  const out = tf
    .engine()
    .runKernel(kernelName, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out as tf.Tensor];
}
