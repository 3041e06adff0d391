/**
 * Scaling-law forms as data. A {@link LawForm} is a small typed description — name, parameter
 * names, natural-scale bounds, the per-parameter transform the optimiser works in, the function,
 * its analytic gradient and an optional generator of starting points — so a notebook can add a
 * form without touching the fitter.
 *
 * Built-in forms (sources given with each form):
 * - {@link powerLaw}: y = a + b·x^c, the reranker paper's single-variable law (rahulseetharaman/cross-encoder-scaling);
 * - {@link jointPowerLaw}: y = a + b·N^c + d·D^e, the reranker paper's joint law (rahulseetharaman/cross-encoder-scaling);
 * - {@link chinchillaLaw}: L = E + A/N^α + B/D^β (Hoffmann et al. 2022, approach 3);
 * - {@link inversePowerLaw}: y = (a/x)^b + c, the generative-retrieval paper's law (HongruCai/SLGR).
 */
import { leastSquares } from "./linalg";

/**
 * How the optimiser sees a parameter p:
 * - `linear`: u = p;
 * - `log`: p = exp(u) (p > 0);
 * - `neglog`: p = −exp(u) (p < 0).
 * In both log cases dp/du = p, so log scales turn multiplicative ranges (b ≈ −1e7) into additive
 * ones (u ≈ 16) and keep the sign constraint without a bound.
 */
export type Transform = "linear" | "log" | "neglog";

/** Data for a fit: one input row per point (e.g. [N] or [N, D]) and the observed values. */
export interface LawData {
  x: readonly (readonly number[])[];
  y: readonly number[];
}

/** A scaling-law form: everything the fitter, the statistics and the plots need. */
export interface LawForm {
  /** Short identifier, e.g. "power-rising". */
  readonly name: string;
  /** Human-readable formula, e.g. "y = a + b·x^c". */
  readonly formula: string;
  /** Names of the input columns, e.g. ["N"] or ["N", "D"]. */
  readonly inputs: readonly string[];
  /** Parameter names in order. */
  readonly params: readonly string[];
  /** Natural-scale lower bounds (−Infinity for none). */
  readonly lower: readonly number[];
  /** Natural-scale upper bounds (Infinity for none). */
  readonly upper: readonly number[];
  /** Per-parameter optimiser transform (see {@link Transform}). */
  readonly transforms: readonly Transform[];
  /**
   * The exponents (the parameters a scaling law is read for), checked for identification by the
   * fitter (a fit whose exponent has a 95% interval wider than itself is `weakly-identified`)
   * [every parameter]. Scale coefficients such as b in b·N^c trade off with their exponent and
   * are not checked.
   */
  readonly exponents?: readonly string[];
  /** The law at one input row. */
  f(p: readonly number[], x: readonly number[]): number;
  /**
   * Analytic gradient ∂f/∂p (natural parameters) at one input row, written into `out`.
   * Optional: without it the fitter uses central differences scaled to each parameter.
   */
  grad?(p: readonly number[], x: readonly number[], out: Float64Array): void;
  /** Starting points (natural parameters) for a multi-start fit; `count` is a target size. */
  starts?(data: LawData, count: number): number[][];
}

/** Evaluate a form at many input rows. */
export function evaluateLaw(
  form: LawForm,
  p: readonly number[],
  xs: readonly (readonly number[])[],
): number[] {
  return xs.map((x) => form.f(p, x));
}

/** Check a form's shape (lengths of names, bounds, transforms) and bound/transform consistency. */
export function validateForm(form: LawForm): void {
  const k = form.params.length;
  for (const [what, arr] of [
    ["lower", form.lower],
    ["upper", form.upper],
    ["transforms", form.transforms],
  ] as const) {
    if (arr.length !== k)
      throw new Error(`law form ${form.name}: ${what} has ${arr.length} entries for ${k} parameters`);
  }
  for (let j = 0; j < k; j++) {
    const lo = form.lower[j],
      hi = form.upper[j],
      t = form.transforms[j];
    if (!(lo < hi))
      throw new Error(`law form ${form.name}: empty bounds for ${form.params[j]} [${lo}, ${hi}]`);
    if (t === "log" && lo < 0)
      throw new Error(`law form ${form.name}: log transform needs ${form.params[j]} ≥ 0`);
    if (t === "neglog" && hi > 0)
      throw new Error(`law form ${form.name}: neglog transform needs ${form.params[j]} ≤ 0`);
  }
}

/**
 * The Halton low-discrepancy point i (0-based) in `dims` dimensions, coordinates in [0,1):
 * radical inverses in the first primes. Used for deterministic, evenly spread start grids.
 */
export function halton(i: number, dims: number): number[] {
  const primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29];
  const out: number[] = [];
  for (let d = 0; d < dims; d++) {
    const base = primes[d % primes.length];
    let f = 1,
      r = 0,
      n = i + 1;
    while (n > 0) {
      f /= base;
      r += f * (n % base);
      n = Math.floor(n / base);
    }
    out.push(r);
  }
  return out;
}

