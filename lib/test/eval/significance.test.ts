import { test } from "node:test";
import assert from "node:assert/strict";
import {
  evaluate,
  pairedTTest,
  pairResults,
  qrelsFromObject,
  randomizationTest,
  regularizedBeta,
  runFromObject,
  studentTTwoSided,
} from "../../src/eval";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test("Student t tail against closed forms for 1, 2 and 3 degrees of freedom", () => {
  for (const t of [0.3, 1, 2, 3.872983346207417, 10]) {
    close(studentTTwoSided(t, 1), 1 - (2 / Math.PI) * Math.atan(t)); // Cauchy
    close(studentTTwoSided(t, 2), 1 - t / Math.sqrt(2 + t * t));
    const u = t / Math.sqrt(3); // ν = 3: F(t) = 1/2 + (u/(1+u²) + atan u)/π
    close(studentTTwoSided(t, 3), 1 - (2 / Math.PI) * (u / (1 + u * u) + Math.atan(u)));
  }
  close(regularizedBeta(0.5, 2, 2), 0.5); // symmetric
  close(regularizedBeta(0.3, 1, 1), 0.3); // uniform
});

test("paired t-test (hand-worked)", () => {
  // d = a − b = (1, 2, 3, 4): mean 2.5, s = √(((1.5² + 0.5²)·2)/3) = √(5/3), t = 2.5/(s/2) = √15, df = 3
  const r = pairedTTest([1, 2, 3, 4], [0, 0, 0, 0]);
  assert.equal(r.n, 4);
  close(r.meanDiff, 2.5);
  close(r.statistic, Math.sqrt(15));
  const u = Math.sqrt(15) / Math.sqrt(3);
  close(r.pValue, 1 - (2 / Math.PI) * (u / (1 + u * u) + Math.atan(u)));
  // d = (1, 3): mean 2, s = √2, t = 2/(√2/√2) = 2, df = 1 → p = 1 − (2/π)·atan 2
  close(pairedTTest([2, 4], [1, 1]).pValue, 1 - (2 / Math.PI) * Math.atan(2));
  assert.equal(pairedTTest([1, 2], [1, 2]).pValue, 1); // identical systems
  assert.equal(pairedTTest([2, 3], [1, 2]).pValue, 0); // constant non-zero difference
  assert.throws(() => pairedTTest([1], [2]), /at least 2/);
});

test("randomisation test converges to the exact permutation p-value, reproducibly", () => {
  // d = (1, 2, 3): of the 8 sign patterns, |±1 ±2 ±3| ≥ 6 only for (+,+,+) and (−,−,−) → p = 2/8
  const a = [1, 2, 3],
    b = [0, 0, 0];
  const r = randomizationTest(a, b, { trials: 20000, seed: 3 });
  assert.ok(Math.abs(r.pValue - 0.25) < 0.015, `p = ${r.pValue}`);
  assert.deepEqual(randomizationTest(a, b, { trials: 20000, seed: 3 }), r);
  // Never exactly 0: (0 + 1)/(trials + 1) when no permutation is as extreme (n = 40 equal gains).
  const big = randomizationTest(new Array(40).fill(1), new Array(40).fill(0), { trials: 999, seed: 1 });
  assert.equal(big.pValue, 1 / 1000);
});

test("pairResults pairs two evaluations by query id", () => {
  const qrels = qrelsFromObject({ a: { d1: 1 }, b: { d1: 1 }, c: { d1: 1 } });
  const x = evaluate(qrels, runFromObject({ a: { d1: 1, d2: 0 }, b: { d2: 1, d1: 0 } }), ["recip_rank"]);
  const y = evaluate(qrels, runFromObject({ b: { d1: 1 }, c: { d1: 1 } }), ["recip_rank"]);
  const p = pairResults(x, y, "recip_rank");
  assert.deepEqual(p.qids, ["b"]);
  assert.deepEqual(Array.from(p.a), [1 / 2]);
  assert.deepEqual(Array.from(p.b), [1]);
});
