/**
 * n-gram identifiers and training pairs for generative retrieval (arXiv 2503.18941 and HongruCai/SLGR, MINDER as
 * used by the paper: body-text spans only). A document's identifier for a query is a set of
 * spans of its text; spans are drawn with softmax weights on their overlap with the query, so
 * the spans the model learns to generate are the ones a query points at.
 *
 * Overlap of a span s with a query q (token level): o(s) = |distinct tokens of q that occur in s|
 * plus |distinct bigrams of q that occur contiguously in s| plus |distinct trigrams of q ... in s|,
 * i.e. matched query n-grams for n = 1, 2, 3 (the paper matches trigrams fuzzily; counting
 * every order up to 3 is our stand-in: exact trigrams are rare in short synthetic passages,
 * unigram and bigram matches keep the weighting informative). Tokens in `ignore` (function words)
 * do not count as unigram matches.
 * Sampling weight: p(s) ∝ exp(o(s) / τ) over all windows of `spanLen` tokens (stride 1; a
 * document shorter than a span is one span), drawn without replacement while windows remain.
 */
import { createRng, type Rng } from "../util/rng";
import type { Tokens } from "./ngramindex";

/** Span sampling settings. */
export interface SpanConfig {
  /** Tokens per span [10, as MINDER's identifiers: 10 words]. */
  spanLen: number;
  /** Spans per (query, document) [10 for the CGL identifier; training uses fewer]. */
  count: number;
  /** Softmax temperature τ on the overlap [1]. */
  temperature: number;
  /** Token ids that never count as unigram matches (e.g. function words) [none]. */
  ignore?: ReadonlySet<number>;
}

/** Default identifier shape of the paper's CGL: 10 spans of 10 tokens, τ = 1. */
export const DEFAULT_SPANS: SpanConfig = { spanLen: 10, count: 10, temperature: 1 };

function ngramKeys(t: Tokens, n: number): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i + n <= t.length; i++) {
    let k = "";
    for (let j = 0; j < n; j++) k += (j ? "," : "") + t[i + j];
    s.add(k);
  }
  return s;
}

/** Overlap o(s) of a span with a query (see the module comment). */
export function spanOverlap(span: Tokens, query: Tokens, ignore?: ReadonlySet<number>): number {
  let o = 0;
  const st = new Set<number>();
  for (let i = 0; i < span.length; i++) st.add(span[i]);
  const qu = new Set<number>();
  for (let i = 0; i < query.length; i++) qu.add(query[i]);
  for (const t of qu) if (st.has(t) && !(ignore && ignore.has(t))) o++;
  for (const n of [2, 3]) {
    const sk = ngramKeys(span, n);
    for (const k of ngramKeys(query, n)) if (sk.has(k)) o++;
  }
  return o;
}

/**
 * Sample `count` spans of `doc` weighted by overlap with `query` (see the module comment).
 * Returns the spans and their start offsets, in sampling order.
 */
export function sampleSpans(
  doc: Tokens,
  query: Tokens,
  config: SpanConfig,
  rng: Rng,
): { spans: Int32Array[]; starts: number[] } {
  const { spanLen, count, temperature } = config;
  if (!(spanLen >= 1 && count >= 1 && temperature > 0))
    throw new RangeError("sampleSpans: spanLen, count >= 1 and temperature > 0 required");
  if (doc.length === 0) throw new RangeError("sampleSpans: empty document");
  const L = Math.min(spanLen, doc.length);
  const nWin = doc.length - L + 1;
  const logits = new Float64Array(nWin);
  for (let s = 0; s < nWin; s++)
    logits[s] =
      spanOverlap(Array.prototype.slice.call(doc, s, s + L) as number[], query, config.ignore) / temperature;
  let mx = -Infinity;
  for (const v of logits) mx = Math.max(mx, v);
  const w = Float64Array.from(logits, (v) => Math.exp(v - mx));
  const starts: number[] = [];
  const avail = new Uint8Array(nWin).fill(1);
  let left = nWin;
  for (let c = 0; c < count; c++) {
    if (left === 0) {
      avail.fill(1);
      left = nWin;
    }
    let tot = 0;
    for (let s = 0; s < nWin; s++) if (avail[s]) tot += w[s];
    let u = rng.next() * tot,
      pick = -1;
    for (let s = 0; s < nWin; s++) {
      if (!avail[s]) continue;
      pick = s;
      u -= w[s];
      if (u < 0) break;
    }
    avail[pick] = 0;
    left--;
    starts.push(pick);
  }
  const spans = starts.map((s) => Int32Array.from(Array.prototype.slice.call(doc, s, s + L) as number[]));
  return { spans, starts };
}

/** One training example: generate `target` given `query`. */
export interface GenPair {
  query: Int32Array;
  target: Int32Array;
  /** The document the target came from. */
  doc: number;
  /** Index of the query in the input list. */
  queryIndex: number;
}

/**
 * Training pairs of the n-gram method: for every query and each of its positive documents,
 * `config.count` spans sampled by {@link sampleSpans}; one (query → span) pair per span.
 */
export function buildSpanPairs(
  queries: ReadonlyArray<{ tokens: Tokens; positives: readonly number[] }>,
  docs: readonly Tokens[],
  config: SpanConfig,
  rng: Rng,
): GenPair[] {
  const out: GenPair[] = [];
  queries.forEach((q, qi) => {
    const qt = Int32Array.from(q.tokens as ArrayLike<number>);
    for (const d of q.positives) {
      for (const span of sampleSpans(docs[d], qt, config, rng).spans)
        out.push({ query: qt, target: span, doc: d, queryIndex: qi });
    }
  });
  return out;
}

/**
 * Training pairs of the docid method: (query → docid token sequence of each positive document).
 */
export function buildDocidPairs(
  queries: ReadonlyArray<{ tokens: Tokens; positives: readonly number[] }>,
  docidTokens: readonly Int32Array[],
): GenPair[] {
  const out: GenPair[] = [];
  queries.forEach((q, qi) => {
    const qt = Int32Array.from(q.tokens as ArrayLike<number>);
    for (const d of q.positives) out.push({ query: qt, target: docidTokens[d], doc: d, queryIndex: qi });
  });
  return out;
}

/**
 * A random fraction of the training queries (arXiv 2503.18941, data scaling: 0.2, 0.4, …, 1.0),
 * nested: the queries of a smaller fraction are a subset of those of a larger one because every
 * fraction takes a prefix of the same permutation, drawn from `createRng(seed)`; original order kept.
 */
export function nestedFraction<T>(items: readonly T[], fraction: number, seed: number): T[] {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fraction must be in (0, 1], got ${fraction}`);
  const perm = createRng(seed).shuffle(items.map((_, i) => i));
  return perm
    .slice(0, Math.max(1, Math.round(fraction * items.length)))
    .sort((a, b) => a - b)
    .map((i) => items[i]);
}
