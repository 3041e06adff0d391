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
 *
 * The patches register kernels through the public `registerKernel` API, so they apply to the
 * backend registry and need no changes to the installed packages.
 */
import { tf } from "./tf";

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
  scatterAddRows(b.typedArrayFromHeap(x), b.typedArrayFromHeap(segmentIds), inner, outVals);
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
        throw new Error(
          `matMul: inner dimensions differ (${a.shape} × ${bIn.shape}, transposeA=${attrs.transposeA}, transposeB=${attrs.transposeB})`,
        );
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
    done.push("UnsortedSegmentSum (JS scatter-add)");
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
