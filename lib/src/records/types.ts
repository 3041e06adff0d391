/**
 * The checkpoint record: one line of `records.jsonl` files under `results/runs/` per evaluated checkpoint. The trainer
 * writes them; the scaling-law code reads them (and published numbers converted from the paper
 * authors' layout) through the same type.
 */

/** The three learning-to-rank objectives of the reranker paper. */
export type Objective = "pointwise" | "pairwise" | "listwise";

/** One evaluated checkpoint of one training run. */
export interface CheckpointRecord {
  /** Size tier name, e.g. "t3" or "68m". */
  tier: string;
  /** Non-embedding parameters N (the scaling-law size axis). */
  params: number;
  /** Total parameters including embeddings. */
  totalParams: number;
  objective: Objective;
  /** Optimizer steps taken when this checkpoint was evaluated. */
  step: number;
  /** Training examples (query–document pairs) seen so far. */
  examples: number;
  /** Training tokens seen so far. */
  tokens: number;
  /** Training FLOPs spent so far (forward + backward, see the model's accounting). */
  flops: number;
  /**
   * Metric values keyed by stable names: "ndcg@10", "map", "mrr@10", "recall@10", "p@10",
   * "ce@K" (K = candidates per query, e.g. "ce@64"); more keys may be present.
   */
  metrics: Record<string, number>;
  /** Seconds of training wall time up to this checkpoint. */
  wallSeconds: number;
  /** tfjs backend name, or "published" for numbers taken from a paper. */
  backend: string;
  seed: number;
  /** Run profile ("smoke" | "mini" | "paper") or a dataset label. */
  profile: string;
  /** Evaluation set, e.g. "dev", "test", "msmarco-dev", "dl19". */
  evalSet: string;
}
