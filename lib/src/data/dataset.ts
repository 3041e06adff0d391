/**
 * `prepareDataset`: the one entry point that builds, or loads from its cache, everything
 * training and evaluation need — passages, query splits, graded qrels, BM25 top-100 candidates,
 * the paper's training groups (1 positive + 10 BM25 negatives), the tokenizer, and on the
 * embedded collection the oracle runs.
 *
 * Every dataset lives in one folder, `data/generated/<profile>-seed<seed>/`, in real formats
 * that outside tools read (the folder is the cache and the export at once):
 *
 * | file                         | format                                                   |
 * |------------------------------|----------------------------------------------------------|
 * | `collection.tsv`             | MS MARCO collection: `docno<TAB>text`                    |
 * | `queries.<split>.tsv`        | MS MARCO queries: `qid<TAB>text`                         |
 * | `qrels.<split>.txt`          | TREC qrels: `qid 0 docno grade`                          |
 * | `bm25.<split>.trec`          | TREC run, top 100 per query, tag `bm25`                  |
 * | `oracle.<dev,test>.trec`     | TREC run: the BM25 candidates reranked by the oracle     |
 * | `groups.train.tsv`           | `qid<TAB>positive<TAB>10 negatives` per training query   |
 * | `vocab.txt`                  | word-level vocabulary, line i+1 = id i                   |
 * | `truth.json`                 | generative truth (embedded collection only)              |
 * | `manifest.json`              | configuration, counts and file list (no timestamps)      |
 *
 * The folder is built in a temporary sibling and renamed into place (atomic). The same profile
 * and seed always give byte-identical files; a different seed gives different ones.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { activeProfile, type ProfileName } from "../util/profile";
import { InputError, writeFileAtomic, writeJsonAtomic } from "../util/fsutil";
import { createRng, deriveSeed } from "../util/rng";
import type { Qrels, Run, RunQuery } from "../eval/types";
import { readMsMarcoQrels, readTrecQrels, readTrecRun, writeTrecQrels, writeTrecRun } from "../eval/io";
import { rankQuery } from "../eval/ranking";
import { LUCENE_ENGLISH_STOPWORDS, type AnalyzerOptions } from "./analyzer";
import { buildBm25Index, bm25Run, type Bm25Params } from "./bm25";
import {
  csrRow,
  generateCollection,
  generatorConfigFor,
  relevanceOf,
  SPLITS,
  type Csr,
  type Doc,
  type GeneratorConfig,
  type Query,
  type Split,
  type SyntheticTruth,
} from "./generator";
import {
  buildTrainingGroups,
  pointwiseView,
  readGroupsTsv,
  writeGroupsTsv,
  type PointwiseExamples,
  type TrainingGroups,
} from "./groups";
import { forEachIdTextTsv, readCollectionTsv, readQueriesTsv } from "./loaders";
import { checkPaperFiles, defaultPaperDir, MissingFilesError } from "./paper";
import { dataPath } from "../util/paths";
import { buildVocabulary, WordTokenizer } from "./tokenizer";

/** Version of the folder layout and of the generator; bump it when either changes, so cached folders are rebuilt. */
export const DATASET_FORMAT = 1;

/** Options of {@link prepareDataset} (defaults in brackets). */
export interface PrepareOptions {
  /** Profile [activeProfile(): SCALERANK_PROFILE or "mini"]. */
  profile?: ProfileName;
  /** Seed of generation and negative sampling [1]. */
  seed?: number;
  /** Root folder of generated data [dataPath("generated") = <project root>/data/generated]; the dataset folder is `<dir>/<profile>-seed<seed>`. */
  dir?: string;
  /**
   * Where the data come from ["auto"]: "synthetic" = the embedded collection at the profile's
   * size; "msmarco" = the real files of the paper layout (throws MissingFilesError listing what
   * to fetch); "auto" = synthetic for smoke/mini, and for paper the real files when all required
   * ones are present, else the paper-size synthetic collection (the log says which files to
   * fetch for the real run).
   */
  source?: "auto" | "synthetic" | "msmarco";
  /** Folder of the real files [SCALERANK_MSMARCO_DIR or <repo>/data/msmarco]. */
  paperDir?: string;
  /** Overrides of the generator configuration (the folder name gets a hash of them). */
  generator?: Partial<GeneratorConfig>;
  /** Real data only: at most this many training queries (a seeded sample of the judged ones) [100000]. */
  maxTrainQueries?: number;
  /** Real data only: read at most this many passages (for trials on part of the collection) [all]. */
  maxDocs?: number;
  /** Ignore an existing cache and rebuild [false]. */
  rebuild?: boolean;
  /** Progress messages [none; the paper-profile notice about missing real files goes to console.log]. */
  log?: (message: string) => void;
}

