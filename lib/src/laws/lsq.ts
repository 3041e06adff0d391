/**
 * Bounded nonlinear least squares, min Σ rᵢ(u)² over a box lo ≤ u ≤ hi, with two interchangeable
 * solvers:
 *
 * - {@link dampedLeastSquares} (default): Levenberg–Marquardt with Marquardt's diagonal scaling
 *   (Moré 1978, "The Levenberg–Marquardt algorithm: implementation and theory"), steps accepted
 *   only when the sum of squares falls, the damping adapted from the gain ratio, and bounds
 *   handled by freezing parameters whose gradient points out of the box (projected gradient)
 *   and clamping the rest. Stops on the same three tests as MINPACK/SciPy: relative reduction
 *   (ftol), relative step (xtol), scaled gradient (gtol).
 * - {@link mljsLeastSquares}: the npm package `ml-levenberg-marquardt` 5.1.0 driven safely.
 *   Its defaults are unsafe (measured on the joint law): an absolute finite-difference step, no
 *   bounds, an absolute SSE tolerance that is never met (so it always runs maxIterations),
 *   undamped additive λ·I on badly scaled parameters, broken weights, and it moves to a worse
 *   point before raising the damping. Here it gets the analytic Jacobian, bounds, parameters
 *   rescaled so that every Jacobian column has unit norm (so its λ·I is Marquardt's λ·diag(JᵀJ)),
 *   weights folded into the residuals, and it runs in short chunks restarted from the best point
 *   with our own convergence test between chunks.
 */
import { levenbergMarquardt } from "ml-levenberg-marquardt";
import { choleskySolveInPlace } from "./linalg";

/** A least-squares problem in the optimiser's coordinates u (length n) with m residuals. */
export interface LsqProblem {
  readonly m: number;
  readonly n: number;
  /** Fill r with the residuals at u; return false if any is not finite. */
  residuals(u: Float64Array, r: Float64Array): boolean;
  /** Fill J (m×n, row-major) with ∂rᵢ/∂uⱼ at u. */
  jacobian(u: Float64Array, J: Float64Array): void;
}

/** Solver settings (defaults in brackets). */
export interface LsqOptions {
  /** Box bounds on u (−Infinity/Infinity allowed). */
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  /** Maximum iterations (Jacobian evaluations) [500]. */
  maxIterations?: number;
  /** Stop when an accepted step lowers Σr² by less than ftol·Σr² [1e-14]. */
  ftol?: number;
  /** Stop when ‖Δu‖ ≤ xtol·(‖u‖ + xtol) [1e-12]. */
  xtol?: number;
  /** Stop when max_j |(Jᵀr)_j| / (‖J_j‖·‖r‖) ≤ gtol over free parameters [1e-12]. */
  gtol?: number;
  /** Σr² at or below which the fit is exact to machine precision ("zero-residual") [0]. */
  costFloor?: number;
}

/** Why a solver stopped. `max-iterations`, `stalled` and `non-finite` are not convergence. */
export type LsqReason =
  "gtol" | "ftol" | "xtol" | "zero-residual" | "max-iterations" | "stalled" | "non-finite";

/** Solver output. */
export interface LsqResult {
  u: Float64Array;
  /** Σ rᵢ² at u. */
  cost: number;
  iterations: number;
  evaluations: number;
  reason: LsqReason;
  converged: boolean;
}

const CONVERGED: ReadonlySet<LsqReason> = new Set(["gtol", "ftol", "xtol", "zero-residual"]);

function clampInto(u: Float64Array, lo: ArrayLike<number>, hi: ArrayLike<number>): void {
  for (let j = 0; j < u.length; j++) u[j] = Math.min(Math.max(u[j], lo[j]), hi[j]);
}

function sumSq(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return s;
}

/**
 * Bounded Levenberg–Marquardt (see the module comment). Returns the best point found, the
 * stopping reason and whether that reason counts as convergence.
 */
