/**
 * Statistics around a fitted law, as the reranker paper's analysis code reports them
 * (rahulseetharaman/cross-encoder-scaling: model_scaling.py, data_scaling.py, joint_scaling.py): R², adjusted R², the F-test against a constant model, held-out forecast
 * errors (MAE, RMSE, bias = actual − predicted, the share of forecasts below the actual value,
 * a one-sample t-test of the mean error), delta-method 95% intervals from the gradient and the
 * parameter covariance, and seeded bootstrap intervals (resampling points, groups of points
 * such as checkpoints of one run, or queries).
 */
import type { LawData } from "./forms";
import { type FitOptions, type LawFit, refitLaw } from "./fit";
import { fSurvival, studentTQuantile, studentTTwoSidedP } from "../util/special";
import { createRng } from "../util/rng";

/** Goodness of fit of a law on its data. */
export interface GoodnessOfFit {
  n: number;
  /** Number of fitted parameters p. */
  p: number;
  sse: number;
  /** Total sum of squares about the mean. */
  sst: number;
  /** R² = 1 − SSE/SST. */
  r2: number;
  /** Adjusted R² = 1 − (1 − R²)(n − 1)/(n − p). */
  adjR2: number;
  /** F = ((SST − SSE)/(p − 1)) / (SSE/(n − p)), the test against a constant model. */
  F: number;
  /** P(F_{p−1, n−p} ≥ F). */
  pF: number;
  /** √(SSE/n). */
  rmse: number;
}

/**
 * R², adjusted R² and the F-test against a constant model, exactly as the authors' analysis
 * code (rahulseetharaman/cross-encoder-scaling, joint_scaling.py): F = ((SS_null − SS_res)/(p − 1)) / (SS_res/(n − p)).
 */
export function goodnessOfFit(fit: LawFit, data: LawData): GoodnessOfFit {
  const n = data.y.length,
    p = fit.params.length;
  const mean = data.y.reduce((s, v) => s + v, 0) / n;
  let sse = 0,
    sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (fit.form.f(fit.params, data.x[i]) - data.y[i]) ** 2;
    sst += (data.y[i] - mean) ** 2;
  }
  const r2 = sst > 0 ? 1 - sse / sst : NaN;
  const adjR2 = n > p ? 1 - ((1 - r2) * (n - 1)) / (n - p) : NaN;
  const F = n > p && p > 1 ? (sst - sse) / (p - 1) / (sse / (n - p)) : NaN;
  const pF = Number.isFinite(F) ? fSurvival(F, p - 1, n - p) : NaN;
  return { n, p, sse, sst, r2, adjR2, F, pF, rmse: Math.sqrt(sse / n) };
}

/** R² of predictions against actual values (1 − SSE/SST; can be negative on held-out data). */
export function rSquared(actual: readonly number[], predicted: readonly number[]): number {
  const n = actual.length;
  const mean = actual.reduce((s, v) => s + v, 0) / n;
  let sse = 0,
    sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (actual[i] - predicted[i]) ** 2;
    sst += (actual[i] - mean) ** 2;
  }
  return sst > 0 ? 1 - sse / sst : NaN;
}

/** Held-out forecast errors. */
export interface ForecastErrors {
  n: number;
  /** Mean |actual − predicted|. */
  mae: number;
  /** √mean (actual − predicted)². */
  rmse: number;
  /** Mean (actual − predicted): positive means the law under-predicts. */
  bias: number;
  /** Mean |actual − predicted| / |actual|. */
  mape: number;
  /**
   * Share of forecasts below the actual value ("conservative" for a rising metric; for a
   * falling loss a forecast above the actual is the conservative side — see `direction`).
   */
  conservative: number;
  /** One-sample t statistic of the errors against 0, and its two-sided p-value (NaN for n < 2). */
  t: number;
  pT: number;
}

/**
 * Forecast errors of `predicted` against `actual` (arXiv 2603.04816, forecasting protocol; rahulseetharaman/cross-encoder-scaling, model_scaling.py): MAE, RMSE, bias
 * (actual − predicted), MAPE, the conservative share and a one-sample t-test that the mean
 * error is 0. For `direction: "falling"` (losses) conservative means predicted > actual.
 */
