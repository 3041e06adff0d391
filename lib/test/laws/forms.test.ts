import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinForms, halton, jointPowerLaw, powerLaw, validateForm, type LawForm } from "../../src/laws";

test("Halton points are the radical inverses in bases 2 and 3", () => {
  assert.deepEqual(halton(0, 2), [0.5, 1 / 3]);
  assert.deepEqual(halton(1, 2), [0.25, 2 / 3]);
  assert.deepEqual(halton(2, 2), [0.75, 1 / 9]); // 3 = 11₂ → 0.11₂ = .75; 3 = 10₃ → 0.01₃ = 1/9
});

test("every built-in analytic gradient matches central differences", () => {
  const points: Record<string, { p: number[]; x: number[] }> = {
    "power-rising": { p: [0.4, -3, -0.5], x: [700] },
    "power-falling": { p: [2, 3, -0.4], x: [300] },
    "joint-rising": { p: [0.43, -9.53e6, -1.082, -2.633, -0.449], x: [68e6, 1200] },
    "joint-falling": { p: [3.6, 2.7e7, -1.1, 3.2, -0.4], x: [150e6, 900] },
    chinchilla: { p: [1.7, 400, 0.34, 410, 0.28], x: [1e8, 2e9] },
    "inverse-power": { p: [0.0225, 0.402, 0.003556], x: [7e8] },
  };
  for (const form of builtinForms()) {
    const { p, x } = points[form.name];
    const g = new Float64Array(p.length);
    form.grad!(p, x, g);
    for (let j = 0; j < p.length; j++) {
      const h = 1e-6 * Math.abs(p[j]);
      const up = p.slice(),
        dn = p.slice();
      up[j] += h;
      dn[j] -= h;
      const fd = (form.f(up, x) - form.f(dn, x)) / (2 * h);
      assert.ok(
        Math.abs(fd - g[j]) <= 1e-6 * Math.max(Math.abs(g[j]), 1e-12),
        `${form.name} ∂/∂${form.params[j]}: ${g[j]} vs ${fd}`,
      );
    }
  }
});

test("built-in forms carry the paper's bounds and valid transforms", () => {
  const r = powerLaw("rising");
  assert.deepEqual(
    [r.lower, r.upper],
    [
      [0, -Infinity, -5],
      [1, 0, 0],
    ],
  );
  const j = jointPowerLaw("falling");
  assert.deepEqual(j.lower, [0, 0, -5, 0, -5]);
  for (const f of builtinForms()) validateForm(f);
  const bad: LawForm = { ...r, transforms: ["neglog", "neglog", "linear"] }; // a ∈ [0, 1] cannot be negative
  assert.throws(() => validateForm(bad), /neglog transform needs a ≤ 0/);
});

test("variable-projection starts give near-exact linear coefficients for noiseless data", () => {
  const form = powerLaw("rising");
  const truth = [0.5, -2, -0.3];
  const x = [100, 300, 1000, 3000].map((v) => [v]);
  const y = x.map((row) => form.f(truth, row));
  const starts = form.starts!({ x, y }, 50);
  // the start whose exponent is closest to −0.3 has a, b close to the truth
  const best = starts.reduce((a, s) => (Math.abs(s[2] + 0.3) < Math.abs(a[2] + 0.3) ? s : a));
  assert.ok(Math.abs(best[2] + 0.3) < 0.06);
  assert.ok(Math.abs(best[0] - 0.5) < 0.1, `a start ${best[0]}`);
});
