/**
 * Statistics of a prepared dataset, as notebook 01 shows them: rank–frequency (Zipf), lengths in
 * tokens, judgments per split, the trec_eval measures of a run, vocabulary mismatch between a
 * query and its source passage, a query expansion learned from training positives, and the
 * training groups against the BM25 candidates.
 */
import type { Qrels, Run } from "../eval/types";
import { evaluate } from "../eval/measures";
import { wordPieces } from "./tokenizer";
import { csrRow, SPLITS } from "./generator";
import type { Dataset } from "./dataset";

/** At most `points` distinct ranks 1…n spaced evenly on a log scale (so a plot of n ranks stays small). */
export function logRanks(n: number, points = 400): number[] {
  const out: number[] = [];
  for (let k = 0; k < points; k++) {
    const r = Math.round(Math.exp((Math.log(n) * k) / (points - 1)));
    if (out.length === 0 || r > out[out.length - 1]) out.push(r);
  }
  return out;
}

/** Least-squares slope of ln f(r) on ln r over ranks lo…hi (1-based) of counts sorted descending: Zipf's exponent is −slope. */
export function zipfSlope(freq: readonly number[], lo: number, hi: number): number {
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0,
    n = 0;
  for (let i = lo - 1; i < hi; i++) {
    const x = Math.log(i + 1),
      y = Math.log(freq[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    n++;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/** Rank–frequency of the words in the passages and, for the embedded collection, of the concepts. */
export interface RankFrequency {
  /** Word counts, descending; the ranks to plot; the Zipf slope over ranks lo…hi. */
  words: { freq: number[]; ranks: number[]; slope: number; lo: number; hi: number };
  /** Passages mentioning each concept by popularity rank, and the model's w_r scaled to the same total. */
  concepts: { ranks: number[]; mentions: number[]; model: number[] } | null;
}

/** {@link RankFrequency} of a dataset: word counts over the passages (the slope over ranks 10…min(2000, V)). */
export function rankFrequency(ds: Dataset): RankFrequency {
  const counts = new Map<string, number>();
  for (const d of ds.docs)
    for (const w of wordPieces(d.text)) if (w !== ".") counts.set(w, (counts.get(w) ?? 0) + 1);
  const freq = Array.from(counts.values()).sort((a, b) => b - a);
  const lo = 10,
    hi = Math.min(2000, freq.length);
  const words = { freq, ranks: logRanks(freq.length), slope: zipfSlope(freq, lo, hi), lo, hi };
  const t = ds.truth;
  if (!t) return { words, concepts: null };
  const mentions = new Array<number>(t.conceptForms.length).fill(0);
  for (const c of t.docMentioned.ids) mentions[c]++;
  const total = mentions.reduce((a, b) => a + b, 0);
  const wsum = t.conceptWeight.reduce((a, b) => a + b, 0);
  const ranks = logRanks(mentions.length);
  return {
    words,
    concepts: {
      ranks,
      mentions: ranks.map((r) => mentions[r - 1]),
      model: ranks.map((r) => (t.conceptWeight[r - 1] / wsum) * total),
    },
  };
}

/** Lengths in tokens: training queries, passages, and every `[CLS] q [SEP] d [SEP]` pair of the training groups. */
export interface LengthStats {
  query: number[];
  passage: number[];
  pair: number[];
  /** Share of pairs longer than the dataset's maxLen (their passage is truncated). */
  over: number;
}

/** {@link LengthStats} of a dataset, in the word-level tokenizer's tokens (a pair adds 3 special tokens). */
export function lengthStats(ds: Dataset): LengthStats {
  const tok = ds.tokenizer,
    G = ds.groups;
  const query = ds.queries.train.map((q) => tok.encode(q.text).length);
  const passage = ds.docs.map((d) => tok.encode(d.text).length);
  const pair: number[] = [];
  for (let g = 0; g < G.count; g++)
    for (let j = 0; j < G.size; j++) pair.push(3 + query[G.queryIdx[g]] + passage[G.docIdx[g * G.size + j]]);
  const over = pair.filter((l) => l > ds.maxLen).length / Math.max(1, pair.length);
  return { query, passage, pair, over };
}

/** Judgments of one split: judged passages per grade, relevant passages (grade ≥ 1) per query, sorted. */
export interface SplitJudgments {
  split: string;
  queries: number;
  byGrade: [number, number, number, number];
  relevantPerQuery: number[];
}

/** {@link SplitJudgments} of every split. */
export function judgmentStats(ds: Dataset): SplitJudgments[] {
  return SPLITS.map((split) => {
    const byGrade: [number, number, number, number] = [0, 0, 0, 0];
    const relevantPerQuery = ds.queries[split].map((q) => {
      let r = 0;
      for (const g of ds.qrels[split].get(q.qid)?.values() ?? []) {
        if (g >= 0 && g <= 3) byGrade[g]++;
        if (g >= 1) r++;
      }
      return r;
    });
    relevantPerQuery.sort((a, b) => a - b);
    return { split, queries: ds.queries[split].length, byGrade, relevantPerQuery };
  });
}

/** The three measures notebook 01 reports for a run (trec_eval: ndcg_cut.10, recip_rank at depth 10, recall.100). */
export interface RunMeasures {
  "NDCG@10": number;
  "MRR@10": number;
  "Recall@100": number;
}

/** Mean NDCG@10, MRR@10 and Recall@100 of `run` over the queries of `qrels` (trec_eval definitions). */
export function runMeasures(qrels: Qrels, run: Run): RunMeasures {
  const a = evaluate(qrels, run, ["ndcg_cut.10", "recall.100"]);
  const b = evaluate(qrels, run, ["recip_rank"], { maxDepth: 10 });
  return {
    "NDCG@10": a.means["ndcg_cut_10"],
    "MRR@10": b.means["recip_rank"],
    "Recall@100": a.means["recall_100"],
  };
}

/** Vocabulary mismatch on dev: examples, the share of multi-form concepts written alike, BM25 NDCG@10 by mismatch count. */
export interface VocabularyMismatch {
  /** The first 4 dev queries, concept by concept: the forms, what the query and the source passage write. */
  examples: Record<string, unknown>[];
  /** Share of multi-form query concepts that query and source passage write with the same word. */
  sameShare: number;
  /** BM25 NDCG@10 of the dev queries grouped by mismatched concepts (0, 1, 2, 3 = 3 or more). */
  byMismatch: { mismatched: number; ndcg: number[] }[];
}

/**
 * {@link VocabularyMismatch} of the embedded collection (null for real data): for every dev query,
 * the concepts it and its source passage write with different surface forms.
 */
export function vocabularyMismatch(ds: Dataset): VocabularyMismatch | null {
  const t = ds.truth;
  if (!t) return null;
  const wordConcept = new Map<string, number>();
  t.conceptForms.forEach((forms, c) => forms.forEach((w) => wordConcept.set(w, c)));
  const mismatches = new Map<string, number>();
  const examples: Record<string, unknown>[] = [];
  let same = 0,
    multi = 0;
  ds.queries.dev.forEach((q, i) => {
    const srcWords = ds.docs[t.querySource.dev[i]].text.split(" ");
    let m = 0,
      first = true;
    for (const c of Array.from(csrRow(t.queryConcepts.dev, i))) {
      const qw = q.text.split(" ").find((w) => wordConcept.get(w) === c) ?? "?";
      const dw = srcWords.find((w) => wordConcept.get(w) === c) ?? "?";
      if (t.conceptForms[c].length > 1) {
        multi++;
        if (qw === dw) same++;
      }
      if (qw !== dw) m++;
      if (i < 4) {
        const forms = t.conceptForms[c].join(" / ");
        const match = qw === dw ? "yes" : "NO";
        examples.push({
          query: first ? q.text : "",
          concept: c,
          forms,
          "query writes": qw,
          "passage writes": dw,
          match,
        });
      }
      first = false;
    }
    mismatches.set(q.qid, m);
  });
  const ev = evaluate(ds.qrels.dev, ds.bm25.dev, ["ndcg_cut.10"]);
  const byM = new Map<number, number[]>();
  ev.qids.forEach((qid, k) => {
    const m = Math.min(3, mismatches.get(qid) ?? 0);
    byM.set(m, [...(byM.get(m) ?? []), ev.perQuery["ndcg_cut_10"][k]]);
  });
  const byMismatch = [...byM.keys()].sort((a, b) => a - b).map((m) => ({ mismatched: m, ndcg: byM.get(m)! }));
  return { examples, sameShare: same / Math.max(1, multi), byMismatch };
}

/**
 * A query expansion learned from the first `nGroups` training groups (teaching code, not a model):
 * for every content word w of a training query (longer than 3 characters, in under 5 % of the
 * passages) count the content words v of its positive passage; expand a query word w with the v of
 * the largest lift P(v in positive | w in query) − P(v in a passage) above 0.5, seen at least twice.
 */
export function learnedExpansion(ds: Dataset, nGroups: number): (text: string) => string {
  const N = ds.docs.length,
    G = ds.groups;
  const df = new Map<string, number>();
  for (const d of ds.docs) for (const w of new Set(wordPieces(d.text))) df.set(w, (df.get(w) ?? 0) + 1);
  const content = (w: string) => w.length > 3 && (df.get(w) ?? 0) < 0.05 * N;
  const co = new Map<string, Map<string, number>>();
  const qf = new Map<string, number>();
  for (let g = 0; g < nGroups; g++) {
    const pos = new Set(wordPieces(ds.docs[G.docIdx[g * G.size]].text).filter(content));
    for (const w of new Set(wordPieces(ds.queries.train[G.queryIdx[g]].text).filter(content))) {
      qf.set(w, (qf.get(w) ?? 0) + 1);
      const m = co.get(w) ?? new Map<string, number>();
      co.set(w, m);
      for (const v of pos) m.set(v, (m.get(v) ?? 0) + 1);
    }
  }
  const partner = (w: string): string => {
    let best = "",
      bestLift = 0.5;
    for (const [v, c] of co.get(w) ?? []) {
      const lift = c / qf.get(w)! - (df.get(v) ?? 0) / N;
      if (v !== w && c >= 2 && lift > bestLift) [best, bestLift] = [v, lift];
    }
    return best;
  };
  return (text) => {
    const extra = wordPieces(text).filter(content).map(partner).filter(Boolean);
    return extra.length ? `${text} ${extra.join(" ")}` : text;
  };
}

/** The training groups against the BM25 candidates: how often the positive is in the top 100, the negatives' mean rank. */
export function groupStats(ds: Dataset): { positiveInTop: number; meanNegativeRank: number } {
  const G = ds.groups;
  let posIn = 0,
    negRank = 0,
    nNeg = 0;
  for (let k = 0; k < G.count; k++) {
    const c = ds.bm25.train.get(G.qids[k])!;
    const rank = new Map(c.docnos.map((d, i) => [d, i + 1]));
    if (rank.has(ds.docs[G.docIdx[k * G.size]].docno)) posIn++;
    for (let j = 1; j < G.size; j++) {
      negRank += rank.get(ds.docs[G.docIdx[k * G.size + j]].docno) ?? 0;
      nNeg++;
    }
  }
  return { positiveInTop: posIn / Math.max(1, G.count), meanNegativeRank: negRank / Math.max(1, nNeg) };
}

/** The passages of training group `g`, positive first: role, docno, BM25 rank, grade and the passage's start. */
export function groupRows(ds: Dataset, g: number): Record<string, unknown>[] {
  const G = ds.groups;
  const q = ds.queries.train[G.queryIdx[g]];
  const rank = new Map(ds.bm25.train.get(q.qid)!.docnos.map((d, i) => [d, i + 1]));
  return Array.from({ length: G.size }, (_, j) => {
    const d = ds.docs[G.docIdx[g * G.size + j]];
    return {
      role: j === 0 ? "positive" : "negative",
      docno: d.docno,
      "BM25 rank": rank.get(d.docno) ?? "> 100",
      grade: ds.qrels.train.get(q.qid)?.get(d.docno) ?? 0,
      passage: d.text.slice(0, 70) + "…",
    };
  });
}
