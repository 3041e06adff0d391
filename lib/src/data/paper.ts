/**
 * The `paper` profile's directory of real files: MS MARCO passage ranking (training and the dev
 * set the paper reranks) and TREC Deep Learning 2019/2020 passage (graded test sets).
 *
 * Layout (default directory `data/msmarco/` at the repository root, or `SCALERANK_MSMARCO_DIR`):
 *
 * ```
 * data/msmarco/
 *   collection.tsv              8.8M passages            } from MS MARCO passage ranking,
 *   queries.train.tsv           training queries         } collectionandqueries.tar.gz
 *   queries.dev.small.tsv       6,980 dev queries        }
 *   qrels.train.tsv             training qrels           }
 *   qrels.dev.small.tsv         dev qrels                }
 *   top1000.dev.tsv             (optional) official BM25 top-1000 of dev
 *   triples.train.small.tsv     (optional) official training triples
 *   trec-dl-2019/msmarco-test2019-queries.tsv   TREC DL 2019 passage topics
 *   trec-dl-2019/2019qrels-pass.txt             TREC DL 2019 passage qrels (grades 0–3)
 *   trec-dl-2020/msmarco-test2020-queries.tsv   (optional) TREC DL 2020 topics
 *   trec-dl-2020/2020qrels-pass.txt             (optional) TREC DL 2020 qrels
 * ```
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { dataPath } from "../util/paths";

/** One expected file of the paper layout. */
export interface PaperFile {
  /** Path relative to the paper directory. */
  path: string;
  /** Needed by `prepareDataset({ profile: "paper", source: "msmarco" })`. */
  required: boolean;
  /** What it is and where to get it. */
  source: string;
}

const MSMARCO_PAGE =
  "MS MARCO passage ranking, https://microsoft.github.io/msmarco/Datasets (collectionandqueries.tar.gz)";

/** The files of the paper layout (see the module comment). */
export const PAPER_FILES: readonly PaperFile[] = [
  { path: "collection.tsv", required: true, source: MSMARCO_PAGE },
  { path: "queries.train.tsv", required: true, source: MSMARCO_PAGE },
  { path: "queries.dev.small.tsv", required: true, source: MSMARCO_PAGE },
  { path: "qrels.train.tsv", required: true, source: MSMARCO_PAGE },
  { path: "qrels.dev.small.tsv", required: true, source: MSMARCO_PAGE },
  {
    path: "trec-dl-2019/msmarco-test2019-queries.tsv",
    required: true,
    source:
      "TREC DL 2019 passage topics, https://microsoft.github.io/msmarco/TREC-Deep-Learning-2019 (msmarco-test2019-queries.tsv.gz, gunzip)",
  },
  {
    path: "trec-dl-2019/2019qrels-pass.txt",
    required: true,
    source: "TREC DL 2019 passage qrels, https://trec.nist.gov/data/deep/2019qrels-pass.txt",
  },
  {
    path: "top1000.dev.tsv",
    required: false,
    source: MSMARCO_PAGE.replace("collectionandqueries.tar.gz", "top1000.dev.tar.gz"),
  },
  {
    path: "triples.train.small.tsv",
    required: false,
    source: MSMARCO_PAGE.replace("collectionandqueries.tar.gz", "triples.train.small.tar.gz"),
  },
  {
    path: "trec-dl-2020/msmarco-test2020-queries.tsv",
    required: false,
    source:
      "TREC DL 2020 passage topics, https://microsoft.github.io/msmarco/TREC-Deep-Learning-2020 (msmarco-test2020-queries.tsv.gz, gunzip)",
  },
  {
    path: "trec-dl-2020/2020qrels-pass.txt",
    required: false,
    source: "TREC DL 2020 passage qrels, https://trec.nist.gov/data/deep/2020qrels-pass.txt",
  },
];

/** The paper directory: `SCALERANK_MSMARCO_DIR`, else `<repo>/data/msmarco`. */
export function defaultPaperDir(): string {
  return process.env.SCALERANK_MSMARCO_DIR ?? dataPath("msmarco");
}

/** Raised when required files of the paper layout are missing; the message lists them. */
export class MissingFilesError extends Error {
  constructor(
    readonly dir: string,
    readonly missing: PaperFile[],
  ) {
    super(describeMissing(dir, missing));
    this.name = "MissingFilesError";
  }
}

function describeMissing(dir: string, missing: PaperFile[]): string {
  const lines = [`the paper profile needs these files in ${dir}:`];
  for (const f of missing) lines.push(`  ${path.join(dir, f.path)}  ← ${f.source}`);
  lines.push("Fetch them, put them at exactly these paths (or set SCALERANK_MSMARCO_DIR), and run again.");
  return lines.join("\n");
}

/** Which files of the layout exist in `dir`: `{ present, missing, missingRequired, message }`. */
export function checkPaperFiles(dir = defaultPaperDir()): {
  present: PaperFile[];
  missing: PaperFile[];
  missingRequired: PaperFile[];
  message: string;
} {
  const present: PaperFile[] = [],
    missing: PaperFile[] = [];
  for (const f of PAPER_FILES) (fs.existsSync(path.join(dir, f.path)) ? present : missing).push(f);
  const missingRequired = missing.filter((f) => f.required);
  return {
    present,
    missing,
    missingRequired,
    message: missingRequired.length
      ? describeMissing(dir, missingRequired)
      : `all required paper files present in ${dir}`,
  };
}
