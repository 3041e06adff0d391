/**
 * Semantic docids, the contrast method of the generative-retrieval scaling paper (arXiv 2503.18941, method;
 * RIPOR's residual-quantised semantic docids; here the hierarchical k-means docids of DSI, Tay et
 * al. 2022, §3.2, which share the idea: similar documents get codes with a common prefix).
 *
 * Document vectors: TF-IDF (tf · ln(N/df)) of the token ids, L2-normalised, projected to `dim`
 * dimensions by a seeded Gaussian random matrix (Johnson–Lindenstrauss) and L2-normalised again.
 *
 * Hierarchical k-means: a set larger than `leafSize` is split into `branching` clusters by
 * k-means (k-means++ seeding, Arthur & Vassilvitskii 2007; Lloyd iterations) and each cluster is
 * coded recursively; a set of at most `leafSize` documents gives each document its position as
 * the last code. A document's docid is its path of cluster numbers plus that position, unique by
 * construction. If k-means puts everything in one cluster (identical vectors), the set is cut
 * into `branching` equal parts in id order so that the recursion always terminates.
 *
 * Tokens: code c at depth ℓ is token `offset + ℓ·branching + c` (per-depth codebooks, as RIPOR's
 * positional codes), so `leafSize ≤ branching` is required.
 */
import { createRng, type Rng } from "../util/rng";
import type { Tokens } from "./ngramindex";

/** Hierarchical k-means settings. */
export interface DocidConfig {
  /** Clusters per split k [10]. */
  branching: number;
  /** Largest set coded by position [10, ≤ branching]. */
  leafSize: number;
  /** Lloyd iterations per split [10]. */
  iterations: number;
  /** Seed of the k-means++ draws. */
  seed: number;
}

/** Default docid settings: k = 10, leaves of ≤ 10 documents, 10 Lloyd iterations. */
export const DEFAULT_DOCIDS: DocidConfig = { branching: 10, leafSize: 10, iterations: 10, seed: 1 };

/** TF-IDF document vectors randomly projected to `dim` dimensions (see the module comment). */
export function documentVectors(docs: readonly Tokens[], dim: number, seed: number): Float64Array[] {
  const N = docs.length;
  const df = new Map<number, number>();
  for (const d of docs) {
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i++) seen.add(d[i]);
    for (const t of seen) df.set(t, (df.get(t) ?? 0) + 1);
  }
  // Projection rows drawn lazily per token from a token-derived stream: same token, same row.
  const rows = new Map<number, Float64Array>();
  const rowOf = (t: number): Float64Array => {
    let r = rows.get(t);
    if (!r) {
      const rng = createRng((seed * 1000003 + t) | 0);
      r = Float64Array.from({ length: dim }, () => rng.normal());
      rows.set(t, r);
    }
    return r;
  };
  return docs.map((d) => {
    const tf = new Map<number, number>();
    for (let i = 0; i < d.length; i++) tf.set(d[i], (tf.get(d[i]) ?? 0) + 1);
    let norm = 0;
    const w = new Map<number, number>();
    for (const [t, c] of tf) {
      const v = c * Math.log(N / df.get(t)!);
      w.set(t, v);
      norm += v * v;
    }
    const out = new Float64Array(dim);
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (const [t, v] of w) {
      const r = rowOf(t);
      for (let j = 0; j < dim; j++) out[j] += v * inv * r[j];
    }
    normalize(out);
    return out;
  });
}

function normalize(v: Float64Array): void {
  let s = 0;
  for (const x of v) s += x * x;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < v.length; j++) v[j] *= inv;
  }
}

function dist2(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const d = a[j] - b[j];
    s += d * d;
  }
  return s;
}

/**
 * k-means of `vectors` (k-means++ seeding from `rng`, then `iterations` Lloyd steps; an empty
 * cluster keeps its previous centroid). Returns the cluster of every vector and the centroids.
 */
