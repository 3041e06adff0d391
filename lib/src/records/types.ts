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
  /**
   * The kernels that computed the run on its backend: `native-avx512`, `native-avx2`,
   * `native-portable` or `wasm` on the wasm backend, else the backend name (absent in older records).
   */
  kernels?: string;
  seed: number;
  /** Run profile ("smoke" | "mini" | "paper") or a dataset label. */
  profile: string;
  /** Evaluation set, e.g. "dev", "test", "msmarco-dev", "dl19". */
  evalSet: string;
}

/**
 * The metrics every trainer checkpoint records (train/evaluate.ts `runMetrics`): the five
 * trec_eval headline metrics and Contrastive Entropy over 32, 64 and 100 BM25 candidates (the
 * paper's CE32, CE64, CE100; Seetharaman et al., arXiv 2603.04816, §3). Records of the trainer's
 * profiles (`smoke`, `mini`, `paper`) must have all of them.
 */
export const TRAINER_METRICS: readonly string[] = [
  "ndcg@10",
  "map",
  "mrr@10",
  "recall@10",
  "p@10",
  "ce@32",
  "ce@64",
  "ce@100",
];

/** The run profiles whose records come from this project's trainer (and so carry {@link TRAINER_METRICS}). */
export const TRAINER_PROFILES: readonly string[] = ["smoke", "mini", "paper"];

/**
 * The metric names present in records, in first-seen order. Throws when `metric` is not among
 * them, listing the ones present, so a typo ("ndcg@100") fails instead of yielding an empty
 * table; also throws when some records have it and others do not, naming the first such record.
 */
export function requireMetric(records: readonly CheckpointRecord[], metric: string): void {
  if (records.length === 0) return;
  const without = records.filter((r) => !(metric in r.metrics));
  if (without.length === records.length) {
    throw new Error(
      `unknown metric "${metric}": the records have ${metricsPresent(records).join(", ") || "no metrics"}`,
    );
  }
  if (without.length > 0) {
    const r = without[0];
    throw new Error(
      `metric "${metric}" is missing from ${without.length} of ${records.length} records (first: tier ${r.tier}, ${r.objective}, step ${r.step}, seed ${r.seed})`,
    );
  }
}

/** Every metric name that occurs in the records, in first-seen order. */
export function metricsPresent(records: readonly CheckpointRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r.metrics)) seen.add(k);
  return [...seen];
}
