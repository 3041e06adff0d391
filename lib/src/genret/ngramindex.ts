/**
 * The corpus n-gram index of generative retrieval: a suffix array with an LCP array over the
 * tokenised corpus, answering the two questions constrained decoding asks (arXiv 2503.18941, method; MINDER
 * decodes under an FM-index of the corpus, as SEAL does; Bevilacqua et al. 2022, "Autoregressive
 * Search Engines", §3):
 *
 *  - **extensions(p)**: which tokens t make p·t an n-gram of some document, and how often;
 *  - **documents(g)**: which documents contain the n-gram g.
 *
 * Layout. Documents (arrays of token ids ≥ 0) are concatenated, each followed by a separator,
 * into one text over the alphabet {0 = separator} ∪ {token + 1}. The suffix array SA lists the
 * start positions of all suffixes in lexicographic order (separator smallest), so the
 * occurrences of any n-gram g form one contiguous interval SA[lo, hi) found by two binary
 * searches in O(|g| log n). A query n-gram never contains the separator, so no match crosses a
 * document boundary. Inside the interval of p (length m), the suffixes are sorted by their
 * (m+1)-th symbol, so the distinct extensions are read off by a binary search per distinct
 * token: O(k log n) for k extensions, independent of how frequent p is.
 *
 * Construction: prefix doubling (Manber & Myers 1993) with two counting-sort passes per round,
 * O(n log n); LCP by Kasai et al. (2001), O(n). LCP[i] = length of the longest common prefix of
 * the suffixes SA[i−1] and SA[i] (LCP[0] = 0); separators never match, so LCPs stop at document
 * ends and distinct n-grams can be counted from it ({@link NgramIndex.distinctNgrams}).
 */

/** A token sequence: any array-like of non-negative integer token ids. */
export type Tokens = ArrayLike<number>;

/** Result of {@link NgramIndex.extensions}: distinct next tokens ascending, with occurrence counts. */
export interface Extensions {
  tokens: Int32Array;
  counts: Int32Array;
}

/** Suffix array of `text` (values ≥ 0, alphabet size `sigma`): prefix doubling with radix sort. */
export function suffixArray(text: Int32Array, sigma: number): Int32Array {
  const n = text.length;
  const sa = new Int32Array(n);
  if (n === 0) return sa;
  let rank = new Int32Array(n);
  let tmp = new Int32Array(n);
  const sa2 = new Int32Array(n);
  // Round 0: sort by first symbol (counting sort).
  {
    const cnt = new Int32Array(sigma + 1);
    for (let i = 0; i < n; i++) cnt[text[i] + 1]++;
    for (let c = 1; c <= sigma; c++) cnt[c] += cnt[c - 1];
    for (let i = 0; i < n; i++) sa[cnt[text[i]]++] = i;
    rank[sa[0]] = 0;
    for (let i = 1; i < n; i++) rank[sa[i]] = rank[sa[i - 1]] + (text[sa[i]] !== text[sa[i - 1]] ? 1 : 0);
  }
  let classes = rank[sa[n - 1]] + 1;
  const cnt = new Int32Array(n + 1);
  for (let k = 1; classes < n; k <<= 1) {
    // Second key: rank[i + k], with suffixes shorter than k (no second half) first, in position order.
    let p = 0;
    for (let i = n - k; i < n; i++) sa2[p++] = i;
    for (let i = 0; i < n; i++) if (sa[i] >= k) sa2[p++] = sa[i] - k;
    // Stable counting sort of sa2 by first key rank[i].
    cnt.fill(0, 0, classes + 1);
    for (let i = 0; i < n; i++) cnt[rank[i] + 1]++;
    for (let c = 1; c <= classes; c++) cnt[c] += cnt[c - 1];
    for (let i = 0; i < n; i++) sa[cnt[rank[sa2[i]]]++] = sa2[i];
    // New ranks.
    tmp[sa[0]] = 0;
    let r = 0;
    for (let i = 1; i < n; i++) {
      const a = sa[i - 1],
        b = sa[i];
      const ra2 = a + k < n ? rank[a + k] : -1,
        rb2 = b + k < n ? rank[b + k] : -1;
      if (rank[a] !== rank[b] || ra2 !== rb2) r++;
      tmp[b] = r;
    }
    const t = rank;
    rank = tmp;
    tmp = t;
    classes = r + 1;
  }
  return sa;
}