export function forecastErrors(
  actual: readonly number[],
  predicted: readonly number[],
  direction: "rising" | "falling" = "rising",
): ForecastErrors {
  if (actual.length !== predicted.length)
    throw new Error(`forecastErrors: ${actual.length} actual vs ${predicted.length} predicted`);
  const n = actual.length;
  const e = actual.map((a, i) => a - predicted[i]);
  const mean = e.reduce((s, v) => s + v, 0) / n;
  const mae = e.reduce((s, v) => s + Math.abs(v), 0) / n;
  const rmse = Math.sqrt(e.reduce((s, v) => s + v * v, 0) / n);
  const mape = e.reduce((s, v, i) => s + Math.abs(v) / Math.abs(actual[i]), 0) / n;
  const conservative = e.filter((v) => (direction === "rising" ? v > 0 : v < 0)).length / n;
  let t = NaN,
    pT = NaN;
  if (n >= 2) {
    const sd = Math.sqrt(e.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    t = sd > 0 ? mean / (sd / Math.sqrt(n)) : mean === 0 ? 0 : Math.sign(mean) * Infinity;
    pT = studentTTwoSidedP(t, n - 1);
  }
  return { n, mae, rmse, bias: mean, mape, conservative, t, pT };
}

/** A prediction with an interval. */
export interface Interval {
  value: number;
  lo: number;
  hi: number;
  /** Standard error of the prediction (delta method) or NaN (bootstrap). */
  se: number;
}

/**
 * Delta-method intervals for the law's mean prediction at input rows: Var ŷ = gᵀ Σ g with
 * g = ∂f/∂p (e.g. [1, N^c, b·N^c·ln N, D^e, d·D^e·ln D] for the joint law, rahulseetharaman/cross-encoder-scaling, joint_scaling.py) and Σ the
 * fit's covariance; ŷ ± t_{(1+level)/2, n−p}·√Var. NaN bounds when the covariance is missing.
 */
export function deltaMethodIntervals(
  fit: LawFit,
  xs: readonly (readonly number[])[],
  level = 0.95,
): Interval[] {
  const k = fit.params.length;
  const cov = fit.covariance;
  const q = fit.n > k ? studentTQuantile((1 + level) / 2, fit.n - k) : NaN;
  const g = new Float64Array(k);
  const p = fit.params.slice();
  const grad = fit.form.grad
    ? (x: readonly number[]) => fit.form.grad!(p, x, g)
    : (x: readonly number[]) => {
        for (let j = 0; j < k; j++) {
          const h = 1e-6 * Math.max(Math.abs(p[j]), 1e-3),
            keep = p[j];
          p[j] = keep + h;
          const fp = fit.form.f(p, x);
          p[j] = keep - h;
          const fm = fit.form.f(p, x);
          p[j] = keep;
          g[j] = (fp - fm) / (2 * h);
        }
      };
  return xs.map((x) => {
    const value = fit.form.f(p, x);
    if (!cov) return { value, lo: NaN, hi: NaN, se: NaN };
    grad(x);
    let v = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) v += g[a] * cov[a][b] * g[b];
    const se = Math.sqrt(Math.max(v, 0));
    return { value, lo: value - q * se, hi: value + q * se, se };
  });
}

/** The q-quantile (0 ≤ q ≤ 1) of values by linear interpolation between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const h = (s.length - 1) * q,
    lo = Math.floor(h),
    hi = Math.ceil(h);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/**
 * How a bootstrap replicate is drawn:
 * - `"points"`: n points with replacement;
 * - `{ groups }`: whole groups with replacement (e.g. all checkpoints of one run), group ids per point;
 * - `{ queries }`: per-point per-query values (every point evaluated on the same query set); one
 *   resample of query indices is shared by all points and yᵢ becomes the mean over it.
 */
export type Resampling =
  "points" | { groups: readonly (string | number)[] } | { queries: readonly (readonly number[])[] };

