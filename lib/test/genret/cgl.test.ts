import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/util/rng";
import {
  CGL_NEGATIVES,
  cglCeiling,
  cglOfQuery,
  computeCgl,
  contrastiveGenerationLoss,
  meanWithError,
  pairedDifference,
  sampleNegatives,
} from "../../src/genret/cgl";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test("ceiling ln(1 + 1/K): 0.003899 for K = 256", () => {
  // ln(257/256) = 0.00389864...
  close(cglCeiling(), Math.log(257 / 256));
  assert.equal(CGL_NEGATIVES, 256);
  close(cglCeiling(256), 0.0038986404156573, 1e-15);
  close(cglCeiling(1), Math.log(2));
});

test("per-query CGL by hand", () => {
  // L⁺ = min(2, 1) = 1; S⁻ = 3 + 5 = 8; CGL = −log(8 / 9) = log(9/8) = 0.117783...
  close(cglOfQuery([2, 1], [3, 5]), Math.log(9 / 8));
  // No learning: L⁺ equals every L⁻ = 4.2 with K = 256 → log(1 + 4.2/(256·4.2)) = ln(257/256).
  close(cglOfQuery([4.2], new Array(256).fill(4.2)), Math.log(257 / 256), 1e-15);
  // Perfect: L⁺ = 0 → CGL = 0.
  assert.equal(cglOfQuery([0, 3], [1, 1]), 0);
  assert.throws(() => cglOfQuery([], [1]), /no positive/);
  assert.throws(() => cglOfQuery([1], [0, 0]), /sum to 0/);
  assert.throws(() => cglOfQuery([NaN], [1]), /finite/);
});

test("mean over queries", () => {
  // q1: log(1 + 1/4) = log 1.25; q2: L⁺ = 2, S⁻ = 2 → log 2. Mean (log 1.25 + log 2)/2 = log(2.5)/2.
  const { cgl, perQuery } = contrastiveGenerationLoss([
    { positives: [1], negatives: [2, 2] },
    { positives: [2, 5], negatives: [1, 1] },
  ]);
  close(perQuery[0], Math.log(1.25));
  close(perQuery[1], Math.log(2));
  close(cgl, Math.log(2.5) / 2);
});

test("negatives: K distinct, uniform, never a positive, seeded", () => {
  const pos = new Set([0, 3, 7]);
  const a = sampleNegatives(createRng(5), 20, pos, 10);
  const b = sampleNegatives(createRng(5), 20, pos, 10);
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 10);
  for (const d of a) assert.ok(!pos.has(d) && d >= 0 && d < 20);
  assert.throws(() => sampleNegatives(createRng(1), 10, pos, 8), /eligible/);
  // Uniformity: over 4000 draws of K = 2 from 17 eligible ids each id appears 4000·2/17 ≈ 470.6 times
  // (binomial sd ≈ 21); every count within ±6 sd.
  const r = createRng(11);
  const hits = new Array(20).fill(0);
  for (let i = 0; i < 4000; i++) for (const d of sampleNegatives(r, 20, pos, 2)) hits[d]++;
  for (let d = 0; d < 20; d++) {
    if (pos.has(d)) assert.equal(hits[d], 0);
    else assert.ok(Math.abs(hits[d] - 470.6) < 130, `doc ${d}: ${hits[d]}`);
  }
});

test("computeCgl with a loss that cannot tell documents apart gives the ceiling; with a separating loss it is lower", async () => {
  const queries = [{ positives: [1] }, { positives: [2, 9] }];
  const flat = await computeCgl(
    queries,
    300,
    (_q, docs) => new Float64Array(docs.length).fill(3),
    createRng(1),
  );
  close(flat.cgl, cglCeiling(256), 1e-15);
  close(flat.ceiling, cglCeiling(256));
  // Loss 1 for positives, 2 for every negative: log(1 + 1/(256·2)) = log(513/512).
  const sep = await computeCgl(
    queries,
    300,
    (qi, docs) => Float64Array.from(docs, (d) => (queries[qi].positives.includes(d) ? 1 : 2)),
    createRng(1),
  );
  close(sep.cgl, Math.log(513 / 512), 1e-15);
});

test("mean with standard error and paired differences, by hand", () => {
  // 1, 2, 3, 6: mean 3, deviations −2, −1, 0, 3 → Σ² = 14, s² = 14/3, stdErr = √(14/3/4) = √(7/6).
  const m = meanWithError([1, 2, 3, 6]);
  close(m.mean, 3);
  close(m.stdErr, Math.sqrt(7 / 6));
  assert.equal(m.n, 4);
  assert.deepEqual(meanWithError([5]), { mean: 5, stdErr: 0, n: 1 });
  assert.throws(() => meanWithError([]), /no values/);
  // b − a = 1, 1, 4: mean 2, deviations −1, −1, 2 → s² = 6/2 = 3, stdErr = √(3/3) = 1.
  const d = pairedDifference([10, 20, 30], [11, 21, 34]);
  close(d.mean, 2);
  close(d.stdErr, 1);
  // A constant shift has no spread at all, however different the queries are.
  assert.equal(pairedDifference([1, 100, 7], [2, 101, 8]).stdErr, 0);
  assert.throws(() => pairedDifference([1], [1, 2]), /1 vs 2/);
});
