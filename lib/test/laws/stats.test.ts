import { test } from "node:test";
import assert from "node:assert/strict";
import {
  bootstrapLaw,
  deltaMethodIntervals,
  fitLaw,
  forecastErrors,
  goodnessOfFit,
  jointPowerLaw,
  quantile,
  resampleData,
  type LawForm,
} from "../../src/laws";
import { createRng } from "../../src/util/rng";

const close = (a: number, b: number, tol: number, what = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

/** A user-defined form without an analytic gradient: the straight line y = a + b·x. */
const line: LawForm = {
  name: "line",
  formula: "y = a + b·x",
  inputs: ["x"],
  params: ["a", "b"],
  lower: [-Infinity, -Infinity],
  upper: [Infinity, Infinity],
  transforms: ["linear", "linear"],
  f: (p, x) => p[0] + p[1] * x[0],
};
// x = 0..3, y = 1, 3, 2, 5. By hand: x̄ = 1.5, ȳ = 2.75, Sxx = 5, Sxy = 5.5 → b = 1.1, a = 2.75 − 1.65 = 1.1;
// residuals −0.1, 0.8, −1.3, 0.6 → SSE = 2.7; SST = 8.75; s² = 2.7/2 = 1.35.
const LINE = { x: [[0], [1], [2], [3]], y: [1, 3, 2, 5] };

test("a notebook-defined form (finite-difference Jacobian) fits ordinary least squares exactly", () => {
  const fit = fitLaw(line, LINE);
  close(fit.params[0], 1.1, 1e-9, "a");
  close(fit.params[1], 1.1, 1e-9, "b");
  close(fit.sse, 2.7, 1e-9, "SSE");
  // OLS covariance: Var b = s²/Sxx = 1.35/5 = 0.27; Var a = s²(1/n + x̄²/Sxx) = 1.35(0.25 + 0.45) = 0.945
  close(fit.covariance![1][1], 0.27, 1e-6, "Var b");
  close(fit.covariance![0][0], 0.945, 1e-6, "Var a");
});

test("goodness of fit: R², adjusted R², F-test against a constant", () => {
  const g = goodnessOfFit(fitLaw(line, LINE), LINE);
  close(g.r2, 1 - 2.7 / 8.75, 1e-9, "R²"); // 0.691429
  close(g.adjR2, 1 - ((2.7 / 8.75) * 3) / 2, 1e-9, "adj R²"); // 1 − (1−R²)(n−1)/(n−p) = 0.537143
  close(g.F, (8.75 - 2.7) / 1 / (2.7 / 2), 1e-8, "F"); // 6.05/1.35 = 4.481481
  // F(1, 2) = t²(2): p = 1 − t/√(t²+2) with t = √4.481481 = 2.116951 → 0.168484
  const t = Math.sqrt(6.05 / 1.35);
  close(g.pF, 1 - t / Math.sqrt(t * t + 2), 1e-9, "p(F)");
});

test("delta-method interval equals the OLS confidence interval of the mean", () => {
  const [iv] = deltaMethodIntervals(fitLaw(line, LINE), [[1.5]]);
  // at x = x̄: se = s·√(1/n) = √(1.35/4) = 0.580948; t(0.975, 2) = 4.302653 → half-width 2.499640
  close(iv.value, 2.75, 1e-9);
  close(iv.se, Math.sqrt(1.35 / 4), 1e-7);
  close(iv.hi - iv.value, 0.95 * Math.sqrt(2 / 0.0975) * Math.sqrt(1.35 / 4), 1e-6);
});

test("forecast errors by hand", () => {
  // actual 1, 2, 3; predicted 0.5, 2.5, 2 → errors 0.5, −0.5, 1
  const e = forecastErrors([1, 2, 3], [0.5, 2.5, 2]);
  close(e.mae, 2 / 3, 1e-15);
  close(e.rmse, Math.sqrt(1.5 / 3), 1e-15);
  close(e.bias, 1 / 3, 1e-15);
  close(e.conservative, 2 / 3, 1e-15); // two of three forecasts below the actual
  close(e.mape, (0.5 / 1 + 0.5 / 2 + 1 / 3) / 3, 1e-15);
  // sd = √(((1/6)² + (5/6)² + (2/3)²)/2) = √(42/72); t = (1/3)/(sd/√3) = 0.755929
  close(e.t, 1 / 3 / (Math.sqrt(42 / 72) / Math.sqrt(3)), 1e-12);
  // for a falling metric (a loss), conservative means predicted above actual: one of three
  close(forecastErrors([1, 2, 3], [0.5, 2.5, 2], "falling").conservative, 1 / 3, 1e-15);
});

test("quantile interpolates like numpy", () => {
  close(quantile([4, 1, 3, 2], 0.25), 1.75, 1e-15); // h = 3·0.25 = 0.75 between 1 and 2
  close(quantile([4, 1, 3, 2], 1), 4, 0);
});

test("resampling: groups stay whole, query resampling is shared across points", () => {
  const data = { x: [[1], [2], [3], [4]], y: [10, 11, 20, 21] };
  const r = createRng(3);
  for (let k = 0; k < 20; k++) {
    const d = resampleData(data, { groups: ["a", "a", "b", "b"] }, r);
    assert.equal(d.y.length, 4);
    for (let i = 0; i < 4; i += 2) assert.equal(d.y[i + 1] - d.y[i], 1); // pairs (10,11) and (20,21) intact
  }
  const Q = [
    [1, 2, 3],
    [2, 4, 6],
  ]; // point 2 = 2 × point 1 query by query
  const d = resampleData({ x: [[1], [2]], y: [2, 4] }, { queries: Q }, createRng(9));
  close(d.y[1], 2 * d.y[0], 1e-15);
});

test("bootstrap is seeded and its 95% intervals cover the true parameters", () => {
  const form = jointPowerLaw("rising");
  const truth = [0.4323, -9.53e6, -1.082, -2.633, -0.449];
  const r = createRng(21);
  const x: number[][] = [];
  for (const N of [17e6, 32e6, 68e6, 150e6]) for (let s = 250; s <= 5000; s += 250) x.push([N, s]);
  const data = { x, y: x.map((row) => form.f(truth, row) + 0.004 * r.normal()) };
  const fit = fitLaw(form, data);
  const a = bootstrapLaw(fit, data, { replicates: 200, seed: 5, predictAt: [[1e9, 5000]] });
  const b = bootstrapLaw(fit, data, { replicates: 200, seed: 5, predictAt: [[1e9, 5000]] });
  assert.deepEqual(a.params, b.params);
  assert.equal(a.failed, 0);
  a.paramIntervals.forEach((iv, j) =>
    assert.ok(
      iv.lo <= truth[j] && truth[j] <= iv.hi,
      `${form.params[j]}: [${iv.lo}, ${iv.hi}] misses ${truth[j]}`,
    ),
  );
  const p = a.predictionIntervals[0];
  assert.ok(p.lo < p.value && p.value < p.hi);
  const trueAt = form.f(truth, [1e9, 5000]);
  assert.ok(p.lo <= trueAt && trueAt <= p.hi, `prediction band [${p.lo}, ${p.hi}] misses ${trueAt}`);
});