/**
 * Starting points by variable projection: for each grid point of the nonlinear parameters
 * (exponents), the linear coefficients are the least-squares solution, which is the best start
 * that grid point can give (Golub & Pereyra 1973; the remedy for the joint law's conditioning
 * suggested by the Open-Athena scaling-law analysis).
 *
 * @param grid nonlinear-parameter points
 * @param basis for a grid point, the basis columns' values at one input row
 * @param assemble turn (grid point, linear coefficients) into natural parameters (or null)
 */
export function variableProjectionStarts(
  data: LawData,
  grid: readonly number[][],
  basis: (nl: readonly number[], x: readonly number[]) => number[],
  assemble: (nl: readonly number[], coef: readonly number[]) => number[] | null,
): number[][] {
  const out: number[][] = [];
  for (const nl of grid) {
    const rows = data.x.map((x) => basis(nl, x));
    const k = rows[0]?.length ?? 0;
    const cols = Array.from({ length: k }, (_, j) => rows.map((r) => r[j]));
    if (cols.some((c) => c.some((v) => !Number.isFinite(v)))) continue;
    const coef = leastSquares(cols, data.y);
    if (!coef) continue;
    const p = assemble(nl, coef);
    if (p && p.every(Number.isFinite)) out.push(p);
  }
  return out;
}

/** An evenly spread grid of `count` points over a box (Halton), for exponent grids. */
export function boxGrid(count: number, lo: readonly number[], hi: readonly number[]): number[][] {
  const n = Math.max(1, Math.floor(count));
  return Array.from({ length: n }, (_, i) => halton(i, lo.length).map((h, d) => lo[d] + h * (hi[d] - lo[d])));
}

/** Direction of a metric: `rising` for quality metrics (NDCG, MAP, …), `falling` for losses (CE). */
export type Direction = "rising" | "falling";

/** Shared description of the coefficient sign for a direction (rising: b ≤ 0; falling: b ≥ 0). */
function coefBounds(direction: Direction): { lo: number; hi: number; t: Transform } {
  return direction === "rising" ? { lo: -Infinity, hi: 0, t: "neglog" } : { lo: 0, hi: Infinity, t: "log" };
}

/** Clamp start values into a form's open bounds (log-scale parameters stay off zero). */
function clampStart(form: LawForm, p: number[]): number[] {
  return p.map((v, j) => {
    const t = form.transforms[j];
    if (t === "log") return Math.min(Math.max(v, 1e-12 * Math.max(1, Math.abs(v)), 1e-300), form.upper[j]);
    if (t === "neglog") return Math.max(Math.min(v, -1e-300), form.lower[j]);
    return Math.min(Math.max(v, form.lower[j]), form.upper[j]);
  });
}

/** Exponent range used to seed starts: the bound box, but away from exactly 0 (x^0 is collinear with a). */
const EXP_LO = -5,
  EXP_HI = -0.02;

/**
 * The single-variable law y = a + b·x^c (reranker paper, rahulseetharaman/cross-encoder-scaling; x = step or nominal parameters).
 * Rising metrics: a ∈ [0,1], b ≤ 0, c ∈ [−5, 0]; falling losses (CE): a ≥ 0, b ≥ 0, c ∈ [−5, 0]
 * — the authors' bounds.
 */
export function powerLaw(direction: Direction = "rising"): LawForm {
  const cb = coefBounds(direction);
  const form: LawForm = {
    name: `power-${direction}`,
    formula: "y = a + b·x^c",
    inputs: ["x"],
    params: ["a", "b", "c"],
    exponents: ["c"],
    lower: [0, cb.lo, -5],
    upper: [direction === "rising" ? 1 : Infinity, cb.hi, 0],
    transforms: ["linear", cb.t, "linear"],
    f: (p, x) => p[0] + p[1] * Math.pow(x[0], p[2]),
    grad: (p, x, out) => {
      const t = Math.pow(x[0], p[2]);
      out[0] = 1;
      out[1] = t;
      out[2] = p[1] * t * Math.log(x[0]);
    },
    starts: (data, count) =>
      variableProjectionStarts(
        data,
        boxGrid(count, [EXP_LO], [EXP_HI]),
        (nl, x) => [1, Math.pow(x[0], nl[0])],
        (nl, c) => clampStart(form, [c[0], c[1], nl[0]]),
      ),
  };
  return form;
}

/**
 * The joint law y = a + b·N^c + d·D^e (reranker paper, rahulseetharaman/cross-encoder-scaling; N = nominal parameters, D = step).
 * Rising metrics: a ∈ [0,1], b, d ≤ 0, c, e ∈ [−5, 0]; falling losses: a, b, d ≥ 0.
 */
