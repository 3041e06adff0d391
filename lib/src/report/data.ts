/**
 * The report of notebook 01 (the dataset): the collection's size, BM25 and the oracle on dev, and
 * the learned query expansion, for `results/REPORT.md`.
 */
import type { Dataset } from "../data/dataset";
import type { RunMeasures } from "../data/stats";
import type { SummaryTable } from "./summary";

/** What notebook 01 measured on dev. */
export interface DataResults {
  bm25: RunMeasures;
  /** The oracle reranking of the BM25 top 100; null for real data. */
  oracle: RunMeasures | null;
  /** Dev NDCG@10 of BM25 with a query expansion learned from the first `groups` training groups. */
  expansion: readonly { groups: number; ndcg: number }[];
}

const f3 = (v: number) => v.toFixed(3);

/** The summary of notebook 01: one dataset row, the dev measures of BM25 (and the oracle), the expansion curve. */
export function dataSummary(ds: Dataset, r: DataResults): { findings: string[]; tables: SummaryTable[] } {
  const q = ds.queries;
  const oracle = r.oracle
    ? `; oracle reranking of the same candidates NDCG@10 ${f3(r.oracle["NDCG@10"])}, MRR@10 ${f3(r.oracle["MRR@10"])}.`
    : ".";
  const findings = [
    `${ds.source} collection: ${ds.docs.length} passages; ${q.train.length} / ${q.dev.length} / ${q.test.length} ` +
      `train / dev / test queries; ${ds.groups.count} training groups of 1 + 10 (seed ${ds.seed}).`,
    `dev: BM25 NDCG@10 ${f3(r.bm25["NDCG@10"])}, MRR@10 ${f3(r.bm25["MRR@10"])}, ` +
      `Recall@100 ${f3(r.bm25["Recall@100"])}${oracle}`,
  ];
  const last = r.expansion[r.expansion.length - 1];
  if (last)
    findings.push(
      `A query expansion learned from the positives of ${last.groups} training groups moves BM25 dev NDCG@10 ` +
        `from ${f3(r.bm25["NDCG@10"])} to ${f3(last.ndcg)}.`,
    );
  const row = (name: string, m: RunMeasures) => [name, m["NDCG@10"], m["MRR@10"], m["Recall@100"]];
  const tables: SummaryTable[] = [
    {
      title: "Dataset",
      columns: [
        "passages",
        "train queries",
        "dev queries",
        "test queries",
        "training groups",
        "vocabulary",
        "maxLen",
      ],
      rows: [
        [
          ds.docs.length,
          q.train.length,
          q.dev.length,
          q.test.length,
          ds.groups.count,
          ds.tokenizer.vocabSize,
          ds.maxLen,
        ],
      ],
    },
    {
      title: `dev (${q.dev.length} queries)`,
      columns: ["run", "NDCG@10", "MRR@10", "Recall@100"],
      rows: [
        row("BM25 top-100", r.bm25),
        ...(r.oracle ? [row("oracle rerank of BM25 top-100", r.oracle)] : []),
      ],
    },
    {
      title: "BM25 with a query expansion learned from training positives (dev NDCG@10)",
      columns: ["training groups", "NDCG@10"],
      rows: r.expansion.map((e) => [e.groups, e.ndcg]),
    },
  ];
  return { findings, tables };
}
