/**
 * Checkpoint evaluation: rerank the first-stage candidates (BM25 top-100) of the evaluation
 * queries with the model and score the reranked run with the evaluation module, as the paper
 * does (papers.md §A4): NDCG@10, MAP, MRR@10, Recall@10, P@10 (trec_eval semantics, via
 * `standardMetrics`) and Contrastive Entropy CE_K for K = 32, 64, 100 (via `contrastiveEntropy`,
 * negatives from the same BM25 pool, seeded per query).
 */
import type { Run } from "../eval/types";
import { standardMetrics } from "../eval/measures";
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

/** Rerank and score in one call (what the trainer does at each checkpoint). */
export async function evaluateModel(model: CrossEncoder, data: TrainerData): Promise<{ run: Run; metrics: Record<string, number> }> {
  const run = await rerankEval(model, data);
  return { run, metrics: runMetrics(data, run) };
}
