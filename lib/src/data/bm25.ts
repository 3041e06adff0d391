/**
 * BM25 first stage over any collection, in the Lucene/Anserini variant, on a typed-array
 * inverted index.
 *
 * Score of document d for query q (Lucene ≥ 8 `BM25Similarity`, as used by Anserini; Robertson &
 * Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond", 2009):
 *
 *   score(q, d) = Σ_{t ∈ q} qtf(t) · idf(t) · tf(t,d) / (tf(t,d) + k1 · (1 − b + b · |d| / avgdl))
 *   idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
 *
 * where N is the number of documents, df(t) the number of documents containing t, |d| the number
 * of index terms of d (after analysis), avgdl the mean of |d|, and qtf(t) the count of t in the
 * analysed query (Anserini's bag-of-words query boosts a repeated term by its count). Defaults
 * k1 = 0.9, b = 0.4 (Anserini's MS MARCO passage defaults). Differences from Lucene, documented:
 * Lucene omits the constant (k1 + 1) factor exactly as here, but stores |d| lossily in one byte
 * and computes in float32; we use the exact length and float64, so absolute scores can differ in
 * the last digits while the model is the same.
 *
 * Only documents that contain at least one query term are candidates (as in Lucene). Top-k
 * selection orders by score descending, ties by docno descending, the order in which trec_eval
 * ranks a run, so the k kept are exactly the k that evaluation sees at the top.
 */
import type { Run, RunQuery } from "../eval/types";
import { compareDocnos } from "../eval/ranking";
import { createAnalyzer, type Analyzer, type AnalyzerOptions } from "./analyzer";

/** BM25 parameters (defaults in brackets). */
export interface Bm25Params {
  /** Term-frequency saturation [0.9]. */
  k1?: number;
  /** Length normalisation [0.4]. */
  b?: number;
}

/**
 * An inverted index in compressed-sparse-row form: the postings of term id t are
 * `docIds[offsets[t] .. offsets[t+1])` with frequencies in the same range of `tfs`, doc ids
 * ascending.
 */
export interface Bm25Index {
  /** Analyzer used for documents and queries. */
  readonly analyzer: Analyzer;
  /** External document ids, by internal doc index. */
  readonly docnos: readonly string[];
  /** term → term id. */
  readonly termIds: ReadonlyMap<string, number>;
  /** Term strings by id. */
  readonly terms: readonly string[];
  /** Document frequency per term id. */
  readonly df: Int32Array;
  /** CSR offsets, length = number of terms + 1. */
  readonly offsets: Int32Array;
  /** Posting doc indices. */
  readonly docIds: Int32Array;
  /** Posting term frequencies. */
  readonly tfs: Int32Array;
  /** Number of index terms per document. */
  readonly docLengths: Int32Array;
  /** Mean document length (index terms). */
  readonly avgdl: number;
  /** Total postings. */
  readonly numPostings: number;
}

/** One query's top-k result: internal doc indices and scores, best first. */
export interface Bm25Hits {
  docIdx: Int32Array;
  scores: Float64Array;
}

class IntBuffer {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const n = new Int32Array(this.data.length * 2);
      n.set(this.data);
      this.data = n;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Build the inverted index of `docs` (docno, text pairs; internal index = array position).
 * Two passes over the postings (collect (term, doc, tf) triples, then a counting sort by term),
 * so memory is a few typed arrays of the postings count. Docnos must be unique.
 */
export function buildBm25Index(
  docs: ReadonlyArray<{ docno: string; text: string }>,
  analyzerOptions: AnalyzerOptions = {},
): Bm25Index {
  const analyzer = createAnalyzer(analyzerOptions);
  const termIds = new Map<string, number>();
  const terms: string[] = [];
  const tTerm = new IntBuffer(),
    tDoc = new IntBuffer(),
    tTf = new IntBuffer();
  const docLengths = new Int32Array(docs.length);
  const docnos: string[] = new Array(docs.length);
  const seen = new Set<string>();
  let totalLen = 0;
  const local = new Map<number, number>();
  for (let d = 0; d < docs.length; d++) {
    const { docno, text } = docs[d];
    if (seen.has(docno)) throw new Error(`buildBm25Index: duplicate docno "${docno}"`);
    seen.add(docno);
    docnos[d] = docno;
    const toks = analyzer.analyze(text);
    docLengths[d] = toks.length;
    totalLen += toks.length;
    local.clear();
    for (const tok of toks) {
      let id = termIds.get(tok);
      if (id === undefined) {
        id = terms.length;
        termIds.set(tok, id);
        terms.push(tok);
      }
      local.set(id, (local.get(id) ?? 0) + 1);
    }
    for (const [id, tf] of local) {
      tTerm.push(id);
      tDoc.push(d);
      tTf.push(tf);
    }
  }
  const nTerms = terms.length,
    nPost = tTerm.length;
  const df = new Int32Array(nTerms);
  for (let i = 0; i < nPost; i++) df[tTerm.data[i]]++;
  const offsets = new Int32Array(nTerms + 1);
  for (let t = 0; t < nTerms; t++) offsets[t + 1] = offsets[t] + df[t];
  const cursor = offsets.slice(0, nTerms);
  const docIds = new Int32Array(nPost),
    tfs = new Int32Array(nPost);
  // triples were appended in doc order, so each term's postings come out doc-ascending
  for (let i = 0; i < nPost; i++) {
    const p = cursor[tTerm.data[i]]++;
    docIds[p] = tDoc.data[i];
    tfs[p] = tTf.data[i];
  }
  return {
    analyzer,
    docnos,
    termIds,
    terms,
    df,
    offsets,
    docIds,
    tfs,
    docLengths,
    avgdl: docs.length ? totalLen / docs.length : 0,
    numPostings: nPost,
  };
}

/** idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)), Lucene's BM25 idf (always positive). */
export function bm25Idf(numDocs: number, df: number): number {
  return Math.log(1 + (numDocs - df + 0.5) / (df + 0.5));
}

/**
 * A reusable BM25 searcher over an index (holds the score accumulator, so create one per
 * index and reuse it across queries; not safe for concurrent use).
 */
export class Bm25Searcher {
  readonly k1: number;
  readonly b: number;
  private readonly acc: Float64Array;
  private readonly mark: Uint8Array;
  private readonly norm: Float64Array;
  private readonly touched: Int32Array;

