/**
 * Checkpoint evaluation: rerank the first-stage candidates (BM25 top-100) of the evaluation
 * queries with the model and score the reranked run with the evaluation module, as the paper
 * does (arXiv 2603.04816, evaluation): NDCG@10, MAP, MRR@10, Recall@10, P@10 (trec_eval semantics, via
 * `standardMetrics`) and Contrastive Entropy CE_K for K = 32, 64, 100 (via `contrastiveEntropy`,
 * negatives from the same BM25 pool, seeded per query).
 */
import type { Run } from "../eval/types";
import { evaluate, standardMetrics } from "../eval/measures";
import { contrastiveEntropy } from "../eval/contrastive";
import type { CrossEncoder } from "../model/crossencoder";
import { scoreRows } from "./step";
import type { TrainerData } from "./batches";

/** The CE candidate-set sizes recorded at every checkpoint (the paper's CE32, CE64, CE100). */
export const CE_SIZES: readonly number[] = [32, 64, 100];

/** Seed of the CE negative sampling (fixed, so every checkpoint and run uses the same samples). */
export const CE_SEED = 20260305;

/** Score every evaluation candidate and return the reranked run. */
export async function rerankEval(model: CrossEncoder, data: TrainerData, batchSize = 256): Promise<Run> {
  const nRows = data.evalIds.length / data.seqLen;
  const scores = await scoreRows(model, data.evalIds, nRows, data.seqLen, batchSize, data.evalSegStart);
  const run: Run = new Map();
  for (const q of data.evalQueries) {
    const fs = data.evalFirstStage.get(q.qid)!;
    const s = new Float64Array(q.count);
    for (let i = 0; i < q.count; i++) s[i] = scores[q.start + i];
    run.set(q.qid, { docnos: fs.docnos.slice(0, q.count), scores: s });
  }
  return run;
}

/** Metrics of a run on the evaluation set: the five standard ones plus ce@32, ce@64, ce@100. */
export function runMetrics(data: TrainerData, run: Run): Record<string, number> {
  const m: Record<string, number> = { ...standardMetrics(data.evalQrels, run) };
  for (const k of CE_SIZES) {
    const ce = contrastiveEntropy(data.evalQrels, run, { k, seed: CE_SEED, firstStage: data.evalFirstStage });
    m[ce.key] = ce.mean;
  }
  return m;
}

/**
 * The first `n` evaluation queries of trainer data as trainer data of their own (views, no copy):
 * their candidate rows, qrels and first-stage runs. `n` ≥ the number of queries returns `data`.
 */
export function evalSubset(data: TrainerData, n: number): TrainerData {
  if (n >= data.evalQueries.length) return data;
  const queries = data.evalQueries.slice(0, n);
  const rows = queries.length ? queries[queries.length - 1].start + queries[queries.length - 1].count : 0;
  const keep = new Set(queries.map((q) => q.qid));
  return {
    ...data,
    evalQueries: queries,
    evalIds: data.evalIds.subarray(0, rows * data.seqLen),
    evalSegStart: data.evalSegStart.subarray(0, rows),
    evalQrels: new Map([...data.evalQrels].filter(([q]) => keep.has(q))),
    evalFirstStage: new Map([...data.evalFirstStage].filter(([q]) => keep.has(q))),
  };
}

/**
 * Per-query NDCG@10 of a run (trec_eval ndcg_cut.10, the queries of `data`'s qrels that the run
 * has), for paired tests between models on the same queries.
 */
export function perQueryNdcg10(data: TrainerData, run: Run): Record<string, number> {
  const r = evaluate(data.evalQrels, run, ["ndcg_cut.10"]);
  return Object.fromEntries(r.qids.map((q, i) => [q, r.perQuery["ndcg_cut_10"][i]]));
}

/** Rerank and score in one call (what the trainer does at each checkpoint). */
export async function evaluateModel(
  model: CrossEncoder,
  data: TrainerData,
): Promise<{ run: Run; metrics: Record<string, number> }> {
  const run = await rerankEval(model, data);
  return { run, metrics: runMetrics(data, run) };
}
