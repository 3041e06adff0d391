/**
 * Contrastive Entropy CE_K, the continuous diagnostic the reranker scaling paper reports next to
 * NDCG/MAP/MRR (arXiv 2603.04816; the form follows Fang et al.
 * 2024, "Scaling laws for dense retrieval"):
 *
 *   CE_K = mean_q −log( e^{z(q,d⁺)} / Σ_{d ∈ {d⁺} ∪ N_q} e^{z(q,d)} ),
 *
 * where d⁺ is a relevant document of q, N_q holds K−1 negatives drawn from q's first-stage
 * candidates (e.g. BM25 top-100), and z are the reranker scores after an optional per-query
 * normalisation. Lower is better; a reranker that cannot tell the K candidates apart scores ln K.
 */
import { createRng, deriveSeed } from "../util/rng";
import { compareDocnos, rankQuery, sortedQids } from "./ranking";
import type { Qrels, Run } from "./types";

/**
 * Score normalisation applied to the K sampled scores of a query before the softmax:
 * - `"none"`: raw logits (the plain definition; CE is then the softmax cross-entropy loss).
 * - `"zscore"`: z = (s − mean) / std over the K scores (population std; all-equal scores → 0).
 *   Scale-free, so models trained with different objectives (whose logit scales differ) are
 *   comparable; unbounded below, so it can reach the low CE the paper reports for RankNet
 *   (CE64 ≈ 2.29 < ln 64 = 4.16).
 * - `"minmax"`: z = (s − min) / (max − min) ∈ [0, 1]. Bounded: CE_K can never go below
 *   ln(e + K − 1) − 1 (3.19 for K = 64), so it cannot produce the paper's RankNet values; offered
 *   for comparison.
 * The paper says scores are normalised but not how (arXiv 2603.04816); the default here is `"none"`.
 */
export type CeNormalization = "none" | "zscore" | "minmax";

/** Options of {@link contrastiveEntropy}. */
export interface ContrastiveEntropyOptions {
  /** K: candidates in each softmax, the positive included (the paper uses 32, 64, 100). */
  k: number;
  /** Seed of the negative sampling; query q uses `createRng(deriveSeed(seed, "ce:" + q))`. */
  seed: number;
  /** Score normalisation (see {@link CeNormalization}). Default `"none"`. */
  normalization?: CeNormalization;
  /** Minimum grade of a positive. Default 1. */
  relevanceLevel?: number;
  /**
   * The first-stage run whose candidates the negatives come from (e.g. BM25). Default: the
   * documents of `run` itself (the reranker scored exactly the first-stage candidates).
   */
  firstStage?: Run;
  /** Use only the top `depth` first-stage candidates (trec_eval ranking order). Default: all. */
  depth?: number;
}

/** Result of {@link contrastiveEntropy}. */
export interface ContrastiveEntropyResult {
  /** Record key, `"ce@K"`. */
  key: string;
  /** Mean CE over the queries that could be scored. */
  mean: number;
  /** Scored queries in byte order, with their CE values and candidate counts. */
  qids: string[];
  perQuery: Float64Array;
  /** Candidates actually used per query: K, or fewer when the pool had fewer than K−1 negatives. */
  candidates: Int32Array;
  /** Queries skipped: no relevant document among the candidates, or no negative. */
  skipped: string[];
}

/** Normalise `z[0..n)` in place. */
function normalise(z: Float64Array, n: number, how: CeNormalization): void {
  if (how === "none") return;
  if (how === "zscore") {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += z[i];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (z[i] - mean) * (z[i] - mean);
    const sd = Math.sqrt(v / n);
    for (let i = 0; i < n; i++) z[i] = sd > 0 ? (z[i] - mean) / sd : 0;
    return;
  }
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (z[i] < lo) lo = z[i];
    if (z[i] > hi) hi = z[i];
  }
  for (let i = 0; i < n; i++) z[i] = hi > lo ? (z[i] - lo) / (hi - lo) : 0;
}

/**
 * −log softmax of entry 0 among `z[0..n)`, computed stably:
 * CE = logsumexp(z) − z_0 = m + log Σ e^{z_i − m} − z_0 with m = max z.
 */
