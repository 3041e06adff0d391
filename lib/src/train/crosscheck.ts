/**
 * One training step computed on two tfjs backends and compared: the check that a GPU backend
 * (WebGPU) computes what the wasm reference computes, used by the test suite and by the GPU check
 * (bench/gpu_check.ts) on a machine with a real GPU.
 */
import { tf } from "../backend/tf";
import { selectBackend } from "../backend/select";
import { createCrossEncoder } from "../model/crossencoder";
import { tierConfig } from "../model/tiers";
import type { Objective } from "../records/types";
import { objectiveLoss } from "./objectives";
import { createOptimizer } from "./step";

/** A step's loss, every gradient and every weight after one AdamW update, in the model's weight order. */
export interface StepResult {
  backend: string;
  loss: number;
  grads: Float32Array[];
  weights: Float32Array[];
}

/** Rows `[CLS] q [SEP] d [SEP]` with query tokens repeated in the passage (exact matches), shorter rows padded. */
function checkBatch(n: number, T: number, V: number): Int32Array {
  const ids = new Int32Array(n * T);
  for (let b = 0; b < n; b++) {
    ids[b * T] = 2;
    for (let t = 1; t < T - (b % 3); t++) ids[b * T + t] = 5 + ((b * 7 + t * 5) % Math.min(V - 5, 9));
    ids[b * T + 3] = 3;
    ids[b * T + T - 1 - (b % 3)] = 3;
  }
  return ids;
}

/**
 * One step of `objective` on `backend` (selected with `selectBackend`): tier t1's shape (or
 * `tier`), V = 40, T = 24, two groups of 11, seed 7, the head set to fixed non-zero weights (it is
 * initialised to 0, and then only the head would get a gradient); AdamW at lr 1e-3.
 */
export async function stepOnBackend(backend: string, objective: Objective, tier = "t1"): Promise<StepResult> {
  // on wasm the composed ops on the wasm kernels: the reference every other path is checked against
  const sel = await selectBackend({ prefer: backend, kernels: backend === "wasm" ? "wasm" : undefined });
  const model = createCrossEncoder(tierConfig(tier, 40, 24, 0, 3), 7);
  // the head starts at 0, which would stop every gradient but the head's own: give it fixed weights
  const head = model.weights.get("head_w")!;
  head.assign(
    tf.tensor(
      Float32Array.from({ length: head.size }, (_, i) => (((i * 37) % 11) - 5) / 25),
      head.shape,
    ),
  );
  const opt = createOptimizer(model);
  const vars = opt.params as tf.Variable[];
  const n = 22,
    T = 24;
  const ids = checkBatch(n, T, 40);
  const labels = new Float32Array(n).map((_, i) => (i % 11 === 0 ? 1 : 0));
  const { value, grads } = tf.tidy(() =>
    tf.variableGrads(
      () => objectiveLoss(objective, model.score(tf.tensor2d(ids, [n, T], "int32")), tf.tensor1d(labels), 11),
      vars,
    ),
  );
  const loss = (await value.data())[0];
  const g = await Promise.all(vars.map(async (v) => Float32Array.from(await grads[v.name].data())));
  opt
    .apply(
      vars.map((v) => grads[v.name]),
      1e-3,
    )
    .dispose();
  const weights = await Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return { backend: sel.backend, loss, grads: g, weights };
}

const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** Largest |a − b| over the largest |b|. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < b.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d / Math.max(maxAbs(b), 1e-30);
}

/** How far `other` is from `ref`: loss, worst gradient and worst updated weight, relative. */
export interface StepComparison {
  lossRelative: number;
  /** Worst relative difference over the gradients that are not 0 in exact arithmetic. */
  gradientRelative: number;
  /**
   * Worst difference of the weights after the step over the same variables (relative to each
   * variable's largest weight), at the elements whose gradient is above 1e-3 of the variable's largest.
   */
  weightRelative: number;
  /**
   * Gradients below 1e-4 of the largest one on the reference (0 in exact arithmetic, e.g. the head
   * bias under a group softmax, which is shift invariant): their largest value on `other`,
   * relative to the largest gradient. AdamW's first step moves such a weight by ±lr whatever the
   * sign of the noise, so its weight is not compared.
   */
  zeroGradients: number;
  zeroGradientMax: number;
}

/** Compare two {@link StepResult}s of the same step (see {@link StepComparison}). */
export function compareSteps(other: StepResult, ref: StepResult): StepComparison {
  const scale = Math.max(...ref.grads.map(maxAbs));
  let gradientRelative = 0,
    weightRelative = 0,
    zeroGradients = 0,
    zeroGradientMax = 0;
  ref.grads.forEach((g, i) => {
    if (maxAbs(g) < 1e-4 * scale) {
      zeroGradients++;
      zeroGradientMax = Math.max(zeroGradientMax, maxAbs(other.grads[i]) / scale);
      return;
    }
    gradientRelative = Math.max(gradientRelative, relativeDifference(other.grads[i], g));
    // AdamW's first step moves each weight by about lr·g/|g|: an element whose gradient is float
    // noise moves by ±lr on either backend, so only elements with a gradient above 1e-3 of the
    // variable's largest are compared
    const big = maxAbs(g) * 1e-3,
      w = ref.weights[i],
      wo = other.weights[i];
    let d = 0;
    for (let j = 0; j < g.length; j++) if (Math.abs(g[j]) >= big) d = Math.max(d, Math.abs(wo[j] - w[j]));
    weightRelative = Math.max(weightRelative, d / Math.max(maxAbs(w), 1e-30));
  });
  const lossRelative = Math.abs(other.loss - ref.loss) / Math.max(1, Math.abs(ref.loss));
  return { lossRelative, gradientRelative, weightRelative, zeroGradients, zeroGradientMax };
}
