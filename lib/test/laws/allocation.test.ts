import { test } from "node:test";
import assert from "node:assert/strict";
import {
  allocationBands,
  allocationExponents,
  bootstrapLaw,
  chinchillaLaw,
  closedFormAllocation,
  equalComputePairs,
  fitLaw,
  flopsPerParamStep,
  isoFlopCurve,
  jointPowerLaw,
  numericAllocation,
  optimalAllocation,
  powerTerms,
  recordFlops,
  trainingFlops,
} from "../../src/laws";
import { publishedLawsPath, readPublishedLaws, syntheticRecords, type JointParams } from "../../src/records";
import * as path from "node:path";

const published = readPublishedLaws(publishedLawsPath());
const OBJ = ["listwise", "pairwise", "pointwise"] as const;
const vec = (p: { a: number; b: number; c: number; d: number; e: number }) => [p.a, p.b, p.c, p.d, p.e];

test("allocation exponents implied by the published joint NDCG@10 parameters (arXiv 2603.04816, compute allocation)", () => {
  for (const o of OBJ) {
    const t = powerTerms(jointPowerLaw("rising"), vec(published.rerankerJointNdcg10[o]))!;
    const ex = allocationExponents(t);
    // listwise: β/(α+β) = 0.449/(1.082+0.449) = 0.2933 → 0.29; α/(α+β) = 0.7067 → 0.71
    assert.ok(Math.abs(ex.n - published.rerankerAllocationExponents[o].n) < 0.005, `${o} n ${ex.n}`);
    assert.ok(Math.abs(ex.d - published.rerankerAllocationExponents[o].d) < 0.005, `${o} d ${ex.d}`);
    assert.ok(Math.abs(ex.n + ex.d - 1) < 1e-15);
  }
});

test("closed-form optimum equals a numeric search along the iso-FLOP line and spends exactly C", () => {
  const p = vec(published.rerankerJointNdcg10.pairwise);
  const form = jointPowerLaw("rising");
  const t = powerTerms(form, p)!;
  const k = 6 * 176 * 128;
  for (const C of [1e16, 1e18, 1e20]) {
    const cf = closedFormAllocation(t, C, k);
    assert.ok(Math.abs((k * cf.N * cf.D) / C - 1) < 1e-12);
    const num = numericAllocation((N, D) => form.f(p, [N, D]), C, k, {
      direction: "rising",
      nMin: 1e3,
      nMax: 1e13,
    });
    assert.ok(Math.abs(Math.log(num.N / cf.N)) < 1e-4, `C=${C}: numeric N* ${num.N} vs closed ${cf.N}`);
    // N* maximises the metric on the iso-FLOP line
    const curve = isoFlopCurve({ form, params: p } as never, C, k, [cf.N / 2, cf.N, cf.N * 2]);
    assert.ok(curve[1].y > curve[0].y && curve[1].y > curve[2].y);
  }
  // doubling compute multiplies N* by 2^{β/(α+β)}
  const r = closedFormAllocation(t, 2e18, k).N / closedFormAllocation(t, 1e18, k).N;
  assert.ok(Math.abs(r - 2 ** allocationExponents(t).n) < 1e-12);
});

test("equal-compute pairs reproduce the published joint-fit comparison 68M@5000 vs 400M@850", () => {
  const laws = Object.fromEntries(
    OBJ.map((o) => [o, vec(published.rerankerJointNdcg10[o]) as unknown as JointParams]),
  ) as Record<(typeof OBJ)[number], JointParams>;
  const recs = syntheticRecords({
    tiers: [
      { name: "68m", params: 68e6 },
      { name: "400m", params: 400e6 },
    ],
    steps: [50, 425, 850, 1700, 5000],
    metrics: { "ndcg@10": { laws, sd: 0 } },
    pairsPerStep: { pointwise: 176, pairwise: 176, listwise: 176 },
  });
  const pairs = equalComputePairs(recs, "ndcg@10");
  assert.equal(pairs.length, 3);
  for (const p of pairs) {
    const want = published.rerankerEqualCompute[p.objective];
    assert.equal(p.large.step, 850); // 68e6·5000 = 400e6·850
    assert.equal(p.interpolated, false);
    // the reference values have three decimals (truncated: pointwise 400M is 0.2458 → "0.245")
    assert.ok(
      Math.abs(p.small.value - want.small) < 1e-3 && Math.abs(p.large.value - want.large) < 1e-3,
      `${p.objective}: ${p.small.value} vs ${p.large.value}`,
    );
    assert.equal(p.winner, "small");
  }
  assert.equal(recordFlops(recs[0]), trainingFlops(recs[0].params, recs[0].tokens));
  assert.equal(flopsPerParamStep(recs, "listwise"), 6 * 176 * 128);
});