/** Where each file of a dataset folder is. */
export interface DatasetFiles {
  dir: string;
  manifest: string;
  collection: string;
  queries: Record<Split, string>;
  qrels: Record<Split, string>;
  bm25: Record<Split, string>;
  oracle: Record<"dev" | "test", string> | null;
  groups: string;
  vocab: string;
  truth: string | null;
}

/** Everything training and evaluation need. */
export interface Dataset {
  /** Profile it was prepared for. */
  profile: ProfileName;
  /** Seed of generation (synthetic) and of negative sampling. */
  seed: number;
  /** "synthetic" (the embedded collection) or "msmarco" (real files). */
  source: "synthetic" | "msmarco";
  /** Folder holding the files below (cache and export). */
  dir: string;
  /** Paths of the files in {@link Dataset.dir}. */
  files: DatasetFiles;
  /** True when loaded from an existing folder, false when built now. */
  fromCache: boolean;
  /** The passages; a passage's position is its "doc index" used by runs' docnos via docIndex, groups and truth. */
  docs: Doc[];
  /** docno → doc index. */
  docIndex: Map<string, number>;
  /** Queries per split (train: training; dev: model selection and the paper's MSMARCO-dev; test: held out / TREC DL 2019). */
  queries: Record<Split, Query[]>;
  /** Graded judgments per split (embedded collection: grades 1–3, every passage with grade ≥ 1 listed). */
  qrels: Record<Split, Qrels>;
  /** BM25 (k1 0.9, b 0.4) top-100 candidates per split: what rerankers rerank. Every query has an entry (possibly empty). */
  bm25: Record<Split, Run>;
  /** Oracle reranking of the BM25 candidates (dev, test): the ceiling of any reranker; null for real data. */
  oracle: Record<"dev" | "test", Run> | null;
  /** Training groups: per training query 1 positive + 10 negatives from its BM25 top-100 (judged relevant excluded). */
  groups: TrainingGroups;
  /** The pointwise (query, passage, label) rows of the same groups. */
  pointwise: PointwiseExamples;
  /** Word-level tokenizer built from the passages and training queries ([PAD]=0, [UNK], [CLS], [SEP], [MASK]). */
  tokenizer: WordTokenizer;
  /** Recommended max sequence length: the 99th percentile of `[CLS] q [SEP] d [SEP]` over the training groups, rounded up to a multiple of 16 (32–256). */
  maxLen: number;
  /** Generator configuration (embedded collection) or null. */
  config: GeneratorConfig | null;
  /** Generative truth (embedded collection) or null. */
  truth: SyntheticTruth | null;
  /** BM25 parameters and analyzer used for the candidates. */
  bm25Params: { k1: number; b: number; depth: number; analyzer: Required<AnalyzerOptions> };
}

/** The manifest written into every dataset folder. */
interface Manifest {
  format: number;
  profile: ProfileName;
  seed: number;
  source: "synthetic" | "msmarco";
  config: GeneratorConfig | null;
  sourceInfo: Record<string, unknown> | null;
  bm25: Dataset["bm25Params"];
  groups: {
    negatives: number;
    depth: number;
    excludeMinGrade: number;
    skipped: Array<{ qid: string; reason: string }>;
  };
  maxLen: number;
  counts: Record<string, number>;
}

const BM25: Required<Bm25Params> = { k1: 0.9, b: 0.4 };
/** Rerank depth of every profile: the BM25 top-100 (arXiv 2603.04816, evaluation). */
export const RERANK_DEPTH = 100;
/** BM25 negatives per training group (1 positive + 10 negatives; arXiv 2603.04816, training setup). */
export const GROUP_NEGATIVES = 10;
/** Anserini's default English analysis (see analyzer.ts). */
const ANALYZER: Required<AnalyzerOptions> = {
  lowercase: true,
  stopwords: [...LUCENE_ENGLISH_STOPWORDS],
  stem: true,
};