  constructor(
    readonly index: Bm25Index,
    params: Bm25Params = {},
  ) {
    this.k1 = params.k1 ?? 0.9;
    this.b = params.b ?? 0.4;
    const n = index.docnos.length;
    this.acc = new Float64Array(n);
    this.mark = new Uint8Array(n);
    this.touched = new Int32Array(n);
    this.norm = new Float64Array(n);
    const avg = index.avgdl > 0 ? index.avgdl : 1;
    for (let d = 0; d < n; d++) this.norm[d] = this.k1 * (1 - this.b + (this.b * index.docLengths[d]) / avg);
  }

  /**
   * Top-`k` documents for the query text (formula in the module comment), ordered by score
   * descending then docno descending. Fewer than k when fewer documents match any term.
   */
  search(query: string, k: number): Bm25Hits {
    const { index, acc, mark, norm, touched } = this;
    const N = index.docnos.length;
    const qtf = new Map<number, number>();
    for (const tok of index.analyzer.analyze(query)) {
      const id = index.termIds.get(tok);
      if (id !== undefined) qtf.set(id, (qtf.get(id) ?? 0) + 1);
    }
    let nTouched = 0;
    for (const [t, c] of qtf) {
      const w = c * bm25Idf(N, index.df[t]);
      for (let p = index.offsets[t], end = index.offsets[t + 1]; p < end; p++) {
        const d = index.docIds[p];
        const tf = index.tfs[p];
        if (!mark[d]) {
          mark[d] = 1;
          acc[d] = 0;
          touched[nTouched++] = d;
        }
        acc[d] += (w * tf) / (tf + norm[d]);
      }
    }
    const docnos = index.docnos;
    // better(a, b): a ranks above b (score desc, docno desc)
    const better = (a: number, b: number): boolean =>
      acc[a] > acc[b] || (acc[a] === acc[b] && compareDocnos(docnos[a], docnos[b]) > 0);
    const kk = Math.min(k, nTouched);
    // min-heap (worst at root) of size kk
    const heap = new Int32Array(kk);
    let size = 0;
    const siftDown = (i: number) => {
      for (;;) {
        const l = 2 * i + 1,
          r = l + 1;
        let w = i;
        if (l < size && better(heap[w], heap[l])) w = l;
        if (r < size && better(heap[w], heap[r])) w = r;
        if (w === i) return;
        const tmp = heap[i];
        heap[i] = heap[w];
        heap[w] = tmp;
        i = w;
      }
    };
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i];
      mark[d] = 0;
      if (kk === 0) continue;
      if (size < kk) {
        heap[size] = d;
        let j = size++;
        while (j > 0) {
          const parent = (j - 1) >> 1;
          if (better(heap[parent], heap[j])) {
            const tmp = heap[j];
            heap[j] = heap[parent];
            heap[parent] = tmp;
            j = parent;
          } else break;
        }
      } else if (better(d, heap[0])) {
        heap[0] = d;
        siftDown(0);
      }
    }
    const order = Array.from(heap).sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
    const scores = new Float64Array(order.length);
    for (let i = 0; i < order.length; i++) scores[i] = acc[order[i]];
    return { docIdx: Int32Array.from(order), scores };
  }

  /** BM25 score of one document for a query (0 when no term matches); for checks and notebooks. */
  score(query: string, docIdx: number): number {
    const { index } = this;
    const N = index.docnos.length;
    const qtf = new Map<number, number>();
    for (const tok of index.analyzer.analyze(query)) {
      const id = index.termIds.get(tok);
      if (id !== undefined) qtf.set(id, (qtf.get(id) ?? 0) + 1);
    }
    let s = 0;
    for (const [t, c] of qtf) {
      // binary search the posting list for docIdx
      let lo = index.offsets[t],
        hi = index.offsets[t + 1] - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const v = index.docIds[mid];
        if (v === docIdx) {
          const tf = index.tfs[mid];
          s += (c * bm25Idf(N, index.df[t]) * tf) / (tf + this.norm[docIdx]);
          break;
        }
        if (v < docIdx) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return s;
  }
}

/**
 * Retrieve the top-`k` BM25 candidates for every query and return them as a {@link Run}
 * (qid → docnos and scores, best first). Queries with no matching term get an empty entry.
 */
export function bm25Run(
  index: Bm25Index,
  queries: ReadonlyArray<{ qid: string; text: string }>,
  k = 100,
  params: Bm25Params = {},
): Run {
  const searcher = new Bm25Searcher(index, params);
  const run: Run = new Map();
  for (const q of queries) {
    const hits = searcher.search(q.text, k);
    const entry: RunQuery = { docnos: Array.from(hits.docIdx, (d) => index.docnos[d]), scores: hits.scores };
    run.set(q.qid, entry);
  }
  return run;
}
