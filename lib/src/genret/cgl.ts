/**
 * Contrastive generation loss (CGL), the metric of the generative-retrieval scaling paper
 * (Cai et al., arXiv 2503.18941; definition reconstructed from the authors' code, HongruCai/SLGR):
 *
 *   per query q:  L⁺ = min over positive documents of the token-averaged generation loss (NLL) of
 *                 the document's identifier given q;
 *                 K negatives drawn uniformly from the corpus without the positives, losses L⁻ₖ;
 *                 S⁻ = K · mean(L⁻) = Σₖ L⁻ₖ;
 *                 CGL(q) = −log( S⁻ / (S⁻ + L⁺) ) = log(1 + L⁺/S⁻);
 *   CGL = mean over queries; lower is better; K = 256.
 *
 * A model that learned nothing gives L⁺ = mean(L⁻) and CGL = ln(1 + 1/K) (ln(257/256) ≈ 0.003899);
 * a perfect one gives L⁺ → 0 and CGL → 0.
 */
import type { Rng } from "../util/rng";

/** The paper's number of random negatives per query. */
export const CGL_NEGATIVES = 256;

/** The no-learning value ln(1 + 1/K): CGL when the positive is no easier than a random document. */
export function cglCeiling(K: number = CGL_NEGATIVES): number {
  if (!(K >= 1)) throw new RangeError(`K must be >= 1, got ${K}`);
  return Math.log1p(1 / K);
}

/**
 * CGL of one query from its positives' and negatives' token-averaged losses:
 * log(1 + min(L⁺) / Σ L⁻). Losses must be finite and ≥ 0, with at least one of each.
 */
export function cglOfQuery(positiveLosses: ArrayLike<number>, negativeLosses: ArrayLike<number>): number {
  if (positiveLosses.length === 0) throw new RangeError("cglOfQuery: no positive losses");
  if (negativeLosses.length === 0) throw new RangeError("cglOfQuery: no negative losses");
  let lPos = Infinity;
  for (let i = 0; i < positiveLosses.length; i++) {
    const l = positiveLosses[i];
    if (!(Number.isFinite(l) && l >= 0))
      throw new RangeError(`cglOfQuery: positive loss ${l} is not a finite non-negative number`);
    lPos = Math.min(lPos, l);
  }
  let sNeg = 0;
  for (let i = 0; i < negativeLosses.length; i++) {
    const l = negativeLosses[i];
    if (!(Number.isFinite(l) && l >= 0))
      throw new RangeError(`cglOfQuery: negative loss ${l} is not a finite non-negative number`);
    sNeg += l;
  }
  if (sNeg <= 0) throw new RangeError("cglOfQuery: the negatives' losses sum to 0");
  // −log(S⁻/(S⁻ + L⁺)) computed as log1p(L⁺/S⁻): the same value, accurate near the ceiling.
  return Math.log1p(lPos / sNeg);
}

/** Per-query losses as input to {@link contrastiveGenerationLoss}. */
export interface QueryLosses {
  positives: ArrayLike<number>;
  negatives: ArrayLike<number>;
}

/** CGL over queries: the mean of {@link cglOfQuery}, with the per-query values. */
export function contrastiveGenerationLoss(queries: readonly QueryLosses[]): {
  cgl: number;
  perQuery: Float64Array;
} {
  if (queries.length === 0) throw new RangeError("contrastiveGenerationLoss: no queries");
  const perQuery = Float64Array.from(queries.map((q) => cglOfQuery(q.positives, q.negatives)));
  let s = 0;
  for (const v of perQuery) s += v;
  return { cgl: s / perQuery.length, perQuery };
}

/**
 * K distinct documents drawn uniformly from 0..numDocs−1 without the `exclude`d ones (the
 * positives), by a partial Fisher–Yates shuffle of the eligible ids; ascending. Throws when
 * fewer than K documents are eligible.
 */
export function sampleNegatives(
  rng: Rng,
  numDocs: number,
  exclude: ReadonlySet<number>,
  K: number = CGL_NEGATIVES,
): Int32Array {
  const pool: number[] = [];
  for (let d = 0; d < numDocs; d++) if (!exclude.has(d)) pool.push(d);
  if (pool.length < K)
    throw new RangeError(`sampleNegatives: only ${pool.length} eligible documents for K = ${K}`);
  for (let i = 0; i < K; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return Int32Array.from(pool.slice(0, K)).sort();
}

/**
 * CGL of a model over queries, given a loss function: `loss(query, doc)` returns the
 * token-averaged generation loss of doc's identifier given the query (for many docs at once).
 * Negatives per query are drawn with {@link sampleNegatives} from `rng` in query order, so the
 * same seed gives the same negatives for every model compared.
 */
export async function computeCgl(
  queries: ReadonlyArray<{ positives: readonly number[] }>,
  numDocs: number,
  loss: (queryIndex: number, docs: Int32Array) => Promise<Float64Array> | Float64Array,
  rng: Rng,
  K: number = CGL_NEGATIVES,
): Promise<{ cgl: number; perQuery: Float64Array; ceiling: number }> {
  const per: QueryLosses[] = [];
  for (let qi = 0; qi < queries.length; qi++) {
    const pos = Int32Array.from(queries[qi].positives);
    const neg = sampleNegatives(rng, numDocs, new Set(queries[qi].positives), K);
    const both = new Int32Array(pos.length + neg.length);
    both.set(pos);
    both.set(neg, pos.length);
    const l = await loss(qi, both);
    per.push({ positives: l.subarray(0, pos.length), negatives: l.subarray(pos.length) });
  }
  const { cgl, perQuery } = contrastiveGenerationLoss(per);
  return { cgl, perQuery, ceiling: cglCeiling(K) };
}

/** Mean and standard error of a sample. */
export interface MeanWithError {
  mean: number;
  /** Standard error of the mean, s/√n with the n − 1 sample standard deviation s (0 for n = 1). */
  stdErr: number;
  n: number;
}

/**
 * Mean and standard error of per-query values (e.g. {@link computeCgl}'s `perQuery`):
 *   mean = Σ vᵢ / n,  s² = Σ (vᵢ − mean)² / (n − 1),  stdErr = s / √n.
 * The error of a CGL measured on n test queries from the query-to-query spread; it does not
 * include the spread between training runs (seeds).
 */
export function meanWithError(values: ArrayLike<number>): MeanWithError {
  const n = values.length;
  if (n === 0) throw new RangeError("meanWithError: no values");
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  if (n === 1) return { mean, stdErr: 0, n };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, stdErr: Math.sqrt(ss / (n - 1) / n), n };
}

/**
 * Paired difference of two models' per-query CGL on the same queries, negatives and identifiers
 * (how {@link computeCgl} measures every model): dᵢ = bᵢ − aᵢ, with {@link meanWithError} of d.
 * Negative means b is better. Pairing removes the query-to-query spread that both models share,
 * so a difference many times its stdErr is not a matter of which queries were drawn.
 */
export function pairedDifference(a: ArrayLike<number>, b: ArrayLike<number>): MeanWithError {
  if (a.length !== b.length) throw new RangeError(`pairedDifference: ${a.length} vs ${b.length} values`);
  return meanWithError(Float64Array.from({ length: a.length }, (_, i) => b[i] - a[i]));
}
