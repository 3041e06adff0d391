/**
 * Conversion between our {@link CheckpointRecord} and the reranker paper authors' record layout
 * (rahulseetharaman/cross-encoder-scaling, the record keys its analysis scripts read): `model_size` ∈ {17m, 32m, 68m, 150m, 400m, 1b}
 * (nominal sizes), `loss_fn` ∈ {listnet, ranknet, bce}, `step`, and metric keys such as
 * `ndcg@10`, `recall@10`, `precision@10`, `MAP`, `MRR`, `CE64`.
 */
import type { CheckpointRecord, Objective } from "./types";

/** One record in the paper authors' layout. Metric keys sit next to the identifying fields. */
export interface AuthorRecord {
  model_size: string;
  loss_fn: "listnet" | "ranknet" | "bce";
  step: number;
  /** Optional evaluation subset label (the authors' records have several per step). */
  subset?: string;
  [metric: string]: number | string | undefined;
}

const LOSS_TO_OBJECTIVE: Record<AuthorRecord["loss_fn"], Objective> = {
  listnet: "listwise",
  ranknet: "pairwise",
  bce: "pointwise",
};
const OBJECTIVE_TO_LOSS: Record<Objective, AuthorRecord["loss_fn"]> = {
  listwise: "listnet",
  pairwise: "ranknet",
  pointwise: "bce",
};

/**
 * Nominal parameter count of a size label: "17m" → 1.7e7, "1b" → 1e9, "400M" → 4e8 (the
 * authors fit with these nominal values, arXiv 2603.04816). Throws on anything else.
 */
export function parseModelSize(label: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmbt])\s*$/i.exec(label);
  if (!m) throw new Error(`model size "${label}" is not like "17m" or "1b"`);
  const mult = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[m[2].toLowerCase() as "k" | "m" | "b" | "t"];
  return Math.round(Number(m[1]) * mult);
}

/** The size label of a parameter count: 1.7e7 → "17m", 1e9 → "1b" (3 significant digits). */
export function formatModelSize(params: number): string {
  const [div, s] = params >= 1e9 ? [1e9, "b"] : params >= 1e6 ? [1e6, "m"] : [1e3, "k"];
  return `${Number((params / div).toPrecision(3))}${s}`;
}

/** Metric key in the authors' layout → our stable key ("precision@10" → "p@10", "MAP" → "map", "MRR" → "mrr", "CE64" → "ce@64"). */
export function metricFromAuthors(key: string): string {
  const ce = /^CE(\d+)$/.exec(key);
  if (ce) return `ce@${ce[1]}`;
  if (key === "MAP") return "map";
  if (key === "MRR") return "mrr";
  const p = /^precision@(\d+)$/.exec(key);
  if (p) return `p@${p[1]}`;
  return key;
}

/** Our metric key → the authors' layout (inverse of {@link metricFromAuthors}). */
export function metricToAuthors(key: string): string {
  const ce = /^ce@(\d+)$/.exec(key);
  if (ce) return `CE${ce[1]}`;
  if (key === "map") return "MAP";
  if (key === "mrr") return "MRR";
  const p = /^p@(\d+)$/.exec(key);
  if (p) return `precision@${p[1]}`;
  return key;
}

/**
 * Training pairs per optimiser step by objective, from the paper's batch sizes (arXiv 2603.04816, training
 * setup): pointwise 128 (query, passage) pairs; pairwise and listwise 16 queries × 11
 * passages = 176.
 */
export const AUTHOR_PAIRS_PER_STEP: Readonly<Record<Objective, number>> = {
  pointwise: 128,
  pairwise: 176,
  listwise: 176,
};

/** Options for {@link fromAuthorRecord} (defaults in brackets). */
export interface FromAuthorOptions {
  /** Tokens per (query, passage) pair, for `tokens` and `flops`; 0 = unknown, then both are 0 [0]. */
  tokensPerPair?: number;
  /** Evaluation set label ["msmarco-dev"]. */
  evalSet?: string;
  /** Profile label ["published"]. */
  profile?: string;
}

const ID_KEYS = new Set(["model_size", "loss_fn", "step", "subset"]);

/**
 * Convert an authors' record: tier = model_size, params = totalParams = nominal size,
 * objective from loss_fn, examples = step × pairs per step ({@link AUTHOR_PAIRS_PER_STEP}),
 * tokens = examples × tokensPerPair, flops = 6 · params · tokens (C ≈ 6ND, Kaplan et al. 2020),
 * backend "published". Non-numeric metric values are dropped.
 */
export function fromAuthorRecord(r: AuthorRecord, options: FromAuthorOptions = {}): CheckpointRecord {
  const objective = LOSS_TO_OBJECTIVE[r.loss_fn];
  if (!objective) throw new Error(`loss_fn "${String(r.loss_fn)}" is not listnet, ranknet or bce`);
  if (!(typeof r.step === "number" && Number.isFinite(r.step)))
    throw new Error(`step must be a finite number, got ${String(r.step)}`);
  const params = parseModelSize(r.model_size);
  const examples = r.step * AUTHOR_PAIRS_PER_STEP[objective];
  const tokens = examples * (options.tokensPerPair ?? 0);
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) {
    if (ID_KEYS.has(k) || typeof v !== "number" || !Number.isFinite(v)) continue;
    metrics[metricFromAuthors(k)] = v;
  }
  return {
    tier: r.model_size,
    params,
    totalParams: params,
    objective,
    step: r.step,
    examples,
    tokens,
    flops: 6 * params * tokens,
    metrics,
    wallSeconds: 0,
    backend: "published",
    seed: 0,
    profile: options.profile ?? "published",
    evalSet: r.subset ?? options.evalSet ?? "msmarco-dev",
  };
}

/** Convert our record to the authors' layout (model_size from the parameter count, metric keys renamed). */
export function toAuthorRecord(r: CheckpointRecord): AuthorRecord {
  const out: AuthorRecord = {
    model_size: formatModelSize(r.params),
    loss_fn: OBJECTIVE_TO_LOSS[r.objective],
    step: r.step,
  };
  for (const [k, v] of Object.entries(r.metrics)) out[metricToAuthors(k)] = v;
  return out;
}
