/**
 * Fitting a {@link LawForm} to data: bounded least squares in transformed coordinates (log
 * scales for sign-constrained coefficients), analytic Jacobians (or central differences scaled
 * to each parameter), a grid of starting points with the best kept, and an optional robust
 * objective — Huber on log residuals, as in Epoch AI's Chinchilla replication (Besiroglu et al.
 * 2024, their replication notebook analyzing-chinchilla/data_analysis.ipynb). Every result carries its convergence status; a fit that did not
 * converge or sits on a bound is flagged in `status` and `warnings`, never silently returned.
 *
 * The plain least-squares objective is the one the reranker paper's authors minimise with
 * scipy `curve_fit` (rahulseetharaman/cross-encoder-scaling): raw metric values, no log, no weights.
 */
import { studentTQuantile } from "../util/special";
import { type LawData, type LawForm, validateForm, boxGrid } from "./forms";
import { dampedLeastSquares, mljsLeastSquares, type LsqProblem, type LsqReason } from "./lsq";
import { symmetricPinv } from "./linalg";

/** The objective: least squares on raw values, or Huber with threshold δ on ln f − ln y. */
export type LawLoss = "l2" | { huber: number };

/** Which least-squares core runs each start. */
export type LawSolver = "lm" | "mljs";

/** Fitting options (defaults in brackets). */
export interface FitOptions {
  /** Number of starting points from the form's grid [32]. */
  starts?: number;
  /** Extra starting points (natural parameters), tried before the grid. */
  initial?: readonly (readonly number[])[];
  /** Objective ["l2"]. */
  loss?: LawLoss;
  /** Per-point weights for "l2" (minimises Σ wᵢ(fᵢ − yᵢ)²) [all 1]. */
  weights?: readonly number[];
  /** Least-squares core ["lm"]. */
  solver?: LawSolver;
  /** Iteration cap per start [500]. */
  maxIterations?: number;
  /** Natural-scale bounds overriding the form's (same length as its params). */
  lower?: readonly number[];
  upper?: readonly number[];
  /**
   * Relative distance to a finite bound under which a parameter counts as "on the bound"
   * [1e-6]; log-scale parameters count as at zero when their term has no effect on the fit.
   */
  boundTolerance?: number;
  /** Compute the parameter covariance and standard errors [true]; bootstrap refits skip it. */
  covariance?: boolean;
}

/**
 * Status of a fit: usable (`ok`), or flagged: `weakly-identified` when the data do not pin an
 * exponent down — the 95% interval (t quantile × standard error, both sides) of one of the form's
 * `exponents` is wider than the estimate's own magnitude, or there are no more points than
 * parameters —
 * `at-bound` when a parameter sits on a bound, `not-converged`, `failed`. Only `ok` fits should be
 * read for their parameters; the others are shown with their status.
 */
export type FitStatus = "ok" | "weakly-identified" | "at-bound" | "not-converged" | "failed";

/** A fitted law. */
export interface LawFit {
  form: LawForm;
  /** Natural parameters in the form's order. */
  params: number[];
  /** Parameters by name. */
  named: Record<string, number>;
  /** Number of points. */
  n: number;
  /** Minimised objective: Σ wᵢ(fᵢ−yᵢ)² for l2; Σ 2·ρ_δ(ln fᵢ − ln yᵢ) for Huber. */
  objective: number;
  /** Unweighted Σ (fᵢ − yᵢ)². */
  sse: number;
  loss: LawLoss;
  solver: LawSolver;
  status: FitStatus;
  converged: boolean;
  reason: LsqReason;
  iterations: number;
  /** Names of parameters on (or, for log scales, collapsed to) a bound. */
  atBound: string[];
  /** Names of exponents whose 95% interval is wider than |estimate| (see {@link FitStatus}). */
  weak: string[];
  warnings: string[];
  /** Multi-start statistics: starts tried, starts that converged, starts within 1e-6 (relative) of the best objective. */
  startStats: { tried: number; converged: number; nearBest: number };
  /**
   * Covariance of the natural parameters, s²·(JᵀJ)⁺ with s² = SSE/(n − p) and J = ∂f/∂p
   * (the `curve_fit` pcov), or null when n ≤ p. For Huber fits this is the least-squares
   * approximation at the robust estimate.
   */
  covariance: number[][] | null;
  /** Standard errors √diag(covariance) (NaN when unavailable). */
  stderr: number[];
  /** Condition number of JᵀJ at the solution in natural parameters. */
  condition: number;
}

