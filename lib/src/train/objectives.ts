/**
 * The registry of the three objectives: which loss function each uses and how its batches are
 * formed (pairs for pointwise, whole query groups for pairwise and listwise), so that the trainer
 * treats them uniformly.
 */
import { tf } from "../backend/tf";
import type { Objective } from "../records/types";
import { pointwiseBceLoss } from "./pointwise";
import { pairwiseRankNetLoss } from "./pairwise";
import { listwiseListNetLoss } from "./listwise";

export type { Objective };

/** All objectives in the paper's order of discussion. */
export const OBJECTIVES: readonly Objective[] = ["pointwise", "pairwise", "listwise"];

/** The paper's record name of each objective (`loss_fn` in its analysis code). */
export const PAPER_LOSS_NAME: Record<Objective, string> = {
  pointwise: "bce",
  pairwise: "ranknet",
  listwise: "listnet",
};

/**
 * Loss of a batch. `scores` and `labels` are flat [n]; for group objectives n = groups × groupSize
 * with each group's documents contiguous.
 */
export function objectiveLoss(
  objective: Objective,
  scores: tf.Tensor1D,
  labels: tf.Tensor1D,
  groupSize: number,
): tf.Scalar {
  if (objective === "pointwise") return pointwiseBceLoss(scores, labels);
  return tf.tidy(() => {
    const g = scores.shape[0] / groupSize;
    if (!Number.isInteger(g))
      throw new Error(`batch of ${scores.shape[0]} scores is not a whole number of groups of ${groupSize}`);
    const s = tf.reshape(scores, [g, groupSize]) as tf.Tensor2D;
    const y = tf.reshape(labels, [g, groupSize]) as tf.Tensor2D;
    return objective === "pairwise" ? pairwiseRankNetLoss(s, y) : listwiseListNetLoss(s, y);
  });
}

/** Parse an objective name (ours or the paper's: bce/ranknet/listnet); throws on unknown names. */
export function parseObjective(raw: string): Objective {
  const r = raw.trim().toLowerCase();
  for (const o of OBJECTIVES) if (r === o || r === PAPER_LOSS_NAME[o]) return o;
  throw new Error(`unknown objective "${raw}" (one of ${OBJECTIVES.join(", ")}, or bce, ranknet, listnet)`);
}