/** LCP array by Kasai et al. (2001): lcp[i] = lcp(suffix sa[i−1], suffix sa[i]), lcp[0] = 0. */
export function lcpArray(text: Int32Array, sa: Int32Array): Int32Array {
  const n = text.length;
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) rank[sa[i]] = i;
  const lcp = new Int32Array(n);
  let h = 0;
  for (let i = 0; i < n; i++) {
    if (rank[i] > 0) {
      const j = sa[rank[i] - 1];
      // Separators (0) never count as matching symbols.
      while (i + h < n && j + h < n && text[i + h] === text[j + h] && text[i + h] !== 0) h++;
      lcp[rank[i]] = h;
      if (h > 0) h--;
    } else h = 0;
  }
  return lcp;
}

/**
 * Suffix-array index over a tokenised corpus (see the module comment). Document ids are the
 * positions in the input array.
 */
export class NgramIndex {
  /** Concatenated text: token + 1, separator 0 after every document. */
  readonly text: Int32Array;
  /** Suffix array over {@link text}. */
  readonly sa: Int32Array;
  /** LCP array aligned with {@link sa}. */
  readonly lcp: Int32Array;
  /** Document id of every text position (the separator belongs to the document it ends). */
  readonly docOf: Int32Array;
  /** Start offset of every document in the text. */
  readonly docStart: Int32Array;
  /** Number of documents. */
  readonly numDocs: number;
  /** Number of corpus tokens (separators excluded): the denominator of n-gram probabilities. */
  readonly numTokens: number;
  /** One more than the largest token id. */
  readonly vocabSize: number;
  private rootCache: Extensions | null = null;

  constructor(docs: readonly Tokens[]) {
    let n = 0,
      vmax = -1;
    for (let d = 0; d < docs.length; d++) {
      const doc = docs[d];
      for (let i = 0; i < doc.length; i++) {
        const t = doc[i];
        if (!Number.isInteger(t) || t < 0)
          throw new RangeError(`document ${d}, position ${i}: token ${t} is not a non-negative integer`);
        if (t > vmax) vmax = t;
      }
      n += doc.length + 1;
    }
    this.numDocs = docs.length;
    this.numTokens = n - docs.length;
    this.vocabSize = vmax + 1;
    this.text = new Int32Array(n);
    this.docOf = new Int32Array(n);
    this.docStart = new Int32Array(docs.length);
    let p = 0;
    for (let d = 0; d < docs.length; d++) {
      this.docStart[d] = p;
      const doc = docs[d];
      for (let i = 0; i < doc.length; i++) {
        this.docOf[p] = d;
        this.text[p++] = doc[i] + 1;
      }
      this.docOf[p] = d;
      this.text[p++] = 0;
    }
    this.sa = suffixArray(this.text, this.vocabSize + 1);
    this.lcp = lcpArray(this.text, this.sa);
  }

  /** Symbol at offset `m` of suffix `s` (−1 beyond the end of the text). */
  private sym(s: number, m: number): number {
    return s + m < this.text.length ? this.text[s + m] : -1;
  }

  /**
   * Compare suffix `s` (first |g| symbols) with n-gram g (token ids, compared as id + 1):
   * negative, zero (g is a prefix of the suffix) or positive.
   */
  private cmp(s: number, g: Tokens): number {
    for (let i = 0; i < g.length; i++) {
      const a = this.sym(s, i),
        b = g[i] + 1;
      if (a !== b) return a < b ? -1 : 1;
    }
    return 0;
  }