/** Convert natural parameters to optimiser coordinates. */
export function toInternal(form: LawForm, p: readonly number[]): Float64Array {
  return Float64Array.from(p, (v, j) => {
    const t = form.transforms[j];
    return t === "log" ? Math.log(v) : t === "neglog" ? Math.log(-v) : v;
  });
}

/** Convert optimiser coordinates back to natural parameters. */
export function toNatural(form: LawForm, u: ArrayLike<number>): number[] {
  return Array.from(u as ArrayLike<number>, (v, j) => {
    const t = form.transforms[j];
    return t === "log" ? Math.exp(v) : t === "neglog" ? -Math.exp(v) : v;
  });
}

/** Optimiser-coordinate bounds: ln of the natural bounds for log scales, capped at ±700 (e^±700 is the double range). */
function internalBounds(
  form: LawForm,
  lower: readonly number[],
  upper: readonly number[],
): { lo: Float64Array; hi: Float64Array } {
  const k = form.params.length;
  const lo = new Float64Array(k),
    hi = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const t = form.transforms[j];
    if (t === "linear") {
      lo[j] = lower[j];
      hi[j] = upper[j];
    } else {
      const [a, b] = t === "log" ? [lower[j], upper[j]] : [-upper[j], -lower[j]];
      lo[j] = a > 0 ? Math.log(a) : -700;
      hi[j] = Number.isFinite(b) ? Math.log(b) : 700;
    }
  }
  return { lo, hi };
}

/** Natural-parameter gradient at one row: the form's analytic one, or central differences. */
function makeGradient(form: LawForm): (p: number[], x: readonly number[], out: Float64Array) => void {
  if (form.grad) return (p, x, out) => form.grad!(p, x, out);
  return (p, x, out) => {
    for (let j = 0; j < p.length; j++) {
      const h = 1e-6 * Math.max(Math.abs(p[j]), 1e-3);
      const keep = p[j];
      p[j] = keep + h;
      const fp = form.f(p, x);
      p[j] = keep - h;
      const fm = form.f(p, x);
      p[j] = keep;
      out[j] = (fp - fm) / (2 * h);
    }
  };
}

/** Validate data for a form: equal lengths, right row width, finite values. */
export function checkLawData(form: LawForm, data: LawData): void {
  if (data.x.length !== data.y.length)
    throw new Error(`fit ${form.name}: ${data.x.length} input rows but ${data.y.length} values`);
  for (let i = 0; i < data.x.length; i++) {
    if (data.x[i].length !== form.inputs.length)
      throw new Error(
        `fit ${form.name}: row ${i} has ${data.x[i].length} inputs, expected ${form.inputs.length} (${form.inputs.join(", ")})`,
      );
    if (!data.x[i].every(Number.isFinite) || !Number.isFinite(data.y[i]))
      throw new Error(`fit ${form.name}: row ${i} is not finite`);
  }
}

/**
 * The least-squares problem for one (form, data, loss): residuals in optimiser coordinates with
 * the chain rule dp/du = p for log scales. Huber on log residuals is written as least squares
 * with ψ(e) = e for |e| ≤ δ and sign(e)·√(2δ|e| − δ²) beyond, so Σψ² = 2·Σρ_δ(e).
 */
export function lawProblem(
  form: LawForm,
  data: LawData,
  loss: LawLoss = "l2",
  weights?: readonly number[],
): LsqProblem {
  const m = data.y.length,
    k = form.params.length;
  const sw = Float64Array.from({ length: m }, (_, i) => Math.sqrt(weights ? weights[i] : 1));
  const grad = makeGradient(form);
  const p = new Array<number>(k).fill(0),
    gp = new Float64Array(k);
  const fill = (u: Float64Array) => {
    for (let j = 0; j < k; j++) {
      const t = form.transforms[j];
      p[j] = t === "log" ? Math.exp(u[j]) : t === "neglog" ? -Math.exp(u[j]) : u[j];
    }
  };
  const dpdu = (j: number) => (form.transforms[j] === "linear" ? 1 : p[j]);
  if (loss === "l2") {
    return {
      m,
      n: k,
      residuals(u, r) {
        fill(u);
        for (let i = 0; i < m; i++) {
          const v = sw[i] * (form.f(p, data.x[i]) - data.y[i]);
          if (!Number.isFinite(v)) return false;
          r[i] = v;
        }
        return true;
      },
      jacobian(u, J) {
        fill(u);
        for (let i = 0; i < m; i++) {
          grad(p, data.x[i], gp);
          for (let j = 0; j < k; j++) J[i * k + j] = sw[i] * gp[j] * dpdu(j);
        }
      },
    };
  }
  const delta = loss.huber;
  if (!(delta > 0)) throw new Error(`Huber threshold must be > 0, got ${delta}`);
  const logY = data.y.map((y) => Math.log(y));
  if (logY.some((v) => !Number.isFinite(v)))
    throw new Error(`fit ${form.name}: Huber on log residuals needs all y > 0`);
  return {
    m,
    n: k,
    residuals(u, r) {
      fill(u);
      for (let i = 0; i < m; i++) {
        const f = form.f(p, data.x[i]);
        if (!(f > 0)) return false;
        const e = Math.log(f) - logY[i];
        const a = Math.abs(e);
        r[i] = a <= delta ? e : Math.sign(e) * Math.sqrt(2 * delta * a - delta * delta);
        if (!Number.isFinite(r[i])) return false;
      }
      return true;
    },
    jacobian(u, J) {
      fill(u);
      for (let i = 0; i < m; i++) {
        const f = form.f(p, data.x[i]);
        const e = Math.log(f) - logY[i];
        const a = Math.abs(e);
        const dpsi = a <= delta ? 1 : delta / Math.sqrt(2 * delta * a - delta * delta);
        grad(p, data.x[i], gp);
        for (let j = 0; j < k; j++) J[i * k + j] = (dpsi / f) * gp[j] * dpdu(j);
      }
    },
  };
}

