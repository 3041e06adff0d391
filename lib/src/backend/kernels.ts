/**
 * Kernel patches that make tfjs able to train the cross-encoder on the CPU backends.
 *
 * Measured problems (see `shared/research/tensor-engines.md`):
 * 1. The embedding gradient (`tf.gather`'s gradient) is an `UnsortedSegmentSum`. The wasm backend
 *    has no such kernel (training throws), and the cpu backend's version loops over every segment
 *    with whole-tensor ops (a V=8192 vocabulary never finishes a step). Both are replaced by a
 *    plain scatter-add written here: out[ids[i], :] += x[i, :].
 * 2. The wasm `BatchMatMul` kernel skips XNNPACK whenever `transposeA`/`transposeB` is set, which
 *    is every matmul of the backward pass, and runs about 10× slower. The patch transposes the
 *    operand explicitly with the wasm `Transpose` kernel and then calls the stock kernel without
 *    the flag.
 *
 * Both patches register kernels through the public `registerKernel` API, so they apply to the
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
    const o = s * inner, xo = i * inner;
    for (let j = 0; j < inner; j++) out[o + j] += x[xo + j];
  }
}

function segmentShape(x: TensorInfo, ids: TensorInfo, numSegments: number): { shape: number[]; inner: number } {
  // tfjs calls the kernel with segmentIds of rank ≤ x's rank; the leading ids.rank dims of x are the rows.
  const innerShape = x.shape.slice(ids.shape.length);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  return { shape: [numSegments, ...innerShape], inner };
}

const wasmSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  if (x.dtype !== "float32") throw new Error(`UnsortedSegmentSum (scalerank wasm kernel): float32 only, got ${x.dtype}`);
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
  if (x.dtype !== "float32") throw new Error(`UnsortedSegmentSum (scalerank cpu kernel): float32 only, got ${x.dtype}`);
  const { shape, inner } = segmentShape(x, segmentIds, numSegments);
  const outVals = new Float32Array(numSegments * inner);
  scatterAddRows(b.data.get(x.dataId).values, b.data.get(segmentIds.dataId).values, inner, outVals);
  return b.makeTensorInfo(shape, "float32", outVals);
};

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/**
 * Wrap the wasm `BatchMatMul` so that transposed operands are materialised first with the wasm
 * `Transpose` kernel (last two axes swapped) and the stock kernel runs on its fast XNNPACK path.
 * Mathematically the identity matmul(a, b, tA, tB) = matmul(tA ? aᵀ : a, tB ? bᵀ : b).
 */
function wasmMatMulPatch(stock: tf.KernelConfig): tf.KernelConfig {
  const transposeKernel = tf.getKernel("Transpose", "wasm");
  if (!transposeKernel) throw new Error("wasm Transpose kernel missing: is @tensorflow/tfjs-backend-wasm loaded?");
  const kernelFunc: KernelFunc = (args) => {
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return stock.kernelFunc(args);
    const b = args.backend as unknown as WasmBackendLike;
    const { a, b: bIn } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const swapLast = (t: TensorInfo): TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return transposeKernel.kernelFunc({ inputs: { x: t }, backend: args.backend, attrs: { perm } }) as TensorInfo;
    };
    const aT = attrs.transposeA ? swapLast(a) : a;
    const bT = attrs.transposeB ? swapLast(bIn) : bIn;
    const out = stock.kernelFunc({
      inputs: { a: aT, b: bT },
      backend: args.backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    });
    if (aT !== a) b.disposeData(aT.dataId);
    if (bT !== bIn) b.disposeData(bT.dataId);
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
    done.push("BatchMatMul (explicit transpose → XNNPACK)");
  } else if (backendName === "cpu") {
    replaceKernel({ kernelName: "UnsortedSegmentSum", backendName: "cpu", kernelFunc: cpuSegmentSum });
    done.push("UnsortedSegmentSum (JS scatter-add)");
  }
  patched.add(backendName);
  return done;
}