export function dampedLeastSquares(
  problem: LsqProblem,
  u0: ArrayLike<number>,
  options: LsqOptions,
): LsqResult {
  const { m, n } = problem;
  const lo = options.lower,
    hi = options.upper;
  const maxIt = options.maxIterations ?? 500,
    ftol = options.ftol ?? 1e-14,
    xtol = options.xtol ?? 1e-12,
    gtol = options.gtol ?? 1e-12;
  const floor = options.costFloor ?? 0;
  const u = Float64Array.from(u0 as ArrayLike<number>);
  clampInto(u, lo, hi);
  const r = new Float64Array(m),
    rNew = new Float64Array(m),
    J = new Float64Array(m * n);
  const JtJ = new Float64Array(n * n),
    g = new Float64Array(n),
    dscale = new Float64Array(n);
  const A = new Float64Array(n * n),
    b = new Float64Array(n),
    uNew = new Float64Array(n),
    du = new Float64Array(n);
  const free = new Int32Array(n);
  let evaluations = 1;
  if (!problem.residuals(u, r))
    return { u, cost: Infinity, iterations: 0, evaluations, reason: "non-finite", converged: false };
  let cost = sumSq(r);
  let lambda = 1e-3;
  let reason: LsqReason = "max-iterations";
  let it = 0;
  outer: for (; it < maxIt; it++) {
    if (cost <= floor) {
      reason = "zero-residual";
      break;
    }
    problem.jacobian(u, J);
    JtJ.fill(0);
    g.fill(0);
    for (let i = 0; i < m; i++) {
      const row = i * n,
        ri = r[i];
      for (let a = 0; a < n; a++) {
        const Ja = J[row + a];
        if (Ja === 0) continue;
        g[a] += Ja * ri;
        for (let c = a; c < n; c++) JtJ[a * n + c] += Ja * J[row + c];
      }
    }
    for (let a = 0; a < n; a++) for (let c = 0; c < a; c++) JtJ[a * n + c] = JtJ[c * n + a];
    // free set: a parameter on a bound whose descent direction (−g) leaves the box is frozen
    let nf = 0,
      gmax = 0;
    for (let j = 0; j < n; j++) {
      const d = JtJ[j * n + j];
      dscale[j] = Math.max(dscale[j], d);
      const atLo = u[j] <= lo[j] && g[j] > 0,
        atHi = u[j] >= hi[j] && g[j] < 0;
      if (atLo || atHi || d === 0) continue;
      free[nf++] = j;
      gmax = Math.max(gmax, Math.abs(g[j]) / Math.sqrt(d * cost));
    }
    if (nf === 0 || gmax <= gtol) {
      reason = "gtol";
      break;
    }
    for (;;) {
      for (let a = 0; a < nf; a++) {
        const ja = free[a];
        for (let c = 0; c < nf; c++) A[a * nf + c] = JtJ[ja * n + free[c]];
        A[a * nf + a] += lambda * Math.max(dscale[ja], 1e-300);
        b[a] = -g[ja];
      }
      const ok = choleskySolveInPlace(A, b, nf);
      uNew.set(u);
      if (ok) for (let a = 0; a < nf; a++) uNew[free[a]] += b[a];
      clampInto(uNew, lo, hi);
      let pred = 0,
        stepNorm = 0,
        uNorm = 0;
      for (let a = 0; a < n; a++) {
        du[a] = uNew[a] - u[a];
        stepNorm += du[a] * du[a];
        uNorm += u[a] * u[a];
      }
      // predicted reduction of Σr² by the linear model: −2gᵀΔ − ΔᵀJᵀJΔ
      for (let a = 0; a < n; a++) {
        if (du[a] === 0) continue;
        let s = 0;
        for (let c = 0; c < n; c++) s += JtJ[a * n + c] * du[c];
        pred -= 2 * g[a] * du[a] + du[a] * s;
      }
      evaluations++;
      const finite = ok && stepNorm > 0 && problem.residuals(uNew, rNew);
      const costNew = finite ? sumSq(rNew) : Infinity;
      if (costNew < cost) {
        const actual = cost - costNew;
        const rho = pred > 0 ? actual / pred : 0;
        if (rho > 0.75) lambda = Math.max(lambda / 3, 1e-15);
        else if (rho < 0.25) lambda *= 2;
        const relRed = actual / cost;
        u.set(uNew);
        r.set(rNew);
        cost = costNew;
        if (relRed <= ftol) {
          reason = "ftol";
          it++;
          break outer;
        }
        if (Math.sqrt(stepNorm) <= xtol * (Math.sqrt(uNorm) + xtol)) {
          reason = "xtol";
          it++;
          break outer;
        }
        break;
      }
      if (stepNorm > 0 && Math.sqrt(stepNorm) <= xtol * (Math.sqrt(uNorm) + xtol)) {
        reason = "xtol";
        it++;
        break outer;
      }
      lambda *= 4;
      if (lambda > 1e20) {
        // No step lowers Σr² any more: at a minimum to machine precision if the gradient is small.
        reason = cost <= floor ? "zero-residual" : gmax <= 1e-6 ? "ftol" : "stalled";
        it++;
        break outer;
      }
    }
  }
  return { u, cost, iterations: it, evaluations, reason, converged: CONVERGED.has(reason) };
}