test("equal-compute interpolates between bracketing checkpoints", () => {
  const recs = syntheticRecords({
    tiers: [
      { name: "a", params: 1e6 },
      { name: "b", params: 4e6 },
    ],
    objectives: ["listwise"],
    steps: [100, 200, 300, 400],
    metrics: {
      m: {
        laws: { listwise: [0, 0, 0, 1e-3, 1], pairwise: [0, 0, 0, 0, 0], pointwise: [0, 0, 0, 0, 0] },
        sd: 0,
      },
    },
  });
  // m = 1e-3·step, linear in step; a@400 has compute of b@100 exactly; use a 3e6 tier for a fractional match
  const recs2 = syntheticRecords({
    ...{
      tiers: [
        { name: "a", params: 1e6 },
        { name: "c", params: 3e6 },
      ],
    },
    objectives: ["listwise"],
    steps: [100, 200, 300, 400],
    metrics: {
      m: {
        laws: { listwise: [0, 0, 0, 1e-3, 1], pairwise: [0, 0, 0, 0, 0], pointwise: [0, 0, 0, 0, 0] },
        sd: 0,
      },
    },
  });
  const [p] = equalComputePairs(recs2, "m");
  // a@400 ↔ c@133.33: interpolated value 1e-3·133.33 = 0.13333
  assert.equal(p.interpolated, true);
  assert.ok(Math.abs(p.large.step - 400 / 3) < 1e-9 && Math.abs(p.large.value - 0.4 / 3) < 1e-12);
  assert.equal(equalComputePairs(recs, "m")[0].large.step, 100);
});

test("bootstrap allocation bands contain the fitted exponent and the truth", () => {
  const recs = syntheticRecords({
    seed: 3,
    objectives: ["pairwise"],
    steps: [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000],
  });
  const x = recs.map((r) => [r.params, r.step]),
    y = recs.map((r) => r.metrics["ndcg@10"]);
  const form = jointPowerLaw("rising");
  const fit = fitLaw(form, { x, y });
  const bs = bootstrapLaw(fit, { x, y }, { replicates: 200, seed: 2 });
  const k = flopsPerParamStep(recs, "pairwise");
  const bands = allocationBands(form, bs.params, [1e17, 1e19], k);
  const fitted = allocationExponents(powerTerms(form, fit.params)!).n;
  assert.ok(bands.exponentN.lo < fitted && fitted < bands.exponentN.hi);
  assert.ok(
    bands.exponentN.lo < 0.259 && 0.259 < bands.exponentN.hi,
    `[${bands.exponentN.lo}, ${bands.exponentN.hi}]`,
  ); // truth 0.43/(1.23+0.43)
  assert.ok(bands.N.lo[0] < bands.N.mid[0] && bands.N.mid[0] < bands.N.hi[0]);
  const opt = optimalAllocation(fit, [1e17], k)[0];
  assert.ok(bands.N.lo[0] < opt.N && opt.N < bands.N.hi[0]);
});

test("Chinchilla form: N* exponent β/(α+β) by hand", () => {
  // α = 0.34, β = 0.28: N* ∝ C^(0.28/0.62) = C^0.451613, D* ∝ C^(0.34/0.62) = C^0.548387
  const t = powerTerms(chinchillaLaw(), [1.69, 406.4, 0.34, 410.7, 0.28])!;
  const ex = allocationExponents(t);
  assert.ok(Math.abs(ex.n - 0.28 / 0.62) < 1e-12 && Math.abs(ex.d - 0.34 / 0.62) < 1e-12);
  // G = (αA/(βB))^(1/(α+β)) = (0.34·406.4/(0.28·410.7))^(1/0.62); N*(C) = G·(C/6)^0.451613 with k = 6
  const G = Math.pow((0.34 * 406.4) / (0.28 * 410.7), 1 / 0.62);
  const p = closedFormAllocation(t, 6e20, 6);
  assert.ok(Math.abs(p.N / (G * Math.pow(1e20, 0.28 / 0.62)) - 1) < 1e-12);
});