/**
 * Covariance s²·(JᵀJ)⁺ of the natural parameters at `params` (J = ∂f/∂p, s² = SSE/(n − p)),
 * the quantity scipy's `curve_fit` returns as pcov (rahulseetharaman/cross-encoder-scaling, joint_scaling.py, uses it for the delta-method
 * intervals). Returns null when n ≤ p.
 */
export function parameterCovariance(
  form: LawForm,
  data: LawData,
  params: readonly number[],
): { cov: number[][]; cond: number } | null {
  const n = data.y.length,
    k = form.params.length;
  if (n <= k) return null;
  const grad = makeGradient(form),
    p = params.slice(),
    g = new Float64Array(k),
    G = new Float64Array(k * k);
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const f = form.f(p, data.x[i]);
    sse += (f - data.y[i]) ** 2;
    grad(p, data.x[i], g);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) G[a * k + b] += g[a] * g[b];
  }
  // scale to unit diagonal before inverting (columns differ by many orders of magnitude)
  const d = Array.from({ length: k }, (_, a) => (G[a * k + a] > 0 ? Math.sqrt(G[a * k + a]) : 1));
  const S = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) S[a * k + b] = G[a * k + b] / (d[a] * d[b]);
  const { inv, cond } = symmetricPinv(S, k, 1e-15);
  const s2 = sse / (n - k);
  const cov = Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => (s2 * inv[a * k + b]) / (d[a] * d[b])),
  );
  return { cov, cond };
}

/** Generic starts when a form has none: a Halton grid over the optimiser box (infinite sides → ±3 around 0). */
function genericStarts(form: LawForm, lo: Float64Array, hi: Float64Array, count: number): number[][] {
  const a = Array.from(lo, (v) => (Number.isFinite(v) && v > -700 ? v : Math.min(-3, hi[0])));
  const b = Array.from(hi, (v, j) => (Number.isFinite(v) && v < 700 ? v : Math.max(3, a[j] + 1)));
  return boxGrid(count, a, b).map((u) => toNatural(form, u));
}

/** The best refined start: its optimiser coordinates, objective and how the core stopped. */
interface BestStart {
  u: Float64Array;
  cost: number;
  reason: LsqReason;
  converged: boolean;
  iterations: number;
}

/** Starting points in natural coordinates: `options.initial`, then the form's own grid or a Halton grid over the box. */
function startingPoints(
  form: LawForm,
  data: LawData,
  options: FitOptions,
  lo: Float64Array,
  hi: Float64Array,
) {
  const count = options.starts ?? 32;
  const candidates: number[][] = [...(options.initial ?? []).map((s) => s.slice())];
  if (count > 0)
    candidates.push(...(form.starts ? form.starts(data, count) : genericStarts(form, lo, hi, count)));
  return candidates;
}

/**
 * Refine every start with the least-squares core and keep the lowest objective (ties: a converged
 * one); the objectives of all finite starts and how many converged, for the start statistics.
 */