/** FNV-1a hash of a string as 8 hex digits (folder names of configuration overrides). */
function hash8(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

function filesIn(dir: string, synthetic: boolean): DatasetFiles {
  const per = (f: (s: Split) => string) => ({ train: f("train"), dev: f("dev"), test: f("test") });
  return {
    dir,
    manifest: path.join(dir, "manifest.json"),
    collection: path.join(dir, "collection.tsv"),
    queries: per((s) => path.join(dir, `queries.${s}.tsv`)),
    qrels: per((s) => path.join(dir, `qrels.${s}.txt`)),
    bm25: per((s) => path.join(dir, `bm25.${s}.trec`)),
    oracle: synthetic
      ? { dev: path.join(dir, "oracle.dev.trec"), test: path.join(dir, "oracle.test.trec") }
      : null,
    groups: path.join(dir, "groups.train.tsv"),
    vocab: path.join(dir, "vocab.txt"),
    truth: synthetic ? path.join(dir, "truth.json") : null,
  };
}

/**
 * Build or load the dataset of a profile (see the module comment for the folder layout).
 *
 * - embedded collection (smoke, mini, and paper without the real files): generate (seeded),
 *   index with BM25, retrieve the top 100 for every query, sample the training groups, build the
 *   vocabulary, rerank dev/test candidates with the oracle, write the folder;
 * - real files (paper with `data/msmarco/`): MS MARCO train (a seeded sample of at most
 *   `maxTrainQueries` judged queries) and dev.small, TREC DL 2019 as test, BM25 over the whole
 *   collection (memory grows with the collection: the full 8.8M passages need tens of GB).
 *
 * A folder with a matching manifest is loaded instead of rebuilt (unless `rebuild`).
 */
export async function prepareDataset(options: PrepareOptions = {}): Promise<Dataset> {
  const profile = options.profile ?? activeProfile();
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const root = options.dir ?? dataPath("generated");
  let source: "synthetic" | "msmarco";
  const want = options.source ?? "auto";
  const paperDir = options.paperDir ?? defaultPaperDir();
  if (want === "msmarco") {
    const chk = checkPaperFiles(paperDir);
    if (chk.missingRequired.length) throw new MissingFilesError(paperDir, chk.missingRequired);
    source = "msmarco";
  } else if (want === "synthetic" || profile !== "paper") source = "synthetic";
  else {
    const chk = checkPaperFiles(paperDir);
    source = chk.missingRequired.length ? "synthetic" : "msmarco";
    if (source === "synthetic")
      (options.log ?? console.log)(
        `paper profile: real files not found, using the paper-size embedded collection.\n${chk.message}`,
      );
  }
  const overrides = options.generator ?? {};
  const config = source === "synthetic" ? generatorConfigFor(profile, overrides) : null;
  const hasOverrides = Object.keys(overrides).length > 0;
  const name = `${profile}${source === "msmarco" ? "-msmarco" : ""}-seed${seed}${hasOverrides ? "-" + hash8(JSON.stringify(config)) : ""}`;
  const dir = path.join(root, name);
  const files = filesIn(dir, source === "synthetic");
  const sourceInfo =
    source === "msmarco"
      ? {
          paperDir: path.resolve(paperDir),
          maxTrainQueries: options.maxTrainQueries ?? 100000,
          maxDocs: options.maxDocs ?? null,
        }
      : null;

  if (!options.rebuild && fs.existsSync(files.manifest)) {
    try {
      const m = JSON.parse(fs.readFileSync(files.manifest, "utf8")) as Manifest;
      if (
        m.format === DATASET_FORMAT &&
        m.source === source &&
        m.seed === seed &&
        JSON.stringify(m.config) === JSON.stringify(config) &&
        JSON.stringify(m.sourceInfo) === JSON.stringify(sourceInfo)
      ) {
        log(`loading ${dir}`);
        return loadDatasetDir(dir, profile);
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      log(`cache in ${dir} unreadable (${(e as Error).message}); rebuilding`);
    }
  }
  log(`building ${dir}`);
  const built =
    source === "synthetic" ? buildSynthetic(config!, seed, log) : buildReal(paperDir, seed, options, log);
  const ds: Dataset = finish(built, profile, seed, source, dir, files, false, config, log);
  writeDatasetDir(ds, sourceInfo, log);
  return ds;
}

interface Built {
  docs: Doc[];
  queries: Record<Split, Query[]>;
  qrels: Record<Split, Qrels>;
  truth: SyntheticTruth | null;
}

function buildSynthetic(config: GeneratorConfig, seed: number, log: (m: string) => void): Built {
  const col = generateCollection(config, seed);
  log(
    `generated ${col.docs.length} passages, ${SPLITS.map((s) => `${col.queries[s].length} ${s}`).join(", ")} queries`,
  );
  return { docs: col.docs, queries: col.queries, qrels: col.qrels, truth: col.truth };
}

function buildReal(dir: string, seed: number, options: PrepareOptions, log: (m: string) => void): Built {
  const p = (f: string) => path.join(dir, f);
  const docs = readCollectionTsv(p("collection.tsv"), options.maxDocs ?? Infinity);
  log(`read ${docs.length} passages`);
  const qrels = {
    train: readMsMarcoQrels(p("qrels.train.tsv")),
    dev: readMsMarcoQrels(p("qrels.dev.small.tsv")),
    test: readTrecQrels(p("trec-dl-2019/2019qrels-pass.txt")),
  };
  const judged = (qs: Query[], qr: Qrels) => qs.filter((q) => (qr.get(q.qid)?.size ?? 0) > 0);
  let train = judged(readQueriesTsv(p("queries.train.tsv")), qrels.train);
  const maxTrain = options.maxTrainQueries ?? 100000;
  if (train.length > maxTrain) {
    const rng = createRng(deriveSeed(seed, "msmarco-train-sample"));
    const idx = rng
      .shuffle(train.map((_, i) => i))
      .slice(0, maxTrain)
      .sort((a, b) => a - b);
    train = idx.map((i) => train[i]);
  }
  const queries = {
    train,
    dev: judged(readQueriesTsv(p("queries.dev.small.tsv")), qrels.dev),
    test: judged(readQueriesTsv(p("trec-dl-2019/msmarco-test2019-queries.tsv")), qrels.test),
  };
  return { docs, queries, qrels, truth: null };
}

/** Oracle reranking of a candidate run (embedded collection). */
function oracleRun(
  truth: SyntheticTruth,
  split: Split,
  queries: Query[],
  cand: Run,
  docIndex: Map<string, number>,
): Run {
  const out: Run = new Map();
  queries.forEach((q, i) => {
    const c = cand.get(q.qid)!;
    const Q = csrRow(truth.queryConcepts[split], i);
    const scores = Float64Array.from(c.docnos, (dn) => relevanceOf(truth, Q, docIndex.get(dn)!).oracle);
    const order = rankQuery({ docnos: c.docnos, scores });
    out.set(q.qid, {
      docnos: Array.from(order, (j) => c.docnos[j]),
      scores: Float64Array.from(order, (j) => scores[j]),
    });
  });
  return out;
}

function recommendedMaxLen(
  tok: WordTokenizer,
  ds: { queries: Record<Split, Query[]>; docs: Doc[]; groups: TrainingGroups },
): number {
  const lens: number[] = [];
  const qlen = ds.queries.train.map((q) => tok.encode(q.text).length);
  const dlen = new Map<number, number>();
  for (let g = 0; g < ds.groups.count; g++) {
    const ql = qlen[ds.groups.queryIdx[g]];
    for (let j = 0; j < ds.groups.size; j++) {
      const d = ds.groups.docIdx[g * ds.groups.size + j];
      let dl = dlen.get(d);
      if (dl === undefined) dlen.set(d, (dl = tok.encode(ds.docs[d].text).length));
      lens.push(3 + ql + dl);
    }
  }
  if (lens.length === 0) return 32;
  lens.sort((a, b) => a - b);
  const p99 = lens[Math.min(lens.length - 1, Math.ceil(0.99 * lens.length) - 1)];
  return Math.min(256, Math.max(32, Math.ceil(p99 / 16) * 16));
}

function finish(
  b: Built,
  profile: ProfileName,
  seed: number,
  source: "synthetic" | "msmarco",
  dir: string,
  files: DatasetFiles,
  fromCache: boolean,
  config: GeneratorConfig | null,
  log: (m: string) => void,
): Dataset {
  const docIndex = new Map<string, number>();
  b.docs.forEach((d, i) => docIndex.set(d.docno, i));
  const index = buildBm25Index(b.docs, ANALYZER);
  log(`indexed: ${index.terms.length} terms, ${index.numPostings} postings`);
  const bm25 = {} as Record<Split, Run>;
  for (const s of SPLITS) bm25[s] = bm25Run(index, b.queries[s], RERANK_DEPTH, BM25);
  log("retrieved BM25 top-100 for every split");
  const groups = buildTrainingGroups(b.queries.train, bm25.train, b.qrels.train, docIndex, {
    negatives: GROUP_NEGATIVES,
    depth: RERANK_DEPTH,
    seed: deriveSeed(seed, "negatives"),
  });
  log(`sampled ${groups.count} training groups (${groups.skipped.length} queries skipped)`);
  const tokenizer = buildVocabulary(
    (function* () {
      for (const d of b.docs) yield d.text;
      for (const q of b.queries.train) yield q.text;
    })(),
    { maxWords: source === "msmarco" ? 50000 : undefined, minCount: source === "msmarco" ? 2 : 1 },
  );
  log(`vocabulary: ${tokenizer.vocabSize} tokens`);
  const oracle = b.truth
    ? {
        dev: oracleRun(b.truth, "dev", b.queries.dev, bm25.dev, docIndex),
        test: oracleRun(b.truth, "test", b.queries.test, bm25.test, docIndex),
      }
    : null;
  const partial = { queries: b.queries, docs: b.docs, groups };
  return {
    profile,
    seed,
    source,
    dir,
    files,
    fromCache,
    docs: b.docs,
    docIndex,
    queries: b.queries,
    qrels: b.qrels,
    bm25,
    oracle,
    groups,
    pointwise: pointwiseView(groups),
    tokenizer,
    maxLen: recommendedMaxLen(tokenizer, partial),
    config,
    truth: b.truth,
    bm25Params: { ...BM25, depth: RERANK_DEPTH, analyzer: ANALYZER },
  };
}

/** Check a field can be written to TSV (no tab or newline). */
function tsvSafe(s: string, what: string): string {
  if (/[\t\n\r]/.test(s))
    throw new RangeError(`${what} contains a tab or newline: ${JSON.stringify(s.slice(0, 40))}`);
  return s;
}

/** Write `id<TAB>text` lines (MS MARCO collection/queries format) atomically. */
export function writeIdTextTsv(file: string, rows: ReadonlyArray<{ id: string; text: string }>): void {
  const out = rows.map((r) => `${tsvSafe(r.id, "id")}\t${tsvSafe(r.text, "text")}`).join("\n");
  writeFileAtomic(file, out + (rows.length ? "\n" : ""));
}

function truthToJson(t: SyntheticTruth): string {
  const csr = (c: Csr) => ({ offsets: Array.from(c.offsets), ids: Array.from(c.ids) });
  const per = <T>(f: (s: Split) => T) => ({ train: f("train"), dev: f("dev"), test: f("test") });
  return (
    JSON.stringify({
      conceptForms: t.conceptForms,
      conceptTopic: Array.from(t.conceptTopic),
      docTopic: Array.from(t.docTopic),
      docSalient: csr(t.docSalient),
      docMentioned: csr(t.docMentioned),
      queryConcepts: per((s) => csr(t.queryConcepts[s])),
      querySource: per((s) => Array.from(t.querySource[s])),
    }) + "\n"
  );
}

function truthFromJson(file: string, config: GeneratorConfig): SyntheticTruth {
  let o: any;
  try {
    o = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError(file, 0, `invalid truth file (${(e as Error).message})`);
  }
  const csr = (c: any): Csr => ({ offsets: Int32Array.from(c.offsets), ids: Int32Array.from(c.ids) });
  const per = <T>(f: (s: Split) => T) => ({ train: f("train"), dev: f("dev"), test: f("test") });
  const C = o.conceptForms.length;
  const conceptWeight = new Float64Array(C);
  for (let r = 0; r < C; r++) conceptWeight[r] = 1 / Math.pow(r + 2, config.conceptZipf);
  return {
    conceptForms: o.conceptForms,
    conceptTopic: Int32Array.from(o.conceptTopic),
    conceptWeight,
    docTopic: Int32Array.from(o.docTopic),
    docSalient: csr(o.docSalient),
    docMentioned: csr(o.docMentioned),
    queryConcepts: per((s) => csr(o.queryConcepts[s])),
    querySource: per((s) => Int32Array.from(o.querySource[s])),
  };
}

/** Write the dataset folder atomically: build in `<dir>.tmp-<pid>`, then rename into place. */
function writeDatasetDir(
  ds: Dataset,
  sourceInfo: Record<string, unknown> | null,
  log: (m: string) => void,
): void {
  const final = ds.dir;
  const tmp = `${final}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const f = filesIn(tmp, ds.source === "synthetic");
  writeIdTextTsv(
    f.collection,
    ds.docs.map((d) => ({ id: d.docno, text: d.text })),
  );
  for (const s of SPLITS) {
    writeIdTextTsv(
      f.queries[s],
      ds.queries[s].map((q) => ({ id: q.qid, text: q.text })),
    );
    writeTrecQrels(f.qrels[s], ds.qrels[s]);
    writeTrecRun(f.bm25[s], ds.bm25[s], "bm25");
  }
  if (ds.oracle && f.oracle) {
    writeTrecRun(f.oracle.dev, ds.oracle.dev, "oracle");
    writeTrecRun(f.oracle.test, ds.oracle.test, "oracle");
  }
  writeGroupsTsv(
    f.groups,
    ds.groups,
    ds.docs.map((d) => d.docno),
  );
  writeFileAtomic(f.vocab, ds.tokenizer.toVocabText());
  if (ds.truth && f.truth) writeFileAtomic(f.truth, truthToJson(ds.truth));
  const manifest: Manifest = {
    format: DATASET_FORMAT,
    profile: ds.profile,
    seed: ds.seed,
    source: ds.source,
    config: ds.config,
    sourceInfo,
    bm25: ds.bm25Params,
    groups: {
      negatives: GROUP_NEGATIVES,
      depth: RERANK_DEPTH,
      excludeMinGrade: 1,
      skipped: ds.groups.skipped,
    },
    maxLen: ds.maxLen,
    counts: {
      docs: ds.docs.length,
      ...Object.fromEntries(SPLITS.map((s) => [`queries.${s}`, ds.queries[s].length])),
      groups: ds.groups.count,
      groupsSkipped: ds.groups.skipped.length,
      vocab: ds.tokenizer.vocabSize,
    },
  };
  writeJsonAtomic(f.manifest, manifest);
  fs.rmSync(final, { recursive: true, force: true });
  try {
    fs.renameSync(tmp, final);
  } catch (e) {
    // another process put the same folder in place first: same seed, same bytes; keep theirs
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(final, "manifest.json"))) throw e;
  }
  log(`wrote ${final}`);
}

/**
 * Load a dataset folder written by {@link prepareDataset} (every file validated by its reader;
 * problems throw InputError with file and line).
 */
export function loadDatasetDir(dir: string, profile?: ProfileName): Dataset {
  const mfile = path.join(dir, "manifest.json");
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(mfile, "utf8")) as Manifest;
  } catch (e) {
    throw new InputError(mfile, 0, `cannot read manifest (${(e as Error).message})`);
  }
  if (m.format !== DATASET_FORMAT)
    throw new InputError(mfile, 0, `dataset format ${m.format}, expected ${DATASET_FORMAT}`);
  const files = filesIn(dir, m.source === "synthetic");
  const docs: Doc[] = [];
  forEachIdTextTsv(files.collection, "collection", (docno, text) => docs.push({ docno, text }));
  const docIndex = new Map<string, number>();
  docs.forEach((d, i) => docIndex.set(d.docno, i));
  const queries = {} as Record<Split, Query[]>,
    qrels = {} as Record<Split, Qrels>,
    bm25 = {} as Record<Split, Run>;
  const fill = (run: Run, qs: Query[]): Run => {
    const out: Run = new Map();
    const empty: RunQuery = { docnos: [], scores: new Float64Array(0) };
    for (const q of qs) out.set(q.qid, run.get(q.qid) ?? empty);
    return out;
  };
  for (const s of SPLITS) {
    queries[s] = readQueriesTsv(files.queries[s]);
    qrels[s] = readTrecQrels(files.qrels[s]);
    bm25[s] = fill(readTrecRun(files.bm25[s]), queries[s]);
  }
  const oracle = files.oracle
    ? {
        dev: fill(readTrecRun(files.oracle.dev), queries.dev),
        test: fill(readTrecRun(files.oracle.test), queries.test),
      }
    : null;
  const groups = readGroupsTsv(files.groups, queries.train, docIndex);
  groups.skipped = m.groups?.skipped ?? [];
  const tokenizer = WordTokenizer.fromVocabFile(files.vocab);
  const truth = files.truth && m.config ? truthFromJson(files.truth, m.config) : null;
  return {
    profile: profile ?? m.profile,
    seed: m.seed,
    source: m.source,
    dir,
    files,
    fromCache: true,
    docs,
    docIndex,
    queries,
    qrels,
    bm25,
    oracle,
    groups,
    pointwise: pointwiseView(groups),
    tokenizer,
    maxLen: m.maxLen,
    config: m.config,
    truth,
    bm25Params: m.bm25,
  };
}