  /**
   * The suffix-array interval [lo, hi) of the suffixes that start with `g`. Empty g gives the
   * whole array (every position, separators included; use {@link count} for occurrences).
   */
  range(g: Tokens): [number, number] {
    const n = this.sa.length;
    let lo = 0,
      hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmp(this.sa[mid], g) < 0) lo = mid + 1;
      else hi = mid;
    }
    const start = lo;
    hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmp(this.sa[mid], g) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return [start, lo];
  }

  /** Number of occurrences of the n-gram `g` in the corpus (g non-empty; empty g: numTokens). */
  count(g: Tokens): number {
    if (g.length === 0) return this.numTokens;
    const [lo, hi] = this.range(g);
    return hi - lo;
  }

  /**
   * The tokens t such that prefix·t occurs in some document, ascending, with the number of
   * occurrences of prefix·t. The empty prefix gives every corpus token with its frequency
   * (computed once and cached).
   */
  extensions(prefix: Tokens): Extensions {
    if (prefix.length === 0 && this.rootCache) return this.rootCache;
    let [lo, hi] = this.range(prefix);
    const m = prefix.length;
    const toks: number[] = [],
      cnts: number[] = [];
    // Suffixes whose next symbol is the separator (or the text end) sort first: skip them.
    while (lo < hi && this.sym(this.sa[lo], m) <= 0) {
      // jump past all separator-continuations with one binary search
      let a = lo,
        b = hi;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (this.sym(this.sa[mid], m) <= 0) a = mid + 1;
        else b = mid;
      }
      lo = a;
    }
    while (lo < hi) {
      const c = this.sym(this.sa[lo], m);
      let a = lo + 1,
        b = hi;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (this.sym(this.sa[mid], m) <= c) a = mid + 1;
        else b = mid;
      }
      toks.push(c - 1);
      cnts.push(a - lo);
      lo = a;
    }
    const out = { tokens: Int32Array.from(toks), counts: Int32Array.from(cnts) };
    if (m === 0) this.rootCache = out;
    return out;
  }

  /**
   * The documents that contain the n-gram `g` (non-empty), ascending and distinct, with the
   * number of occurrences in each (`tf`).
   */
  documents(g: Tokens): { docs: Int32Array; tf: Int32Array } {
    if (g.length === 0) throw new RangeError("documents(): the n-gram must not be empty");
    const [lo, hi] = this.range(g);
    const ids = new Int32Array(hi - lo);
    for (let i = lo; i < hi; i++) ids[i - lo] = this.docOf[this.sa[i]];
    ids.sort();
    const docs: number[] = [],
      tf: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (i > 0 && ids[i] === ids[i - 1]) tf[tf.length - 1]++;
      else {
        docs.push(ids[i]);
        tf.push(1);
      }
    }
    return { docs: Int32Array.from(docs), tf: Int32Array.from(tf) };
  }

  /** Whether the n-gram `g` occurs in document `doc` (binary search of the n-gram's interval). */
  contains(doc: number, g: Tokens): boolean {
    const [lo, hi] = this.range(g);
    for (let i = lo; i < hi; i++) if (this.docOf[this.sa[i]] === doc) return true;
    return false;
  }

  /** The tokens of document `d` (a copy). */
  document(d: number): Int32Array {
    const s = this.docStart[d];
    const e = d + 1 < this.numDocs ? this.docStart[d + 1] - 1 : this.text.length - 1;
    const out = new Int32Array(e - s);
    for (let i = s; i < e; i++) out[i - s] = this.text[i] - 1;
    return out;
  }

  /**
   * Number of distinct n-grams of length exactly `len` in the corpus (the size of the identifier
   * space): suffixes with at least `len` tokens before their separator, minus those that share
   * their first `len` tokens with the previous such suffix (LCP ≥ len).
   */
  distinctNgrams(len: number): number {
    if (len < 1) throw new RangeError("len must be >= 1");
    // Tokens until the separator: computed from the document layout.
    let count = 0;
    let minSince = Infinity; // min LCP since the last counted suffix
    for (let i = 0; i < this.sa.length; i++) {
      const s = this.sa[i];
      const d = this.docOf[s];
      const end = d + 1 < this.numDocs ? this.docStart[d + 1] - 1 : this.text.length - 1;
      minSince = Math.min(minSince, this.lcp[i]);
      if (end - s >= len) {
        if (!(minSince >= len)) count++;
        minSince = Infinity;
      }
    }
    return count;
  }
}

/** Build the n-gram index of a tokenised corpus (document i = `docs[i]`). See {@link NgramIndex}. */
export function buildNgramIndex(docs: readonly Tokens[]): NgramIndex {
  return new NgramIndex(docs);
}