export function negLogSoftmaxFirst(z: ArrayLike<number>, n: number = z.length): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (z[i] > m) m = z[i];
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(z[i] - m);
  return m + Math.log(s) - z[0];
}

/**
 * Contrastive Entropy CE_K of a reranker run (formula in the module comment).
 *
 * Per query q (in byte order of qid): the candidate pool is the first-stage list (`firstStage`
 * or `run`'s own documents, cut to `depth`); positives are pool documents with grade ≥
 * `relevanceLevel`, negatives all others (unjudged included). One positive is drawn uniformly and
 * K−1 negatives without replacement (partial Fisher–Yates over the negatives in docno byte
 * order), all from `createRng(deriveSeed(seed, "ce:" + qid))`, so each query's sample is
 * reproducible on its own. If the pool has fewer than K−1 negatives, all are used (see
 * `candidates`). Scores come from `run`; a pool document without a score in `run` throws.
 * Queries with no positive or no negative in the pool are listed in `skipped` and do not count.
 */
export function contrastiveEntropy(
  qrels: Qrels,
  run: Run,
  options: ContrastiveEntropyOptions,
): ContrastiveEntropyResult {
  const K = options.k;
  if (!Number.isInteger(K) || K < 2)
    throw new RangeError(`contrastiveEntropy: k must be an integer >= 2, got ${K}`);
  const how = options.normalization ?? "none";
  if (how !== "none" && how !== "zscore" && how !== "minmax")
    throw new RangeError(`unknown normalization ${how}`);
  const level = options.relevanceLevel ?? 1;
  const depth = options.depth ?? Infinity;
  const pools = options.firstStage ?? run;
  const qids: string[] = [];
  const values: number[] = [];
  const used: number[] = [];
  const skipped: string[] = [];
  const z = new Float64Array(K);
  for (const qid of sortedQids(pools)) {
    const judged = qrels.get(qid);
    const scored = run.get(qid);
    if (!judged || !scored) continue;
    const pool = pools.get(qid)!;
    // Pool docnos: the first-stage ranking cut at depth (all docs when depth is infinite).
    let poolDocs: string[];
    if (depth < pool.docnos.length) {
      const order = rankQuery(pool);
      poolDocs = Array.from(order.subarray(0, depth), (i) => pool.docnos[i]);
    } else {
      poolDocs = pool.docnos;
    }
    const scoreOf =
      pools === run ? null : new Map(scored.docnos.map((d, i) => [d, scored.scores[i]] as [string, number]));
    const ownIndex = pools === run ? new Map(scored.docnos.map((d, i) => [d, i] as [string, number])) : null;
    const score = (d: string): number => {
      const v = scoreOf ? scoreOf.get(d) : scored.scores[ownIndex!.get(d)!];
      if (v === undefined || v !== v)
        throw new RangeError(`contrastiveEntropy: query ${qid}: no score for candidate ${d}`);
      return v;
    };
    const pos: string[] = [];
    const neg: string[] = [];
    for (const d of poolDocs)
      ((judged.get(d) ?? -1) >= level && (judged.get(d) ?? -1) >= 0 ? pos : neg).push(d);
    if (pos.length === 0 || neg.length === 0) {
      skipped.push(qid);
      continue;
    }
    pos.sort(compareDocnos);
    neg.sort(compareDocnos);
    const rng = createRng(deriveSeed(options.seed, `ce:${qid}`));
    const p = pos[rng.int(pos.length)];
    const take = Math.min(K - 1, neg.length);
    for (let i = 0; i < take; i++) {
      const j = i + rng.int(neg.length - i);
      const t = neg[i];
      neg[i] = neg[j];
      neg[j] = t;
    }
    const n = take + 1;
    z[0] = score(p);
    for (let i = 0; i < take; i++) z[i + 1] = score(neg[i]);
    normalise(z, n, how);
    qids.push(qid);
    values.push(negLogSoftmaxFirst(z, n));
    used.push(n);
  }
  let sum = 0;
  for (const v of values) sum += v;
  return {
    key: `ce@${K}`,
    mean: values.length > 0 ? sum / values.length : NaN,
    qids,
    perQuery: Float64Array.from(values),
    candidates: Int32Array.from(used),
    skipped,
  };
}