function bestOfStarts(
  form: LawForm,
  problem: LsqProblem,
  candidates: readonly number[][],
  bounds: { lower: readonly number[]; upper: readonly number[] },
  solve: typeof dampedLeastSquares,
  lsqOpts: Parameters<typeof dampedLeastSquares>[2],
): { best: BestStart | null; costs: number[]; converged: number } {
  let best: BestStart | null = null;
  const costs: number[] = [];
  let converged = 0;
  for (const s of candidates) {
    if (s.length !== form.params.length || !s.every(Number.isFinite)) continue;
    const u0 = toInternal(
      form,
      s.map((v, j) => Math.min(Math.max(v, bounds.lower[j]), bounds.upper[j])),
    );
    if (!u0.every((v) => !Number.isNaN(v))) continue;
    const res = solve(problem, u0, lsqOpts);
    if (!Number.isFinite(res.cost)) continue;
    costs.push(res.cost);
    if (res.converged) converged++;
    const better =
      !best ||
      res.cost < best.cost * (1 - 1e-12) ||
      (res.cost <= best.cost && res.converged && !best.converged);
    if (better) best = res;
  }
  return { best, costs, converged };
}

/** The result when no start gave a finite objective. */
function failedFit(
  form: LawForm,
  n: number,
  loss: FitOptions["loss"],
  solver: string,
  tried: number,
): LawFit {
  const k = form.params.length;
  return {
    form,
    params: new Array(k).fill(NaN),
    named: Object.fromEntries(form.params.map((nm) => [nm, NaN])),
    n,
    objective: NaN,
    sse: NaN,
    loss: loss ?? "l2",
    solver: solver as LawFit["solver"],
    status: "failed",
    converged: false,
    reason: "non-finite",
    iterations: 0,
    atBound: [],
    weak: [],
    warnings: ["no starting point gave a finite objective"],
    startStats: { tried, converged: 0, nearBest: 0 },
    covariance: null,
    stderr: new Array(k).fill(NaN),
    condition: NaN,
  };
}

/**
 * Parameters on a bound: within `tol` (relative) of a natural bound, or, for a log-scale
 * parameter, at the optimiser box's edge or with a Jacobian column that vanished (the term no
 * longer affects the fit).
 */
function paramsAtBound(
  form: LawForm,
  problem: LsqProblem,
  data: LawData,
  best: BestStart,
  params: number[],
  box: {
    lower: readonly number[];
    upper: readonly number[];
    lo: Float64Array;
    hi: Float64Array;
    tol: number;
  },
): string[] {
  const k = form.params.length,
    n = data.y.length;
  const J = new Float64Array(n * k);
  problem.jacobian(best.u, J);
  let rNorm = 0;
  for (const y of data.y) rNorm += y * y;
  const atBound: string[] = [];
  for (let j = 0; j < k; j++) {
    const v = params[j];
    const near = (b: number) => Number.isFinite(b) && Math.abs(v - b) <= box.tol * Math.max(1, Math.abs(b));
    let colNorm = 0;
    for (let i = 0; i < n; i++) colNorm += J[i * k + j] ** 2;
    const collapsed =
      form.transforms[j] !== "linear" &&
      (best.u[j] <= box.lo[j] + 1e-9 ||
        best.u[j] >= box.hi[j] - 1e-9 ||
        Math.sqrt(colNorm) < 1e-12 * Math.sqrt(rNorm));
    if (near(box.lower[j]) || near(box.upper[j]) || collapsed) atBound.push(form.params[j]);
  }
  return atBound;
}

/** The fit's warnings, in the order a reader needs them. */
function fitWarnings(
  form: LawForm,
  fit: { best: BestStart; params: number[]; atBound: string[]; weak: string[]; stderr: number[] },
  n: number,
  starts: { nearBest: number; tried: number },
): string[] {
  const { best, params, atBound, weak, stderr } = fit;
  const k = form.params.length;
  const at = (nm: string) => params[form.params.indexOf(nm)];
  const warnings: string[] = [];
  if (!best.converged)
    warnings.push(`best start did not converge (${best.reason} after ${best.iterations} iterations)`);
  if (atBound.length)
    warnings.push(
      `on a bound: ${atBound.map((nm) => `${nm}=${at(nm).toPrecision(4)}`).join(", ")} (not identified by the data)`,
    );
  if (n <= k) warnings.push(`${n} points for ${k} parameters: the fit interpolates, parameters mean nothing`);
  if (starts.nearBest < 2 && starts.tried > 1)
    warnings.push("only one start reached the best objective: the optimum may be fragile");
  if (weak.length) {
    const t = studentTQuantile(0.975, Math.max(1, n - k));
    const intervals = weak.map(
      (nm) => `${nm}=${at(nm).toPrecision(4)} ± ${(t * stderr[form.params.indexOf(nm)]).toPrecision(2)}`,
    );
    warnings.push(`weakly identified: ${intervals.join(", ")} (95% interval wider than the estimate)`);
  }
  return warnings;
}