export function jointPowerLaw(direction: Direction = "rising"): LawForm {
  const cb = coefBounds(direction);
  const form: LawForm = {
    name: `joint-${direction}`,
    formula: "y = a + b·N^c + d·D^e",
    inputs: ["N", "D"],
    params: ["a", "b", "c", "d", "e"],
    exponents: ["c", "e"],
    lower: [0, cb.lo, -5, cb.lo, -5],
    upper: [direction === "rising" ? 1 : Infinity, cb.hi, 0, cb.hi, 0],
    transforms: ["linear", cb.t, "linear", cb.t, "linear"],
    f: (p, x) => p[0] + p[1] * Math.pow(x[0], p[2]) + p[3] * Math.pow(x[1], p[4]),
    grad: (p, x, out) => {
      const tn = Math.pow(x[0], p[2]),
        td = Math.pow(x[1], p[4]);
      out[0] = 1;
      out[1] = tn;
      out[2] = p[1] * tn * Math.log(x[0]);
      out[3] = td;
      out[4] = p[3] * td * Math.log(x[1]);
    },
    starts: (data, count) =>
      variableProjectionStarts(
        data,
        boxGrid(count, [EXP_LO, EXP_LO], [EXP_HI, EXP_HI]),
        (nl, x) => [1, Math.pow(x[0], nl[0]), Math.pow(x[1], nl[1])],
        (nl, c) => clampStart(form, [c[0], c[1], nl[0], c[2], nl[1]]),
      ),
  };
  return form;
}

/**
 * The Chinchilla form L = E + A/N^α + B/D^β (Hoffmann et al. 2022, "approach 3"), for losses:
 * E ≥ 0, A, B > 0 (log scale), α, β ∈ [0, 5].
 */
export function chinchillaLaw(): LawForm {
  const form: LawForm = {
    name: "chinchilla",
    formula: "L = E + A/N^α + B/D^β",
    inputs: ["N", "D"],
    params: ["E", "A", "alpha", "B", "beta"],
    exponents: ["alpha", "beta"],
    lower: [0, 0, 0, 0, 0],
    upper: [Infinity, Infinity, 5, Infinity, 5],
    transforms: ["linear", "log", "linear", "log", "linear"],
    f: (p, x) => p[0] + p[1] * Math.pow(x[0], -p[2]) + p[3] * Math.pow(x[1], -p[4]),
    grad: (p, x, out) => {
      const tn = Math.pow(x[0], -p[2]),
        td = Math.pow(x[1], -p[4]);
      out[0] = 1;
      out[1] = tn;
      out[2] = -p[1] * tn * Math.log(x[0]);
      out[3] = td;
      out[4] = -p[3] * td * Math.log(x[1]);
    },
    starts: (data, count) =>
      variableProjectionStarts(
        data,
        boxGrid(count, [0.02, 0.02], [3, 3]),
        (nl, x) => [1, Math.pow(x[0], -nl[0]), Math.pow(x[1], -nl[1])],
        (nl, c) => clampStart(form, [c[0], c[1], nl[0], c[2], nl[1]]),
      ),
  };
  return form;
}

/**
 * The generative-retrieval law y = (a/x)^b + c (arXiv 2503.18941; HongruCai/SLGR plotting scripts; x = non-embedding parameters or
 * training examples): a > 0 (log scale), b ∈ [0, 10], c free. Writing K = a^b, y = c + K·x^(−b)
 * is linear in (c, K) for fixed b, which seeds the starts.
 */
export function inversePowerLaw(): LawForm {
  const form: LawForm = {
    name: "inverse-power",
    formula: "y = (a/x)^b + c",
    inputs: ["x"],
    params: ["a", "b", "c"],
    exponents: ["b"],
    lower: [0, 0, -Infinity],
    upper: [Infinity, 10, Infinity],
    transforms: ["log", "linear", "linear"],
    f: (p, x) => Math.pow(p[0] / x[0], p[1]) + p[2],
    grad: (p, x, out) => {
      const t = Math.pow(p[0] / x[0], p[1]);
      out[0] = (p[1] * t) / p[0];
      out[1] = t * Math.log(p[0] / x[0]);
      out[2] = 1;
    },
    starts: (data, count) =>
      variableProjectionStarts(
        data,
        boxGrid(count, [0.02], [3]),
        (nl, x) => [1, Math.pow(x[0], -nl[0])],
        (nl, c) => (c[1] > 0 ? clampStart(form, [Math.pow(c[1], 1 / nl[0]), nl[0], c[0]]) : null),
      ),
  };
  return form;
}

/** The built-in forms by name (directional forms in both directions). */
export function builtinForms(): LawForm[] {
  return [
    powerLaw("rising"),
    powerLaw("falling"),
    jointPowerLaw("rising"),
    jointPowerLaw("falling"),
    chinchillaLaw(),
    inversePowerLaw(),
  ];
}
