/**
 * Core in-memory types shared by the evaluation module and everything that produces rankings.
 */

/** Relevance judgments: qid → (docno → integer grade). Unjudged documents are absent. */
export type Qrels = Map<string, Map<string, number>>;

/**
 * The candidates of one query in a run. `docnos[i]` has score `scores[i]`. The order of the
 * arrays carries no meaning: rankings are always derived by score descending, ties broken by
 * docno in descending byte order (trec_eval's rule); any rank column in a file is ignored.
 */
export interface RunQuery {
  docnos: string[];
  scores: Float64Array;
}

/** A run: qid → candidates. */
export type Run = Map<string, RunQuery>;