/**
 * Fit a law to data (see the module comment). Starting points: `options.initial`, then the
 * form's own grid (variable projection for the built-in forms) or a Halton grid over the box;
 * each start is refined by the chosen least-squares core and the lowest objective is kept.
 * Sum of squares in the `l2` case matches scipy `curve_fit` with the same bounds.
 */
export function fitLaw(form: LawForm, data: LawData, options: FitOptions = {}): LawFit {
  validateForm(form);
  checkLawData(form, data);
  const k = form.params.length,
    n = data.y.length;
  const lower = options.lower ?? form.lower,
    upper = options.upper ?? form.upper;
  const loss = options.loss ?? "l2",
    solver = options.solver ?? "lm";
  const { lo, hi } = internalBounds(form, lower, upper);
  const problem = lawProblem(form, data, loss, options.weights);
  const candidates = startingPoints(form, data, options, lo, hi);
  // Σr² below (1e-14)²·Σ(scale)² is an exact fit to machine precision
  const scale2 =
    loss === "l2"
      ? data.y.reduce((acc, v, i) => acc + v * v * (options.weights ? options.weights[i] : 1), 0)
      : n;
  const lsqOpts = {
    lower: lo,
    upper: hi,
    maxIterations: options.maxIterations ?? 500,
    costFloor: 1e-28 * scale2,
  };
  const solve = solver === "mljs" ? mljsLeastSquares : dampedLeastSquares;
  const { best, costs, converged } = bestOfStarts(
    form,
    problem,
    candidates,
    { lower, upper },
    solve,
    lsqOpts,
  );
  if (!best) return failedFit(form, n, loss, solver, candidates.length);
  const params = toNatural(form, best.u);
  const nearBest = costs.filter((c) => c <= best.cost * (1 + 1e-6) + 1e-300).length;
  const box = { lower, upper, lo, hi, tol: options.boundTolerance ?? 1e-6 };
  const atBound = paramsAtBound(form, problem, data, best, params, box);
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (form.f(params, data.x[i]) - data.y[i]) ** 2;
  const withCov = options.covariance !== false;
  const covr = withCov ? parameterCovariance(form, data, params) : null;
  const stderr = covr ? covr.cov.map((row, j) => Math.sqrt(Math.max(row[j], 0))) : new Array(k).fill(NaN);
  const checked = new Set(form.exponents ?? form.params);
  const weak = weaklyIdentified(form.params, params, stderr, n).filter((nm) => checked.has(nm));
  const startStats = { tried: candidates.length, converged, nearBest };
  const fitted = { best, params, atBound, weak: withCov ? weak : [], stderr };
  const warnings = fitWarnings(form, fitted, n, startStats);
  const status: FitStatus = !best.converged
    ? "not-converged"
    : atBound.length
      ? "at-bound"
      : (weak.length && withCov) || n <= k
        ? "weakly-identified"
        : "ok";
  return {
    form,
    params,
    named: Object.fromEntries(form.params.map((nm, j) => [nm, params[j]])),
    n,
    objective: best.cost,
    sse,
    loss,
    solver,
    status,
    converged: best.converged,
    reason: best.reason,
    iterations: best.iterations,
    atBound,
    weak,
    warnings,
    startStats,
    covariance: covr ? covr.cov : null,
    stderr,
    condition: covr ? covr.cond : NaN,
  };
}

/**
 * Parameters the data do not pin down: those whose 95% interval, 2·t_{0.975, n−p}·se, is wider
 * than |estimate| (an interval of ±50% or more), or whose standard error is not finite when
 * n > p. With n ≤ p every parameter is weak.
 */
export function weaklyIdentified(
  names: readonly string[],
  params: readonly number[],
  stderr: readonly number[],
  n: number,
): string[] {
  const k = params.length;
  if (n <= k) return names.slice();
  const t = studentTQuantile(0.975, n - k);
  return names.filter((_, j) => !Number.isFinite(stderr[j]) || 2 * t * stderr[j] > Math.abs(params[j]));
}

/**
 * Refit from given starting parameters only (one start, no grid): what a bootstrap replicate
 * does, starting from the full-data fit. Same status rules as {@link fitLaw}.
 */
export function refitLaw(
  form: LawForm,
  data: LawData,
  start: readonly number[],
  options: FitOptions = {},
): LawFit {
  return fitLaw(form, data, { ...options, initial: [start, ...(options.initial ?? [])], starts: 0 });
}

/** Predict with a fitted law at input rows. */
export function predictLaw(fit: LawFit, xs: readonly (readonly number[])[]): number[] {
  return xs.map((x) => fit.form.f(fit.params, x));
}