/** Bootstrap options (defaults in brackets). */
export interface BootstrapOptions {
  /** Number of replicates [1000]. */
  replicates?: number;
  /** Seed for createRng [0]. */
  seed?: number;
  /** Resampling scheme ["points"]. */
  resampling?: Resampling;
  /** Interval level [0.95]. */
  level?: number;
  /** Input rows at which to collect bootstrap predictions. */
  predictAt?: readonly (readonly number[])[];
  /** Options for each refit (starts are ignored: every refit starts from the full-data fit). */
  fitOptions?: FitOptions;
}

/** Bootstrap output: the replicate parameters, percentile intervals, and failures. */
export interface BootstrapResult {
  /** Replicate parameters (only replicates whose refit converged). */
  params: number[][];
  /** Percentile interval per parameter. */
  paramIntervals: { lo: number; hi: number }[];
  /** Replicate predictions at `predictAt` (replicate × row). */
  predictions: number[][];
  /** Percentile interval at each `predictAt` row (value = full-data fit). */
  predictionIntervals: Interval[];
  /** Replicates whose refit failed or did not converge (excluded). */
  failed: number;
  replicates: number;
}

/** Draw one resampled dataset. */
export function resampleData(
  data: LawData,
  resampling: Resampling,
  rng: ReturnType<typeof createRng>,
): LawData {
  const n = data.y.length;
  if (resampling === "points") {
    const idx = Array.from({ length: n }, () => rng.int(n));
    return { x: idx.map((i) => data.x[i]), y: idx.map((i) => data.y[i]) };
  }
  if ("groups" in resampling) {
    const byGroup = new Map<string | number, number[]>();
    resampling.groups.forEach((g, i) => {
      const l = byGroup.get(g);
      if (l) l.push(i);
      else byGroup.set(g, [i]);
    });
    const groups = [...byGroup.values()];
    const idx: number[] = [];
    for (let k = 0; k < groups.length; k++) idx.push(...groups[rng.int(groups.length)]);
    return { x: idx.map((i) => data.x[i]), y: idx.map((i) => data.y[i]) };
  }
  const Q = resampling.queries;
  const m = Q[0]?.length ?? 0;
  if (Q.length !== n || Q.some((row) => row.length !== m) || m === 0)
    throw new Error("query bootstrap needs one equal-length per-query row per point");
  const pick = Array.from({ length: m }, () => rng.int(m));
  return { x: data.x, y: Q.map((row) => pick.reduce((s, j) => s + row[j], 0) / m) };
}

/**
 * Seeded bootstrap of a fitted law: each replicate resamples the data (see {@link Resampling}),
 * refits starting from the full-data fit, and the 2.5/97.5 (for level 0.95) percentiles of the
 * replicate parameters and predictions are the intervals. Replicates whose refit does not
 * converge are counted in `failed` and left out, never silently mixed in.
 */
export function bootstrapLaw(fit: LawFit, data: LawData, options: BootstrapOptions = {}): BootstrapResult {
  const B = options.replicates ?? 1000,
    level = options.level ?? 0.95;
  const rng = createRng(options.seed ?? 0);
  const resampling = options.resampling ?? "points";
  const predictAt = options.predictAt ?? [];
  const params: number[][] = [],
    predictions: number[][] = [];
  let failed = 0;
  for (let b = 0; b < B; b++) {
    const d = resampleData(data, resampling, rng);
    const r = refitLaw(fit.form, d, fit.params, {
      ...options.fitOptions,
      loss: options.fitOptions?.loss ?? fit.loss,
      covariance: false,
    });
    if (!r.converged || !r.params.every(Number.isFinite)) {
      failed++;
      continue;
    }
    params.push(r.params);
    predictions.push(predictAt.map((x) => fit.form.f(r.params, x)));
  }
  const lq = (1 - level) / 2,
    hq = 1 - lq;
  const paramIntervals = fit.params.map((_, j) => ({
    lo: quantile(
      params.map((p) => p[j]),
      lq,
    ),
    hi: quantile(
      params.map((p) => p[j]),
      hq,
    ),
  }));
  const predictionIntervals = predictAt.map((x, i) => ({
    value: fit.form.f(fit.params, x),
    lo: quantile(
      predictions.map((p) => p[i]),
      lq,
    ),
    hi: quantile(
      predictions.map((p) => p[i]),
      hq,
    ),
    se: NaN,
  }));
  return { params, paramIntervals, predictions, predictionIntervals, failed, replicates: B };
}