export function kmeans(
  vectors: readonly Float64Array[],
  k: number,
  iterations: number,
  rng: Rng,
): { assign: Int32Array; centroids: Float64Array[] } {
  const n = vectors.length;
  if (n === 0) throw new RangeError("kmeans: no vectors");
  k = Math.min(k, n);
  const dim = vectors[0].length;
  const centroids: Float64Array[] = [Float64Array.from(vectors[rng.int(n)])];
  const d2 = Float64Array.from(vectors, (v) => dist2(v, centroids[0]));
  while (centroids.length < k) {
    let tot = 0;
    for (const x of d2) tot += x;
    let pick = rng.int(n);
    if (tot > 0) {
      let u = rng.next() * tot;
      for (let i = 0; i < n; i++) {
        u -= d2[i];
        if (u < 0) {
          pick = i;
          break;
        }
      }
    }
    const c = Float64Array.from(vectors[pick]);
    centroids.push(c);
    for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i], dist2(vectors[i], c));
  }
  const assign = new Int32Array(n);
  for (let it = 0; it <= iterations; it++) {
    for (let i = 0; i < n; i++) {
      let best = 0,
        bd = Infinity;
      for (let c = 0; c < k; c++) {
        const dd = dist2(vectors[i], centroids[c]);
        if (dd < bd) {
          bd = dd;
          best = c;
        }
      }
      assign[i] = best;
    }
    if (it === iterations) break;
    const sums = Array.from({ length: k }, () => new Float64Array(dim));
    const cnt = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      cnt[assign[i]]++;
      const s = sums[assign[i]],
        v = vectors[i];
      for (let j = 0; j < dim; j++) s[j] += v[j];
    }
    for (let c = 0; c < k; c++) if (cnt[c] > 0) centroids[c] = Float64Array.from(sums[c], (x) => x / cnt[c]);
  }
  return { assign, centroids };
}

/**
 * Hierarchical k-means docids (see the module comment): one code path per document, unique,
 * each code in [0, branching).
 */
export function hierarchicalKMeans(
  vectors: readonly Float64Array[],
  config: DocidConfig = DEFAULT_DOCIDS,
): number[][] {
  const { branching, leafSize, iterations } = config;
  if (!(branching >= 2 && leafSize >= 1 && leafSize <= branching))
    throw new RangeError("hierarchicalKMeans: need branching >= 2 and 1 <= leafSize <= branching");
  const rng = createRng(config.seed);
  const codes: number[][] = vectors.map(() => []);
  const rec = (ids: number[]): void => {
    if (ids.length <= leafSize) {
      ids.forEach((id, pos) => codes[id].push(pos));
      return;
    }
    const { assign } = kmeans(
      ids.map((i) => vectors[i]),
      branching,
      iterations,
      rng,
    );
    let groups: number[][] = Array.from({ length: branching }, () => []);
    ids.forEach((id, j) => groups[assign[j]].push(id));
    if (groups.filter((g) => g.length > 0).length < 2) {
      const per = Math.ceil(ids.length / branching);
      groups = Array.from({ length: branching }, (_, c) => ids.slice(c * per, (c + 1) * per));
    }
    groups.forEach((g, c) => {
      if (g.length === 0) return;
      for (const id of g) codes[id].push(c);
      rec(g);
    });
  };
  rec(vectors.map((_, i) => i));
  return codes;
}

/** Docid token sequences: code c at depth ℓ → `offset + ℓ·branching + c`. */
export function docidTokenSequences(
  codes: readonly number[][],
  branching: number,
  offset: number,
): Int32Array[] {
  return codes.map((path) => Int32Array.from(path, (c, l) => offset + l * branching + c));
}

/** Number of docid tokens needed for codes of maximum depth (offset + this = vocabulary end). */
export function docidVocabSize(codes: readonly number[][], branching: number): number {
  let depth = 0;
  for (const p of codes) depth = Math.max(depth, p.length);
  return depth * branching;
}
