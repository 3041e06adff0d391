/**
 * One optimisation step: forward the batch, compute the objective's loss, backpropagate with
 * `tf.variableGrads`, apply AdamW. Everything intermediate is disposed, so the number of live
 * tensors is the same before and after a step (tested).
 */
import { tf } from "../backend/tf";
import type { CrossEncoder } from "../model/crossencoder";
import type { Objective } from "../records/types";
import { objectiveLoss } from "./objectives";
import { AdamW } from "./optimizer";

/**
 * A training batch: `ids` is [n, seqLen] row-major token ids, `labels` [n] in {0, 1}, `segStart`
 * [n] where each row's segment 1 starts (absent: after the first [SEP]).
 */
export interface Batch {
  ids: Int32Array;
  labels: Float32Array;
  n: number;
  seqLen: number;
  segStart?: Int32Array;
}

/** Build an AdamW optimizer over all weights of a model (decay flags from the weight specs). */
export function createOptimizer(model: CrossEncoder, config?: ConstructorParameters<typeof AdamW>[2]): AdamW {
  const vars = model.specs.map((s) => model.weights.get(s.name)!);
  return new AdamW(
    vars,
    model.specs.map((s) => s.decay),
    config,
  );
}

/**
 * Take one step and return the loss (before the update) and the pre-clip gradient norm.
 * The loss is read back asynchronously (`data()`), which works on every backend (WebGPU in Node
 * has no synchronous read).
 */
export async function trainStep(
  model: CrossEncoder,
  opt: AdamW,
  objective: Objective,
  batch: Batch,
  groupSize: number,
  lr: number,
): Promise<{ loss: number; gradNorm: number }> {
  const vars = opt.params as tf.Variable[];
  const { value, grads } = tf.tidy(() => {
    const ids = tf.tensor2d(batch.ids, [batch.n, batch.seqLen], "int32");
    const labels = tf.tensor1d(batch.labels, "float32");
    const seg = batch.segStart ? tf.tensor1d(batch.segStart, "int32") : undefined;
    return tf.variableGrads(() => objectiveLoss(objective, model.score(ids, seg), labels, groupSize), vars);
  });
  const ordered = vars.map((v) => grads[v.name]);
  const norm = opt.apply(ordered, lr);
  const [loss, gradNorm] = [(await value.data())[0], (await norm.data())[0]];
  value.dispose();
  norm.dispose();
  for (const k of Object.keys(grads)) grads[k].dispose();
  return { loss, gradNorm };
}

/**
 * Score token-id rows in chunks of `batchSize` without gradients; returns one logit per row.
 * `segStart` gives each row's segment-1 start (absent: after the first [SEP]).
 */
export async function scoreRows(
  model: CrossEncoder,
  ids: Int32Array,
  n: number,
  seqLen: number,
  batchSize = 256,
  segStart?: Int32Array,
): Promise<Float32Array> {
  const out = new Float32Array(n);
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const t = tf.tidy(() =>
      model.score(
        tf.tensor2d(ids.subarray(s * seqLen, e * seqLen), [e - s, seqLen], "int32"),
        segStart ? tf.tensor1d(segStart.subarray(s, e), "int32") : undefined,
      ),
    );
    out.set((await t.data()) as Float32Array, s);
    t.dispose();
    await new Promise((resolve) => setImmediate(resolve)); // let IPC and signals through between batches
  }
  return out;
}