/**
 * The same problem solved by `ml-levenberg-marquardt` 5.1.0, used safely (see the module
 * comment): chunks of `chunk` iterations from the best point so far, each in coordinates
 * v = s ⊙ u where sⱼ = ‖J_j‖ at the chunk's start, with the analytic Jacobian, bounds, and
 * `errorTolerance: 0` (its own stopping test is meaningless). Convergence: a chunk lowers Σr²
 * by less than `ftol`·Σr², or the scaled gradient falls below `gtol`.
 */
export function mljsLeastSquares(
  problem: LsqProblem,
  u0: ArrayLike<number>,
  options: LsqOptions & { chunk?: number },
): LsqResult {
  const { m, n } = problem;
  const lo = options.lower,
    hi = options.upper;
  const maxIt = options.maxIterations ?? 500,
    ftol = options.ftol ?? 1e-14,
    gtol = options.gtol ?? 1e-12;
  const floor = options.costFloor ?? 0;
  const chunk = options.chunk ?? 20;
  let u = Float64Array.from(u0 as ArrayLike<number>);
  clampInto(u, lo, hi);
  const r = new Float64Array(m),
    J = new Float64Array(m * n),
    tmp = new Float64Array(n);
  let evaluations = 1;
  if (!problem.residuals(u, r))
    return { u, cost: Infinity, iterations: 0, evaluations, reason: "non-finite", converged: false };
  let cost = sumSq(r);
  const xs = Array.from({ length: m }, (_, i) => i);
  const zeros = new Array<number>(m).fill(0);
  let it = 0;
  let reason: LsqReason = "max-iterations";
  while (it < maxIt) {
    if (cost <= floor) {
      reason = "zero-residual";
      break;
    }
    problem.jacobian(u, J);
    const s = new Float64Array(n);
    let gmax = 0;
    for (let j = 0; j < n; j++) {
      let c = 0,
        gj = 0;
      for (let i = 0; i < m; i++) {
        c += J[i * n + j] * J[i * n + j];
        gj += J[i * n + j] * r[i];
      }
      s[j] = c > 0 ? Math.sqrt(c) : 1;
      const atLo = u[j] <= lo[j] && gj > 0,
        atHi = u[j] >= hi[j] && gj < 0;
      if (!atLo && !atHi && c > 0) gmax = Math.max(gmax, Math.abs(gj) / (s[j] * Math.sqrt(cost)));
    }
    if (gmax <= gtol) {
      reason = "gtol";
      break;
    }
    const toU = (v: ArrayLike<number>): Float64Array => {
      for (let j = 0; j < n; j++) tmp[j] = v[j] / s[j];
      return tmp;
    };
    // ml-levenberg-marquardt fits y − f(x); with y = 0 and f(i) = −rᵢ it minimises Σ rᵢ².
    const model = (v: number[]) => {
      const okR = problem.residuals(toU(v), r);
      evaluations++;
      return (i: number) => (okR ? -r[i] : NaN);
    };
    const jac = (v: number[]) => {
      problem.jacobian(toU(v), J);
      return (i: number) => {
        const row = new Array<number>(n);
        for (let j = 0; j < n; j++) row[j] = -J[i * n + j] / s[j];
        return row;
      };
    };
    const steps = Math.min(chunk, maxIt - it);
    const res = levenbergMarquardt({ x: xs, y: zeros }, model, {
      initialValues: Array.from(u, (x, j) => x * s[j]),
      minValues: Array.from(lo as ArrayLike<number>, (x, j) => x * s[j]),
      maxValues: Array.from(hi as ArrayLike<number>, (x, j) => x * s[j]),
      jacobianFunction: jac,
      damping: 1e-3,
      maxIterations: steps,
      errorTolerance: 0,
    });
    it += Math.max(1, res.iterations);
    const uNew = Float64Array.from(toU(res.parameterValues));
    const okNew = problem.residuals(uNew, r);
    evaluations++;
    const costNew = okNew ? sumSq(r) : Infinity;
    if (!(costNew < cost)) {
      problem.residuals(u, r);
      reason = cost <= floor ? "zero-residual" : gmax <= 1e-6 ? "ftol" : "stalled";
      break;
    }
    const rel = (cost - costNew) / cost;
    u = uNew;
    cost = costNew;
    if (rel <= ftol) {
      reason = "ftol";
      break;
    }
  }
  return { u, cost, iterations: it, evaluations, reason, converged: CONVERGED.has(reason) };
}
