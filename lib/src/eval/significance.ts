/**
 * Paired significance tests between two systems evaluated on the same queries, as ranx offers
 * (paired Student's t-test and Fisher's randomisation test; Smucker, Allan & Carterette,
 * "A comparison of statistical significance tests for information retrieval evaluation",
 * CIKM 2007).
 */
import { createRng } from "../util/rng";
import { incompleteBeta, logGamma } from "../util/special";
import type { EvalResult } from "./measures";

/** Result of a paired test of H0: mean(a − b) = 0 (two-sided). */
export interface PairedTestResult {
  /** Number of paired queries. */
  n: number;
  /** mean(a) − mean(b). */
  meanDiff: number;
  /** The test statistic: t for the t-test, mean difference for the randomisation test. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
}

export { logGamma };

/**
 * Regularised incomplete beta function I_x(a, b) (Abramowitz & Stegun 26.5; the shared
 * implementation in util/special).
 */
export const regularizedBeta: (x: number, a: number, b: number) => number = incompleteBeta;

/**
 * Two-sided tail probability of Student's t distribution with `df` degrees of freedom:
 * P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2).
 */
export function studentTTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

function checkPaired(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`paired test: ${a.length} vs ${b.length} values`);
  if (a.length < 2) throw new RangeError("paired test: need at least 2 paired values");
}

/**
 * Paired Student's t-test of H0: E[a_i − b_i] = 0. With d_i = a_i − b_i, d̄ their mean and
 * s_d their sample standard deviation (n − 1 denominator): t = d̄ / (s_d / √n), df = n − 1,
 * two-sided p = P(|T_{n−1}| ≥ |t|). If all d_i are equal, t = ±∞ (p = 0) or, when all are 0,
 * t = 0 (p = 1). Same statistic as scipy.stats.ttest_rel and ranx's "student" test.
 */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>): PairedTestResult {
  checkPaired(a, b);
  const n = a.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[i] - b[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const dev = a[i] - b[i] - mean;
    ss += dev * dev;
  }
  const sd = Math.sqrt(ss / (n - 1));
  let t: number;
  if (sd === 0) t = mean === 0 ? 0 : mean > 0 ? Infinity : -Infinity;
  else t = mean / (sd / Math.sqrt(n));
  return { n, meanDiff: mean, statistic: t, pValue: t === 0 ? 1 : studentTTwoSided(t, n - 1) };
}

/**
 * Fisher's paired randomisation (permutation) test of H0: the labels "a" and "b" are
 * exchangeable within each query. Each trial swaps a_i and b_i with probability 1/2 for every
 * query (i.e. flips the sign of d_i) and records |mean d|; the two-sided p-value is
 * (1 + #{trials with |mean| ≥ |observed mean|}) / (1 + trials) (Phipson & Smyth 2010, never 0).
 * Randomness comes from `createRng(seed)`; the same seed gives the same p-value.
 */
export function randomizationTest(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: { trials?: number; seed?: number } = {},
): PairedTestResult & { trials: number } {
  checkPaired(a, b);
  const trials = options.trials ?? 10000;
  const rng = createRng(options.seed ?? 0);
  const n = a.length;
  const d = new Float64Array(n);
  let obs = 0;
  for (let i = 0; i < n; i++) {
    d[i] = a[i] - b[i];
    obs += d[i];
  }
  const absObs = Math.abs(obs) * (1 - 1e-12); // tolerance for rounding in the re-summation
  let hits = 0;
  for (let t = 0; t < trials; t++) {
    let s = 0;
    for (let i = 0; i < n; i += 32) {
      let bits = (rng.next() * 4294967296) >>> 0;
      const end = Math.min(n, i + 32);
      for (let j = i; j < end; j++, bits >>>= 1) s += bits & 1 ? -d[j] : d[j];
    }
    if (Math.abs(s) >= absObs) hits++;
  }
  const mean = obs / n;
  return { n, meanDiff: mean, statistic: mean, pValue: (hits + 1) / (trials + 1), trials };
}

/**
 * Pair two evaluations of the same qrels on one measure: the values of the queries present in
 * both, in `x`'s query order. Queries present in only one result are left out (count them with
 * `complete: true` evaluations if they should score 0).
 */
export function pairResults(
  x: EvalResult,
  y: EvalResult,
  measure: string,
): { qids: string[]; a: Float64Array; b: Float64Array } {
  const xa = x.perQuery[measure],
    yb = y.perQuery[measure];
  if (!xa || !yb) throw new RangeError(`pairResults: measure ${measure} missing from one of the results`);
  const pos = new Map(y.qids.map((q, i) => [q, i] as [string, number]));
  const qids: string[] = [];
  const a: number[] = [];
  const b: number[] = [];
  x.qids.forEach((q, i) => {
    const j = pos.get(q);
    if (j === undefined) return;
    qids.push(q);
    a.push(xa[i]);
    b.push(yb[j]);
  });
  return { qids, a: Float64Array.from(a), b: Float64Array.from(b) };
}
