/**
 * Turn a prepared {@link Dataset} (the data module's training groups, BM25 candidates and
 * tokenizer) into the padded token arrays the trainer consumes ({@link TrainerData}).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Dataset } from "../data/dataset";
import { loadHfTokenizer, pairSegmentStart, type PairTokenizer } from "../data/tokenizer";
import type { Run } from "../eval/types";
import { readInputFile } from "../util/fsutil";
import type { TokenizerIdentity, TrainerData } from "./batches";

/** Options of {@link buildTrainerData} (defaults in brackets). */
export interface TrainerDataOptions {
  /** Sequence length T: pairs are truncated (document first) and padded to it [dataset.maxLen]. */
  seqLen?: number;
  /** Evaluation split ["dev"]. */
  evalSplit?: "dev" | "test";
  /** Use only the first N evaluation queries (in the split's order) [all]. */
  evalQueries?: number;
  /** Rerank depth: first-stage candidates per query [100]. */
  depth?: number;
  /**
   * A Hugging Face model folder whose `tokenizer.json` encodes the pairs instead of the dataset's
   * word-level vocabulary (what a pretrained tier needs) [none: the dataset's tokenizer].
   */
  tokenizerFolder?: string;
}

/**
 * The identity of a model folder's tokenizer: the folder and the SHA-256 of `tokenizer.json`
 * followed, when present, by `tokenizer_config.json` (both change how text becomes ids). The
 * trainer puts the hash in a run's identity, so a changed tokenizer restarts the run. Throws
 * InputError naming `tokenizer.json` when it cannot be read.
 */
export function hfTokenizerIdentity(folder: string): TokenizerIdentity {
  const file = path.join(folder, "tokenizer.json");
  const h = createHash("sha256").update(
    readInputFile(
      file,
      "the checkpoint's tokenizer",
      "; a pretrained tier needs tokenizer.json in its folder",
    ),
  );
  const cfg = path.join(folder, "tokenizer_config.json");
  if (fs.existsSync(cfg)) h.update("\0tokenizer_config.json\0").update(fs.readFileSync(cfg));
  return { folder, sha256: h.digest("hex") };
}

/**
 * Encode every training group row (`[CLS] q [SEP] d [SEP]`, padded with the tokenizer's pad id)
 * and every first-stage candidate of the evaluation queries. The candidates keep the BM25 run's
 * top `depth` by score (trec_eval order), so the reranked run covers exactly the BM25 top-100.
 * With `tokenizerFolder` the ids come from that folder's `tokenizer.json` (same layout and
 * truncation rule, see `layoutPair`) and the result carries its {@link hfTokenizerIdentity}.
 */
export function buildTrainerData(ds: Dataset, options: TrainerDataOptions = {}): TrainerData {
  const T = options.seqLen ?? ds.maxLen;
  const folder = options.tokenizerFolder;
  const tokenizer = folder === undefined ? undefined : hfTokenizerIdentity(folder);
  const tok: PairTokenizer =
    folder === undefined ? ds.tokenizer : loadHfTokenizer(path.join(folder, "tokenizer.json"));
  const G = ds.groups.count,
    K = ds.groups.size;
  const trainIds = new Int32Array(G * K * T);
  if (tok.padId !== 0) trainIds.fill(tok.padId);
  const trainLabels = new Float32Array(G * K);
  const trainSegStart = new Int32Array(G * K);
  const segStartOf = (text: string) => pairSegmentStart(tok.encode(text).length, T);
  const qStart = new Map<number, number>();
  for (let g = 0; g < G; g++) {
    const qi = ds.groups.queryIdx[g];
    const qText = ds.queries.train[qi].text;
    let s = qStart.get(qi);
    if (s === undefined) qStart.set(qi, (s = segStartOf(qText)));
    for (let j = 0; j < K; j++) {
      const r = g * K + j;
      trainIds.set(tok.encodePair(qText, ds.docs[ds.groups.docIdx[r]].text, T), r * T);
      trainLabels[r] = j === 0 ? 1 : 0;
      trainSegStart[r] = s;
    }
  }
  const split = options.evalSplit ?? "dev";
  const depth = options.depth ?? 100;
  const queries = ds.queries[split].slice(0, options.evalQueries ?? ds.queries[split].length);
  const firstStage: Run = new Map();
  const rows: Int32Array[] = [];
  const evalStarts: number[] = [];
  const evalQueries: TrainerData["evalQueries"] = [];
  let start = 0;
  for (const q of queries) {
    const cand = ds.bm25[split].get(q.qid);
    if (!cand) continue;
    const order = cand.docnos
      .map((_, i) => i)
      .sort(
        (a, b) =>
          cand.scores[b] - cand.scores[a] ||
          (cand.docnos[a] < cand.docnos[b] ? 1 : cand.docnos[a] > cand.docnos[b] ? -1 : 0),
      )
      .slice(0, depth);
    const docnos = order.map((i) => cand.docnos[i]);
    firstStage.set(q.qid, { docnos, scores: Float64Array.from(order.map((i) => cand.scores[i])) });
    const s = segStartOf(q.text);
    for (const dn of docnos) {
      rows.push(tok.encodePair(q.text, ds.docs[ds.docIndex.get(dn)!].text, T));
      evalStarts.push(s);
    }
    evalQueries.push({ qid: q.qid, start, count: docnos.length });
    start += docnos.length;
  }
  const evalIds = new Int32Array(start * T);
  if (tok.padId !== 0) evalIds.fill(tok.padId);
  rows.forEach((r, i) => evalIds.set(r, i * T));
  const evalQrels = new Map([...ds.qrels[split]].filter(([qid]) => firstStage.has(qid)));
  return {
    name: `${ds.source}-${ds.profile}-seed${ds.seed}`,
    ...(tokenizer ? { tokenizer } : {}),
    vocabSize: tok.vocabSize,
    padId: tok.padId,
    sepId: tok.sepId,
    seqLen: T,
    groupSize: K,
    numGroups: G,
    trainIds,
    trainLabels,
    trainSegStart,
    evalSet: split,
    evalQrels,
    evalFirstStage: firstStage,
    evalIds,
    evalSegStart: Int32Array.from(evalStarts),
    evalQueries,
  };
}
