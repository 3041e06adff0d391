import { test } from "node:test";
import assert from "node:assert/strict";
import {
  bestWithinBudgets,
  budgetFrontier,
  budgetPoints,
  compareArchitectures,
  fitInferenceLaw,
  fitJointInferenceLaw,
  type BudgetPoint,
} from "../../src/genret/inference";
import type { BeamPoint, GenretModelResult } from "../../src/genret/experiment";
import type { GenretResults, InferenceSweep } from "../../src/genret/run";

const BEAMS = [1, 5, 15, 50, 100];

/** A sweep whose recall@100 error is exactly err(C) at C = perBeam · beam. */
function sweep(
  tier: string,
  params: number,
  perBeam: number,
  err: (C: number) => number,
  trainFlops = 1e9,
): InferenceSweep {
  const points: BeamPoint[] = BEAMS.map((beam) => {
    const C = perBeam * beam;
    return {
      beam,
      metrics: { recall_100: 1 - err(C) },
      perQuery: { recall_100: [1 - err(C)] },
      flopsPerQuery: C,
      prefixesPerQuery: beam,
      seconds: 0,
    };
  });
  return { tier, arch: "decoder", params, trainFlops, points };
}

test("inference law: a known ε(C) = (a/C)^b + c is recovered, with its exponent inside the interval", () => {
  const [a, b, c] = [2e5, 0.5, 0.2];
  const exact = fitInferenceLaw(sweep("g0", 1000, 1e6, (C) => (a / C) ** b + c));
  assert.ok(exact.fit);
  assert.ok(Math.abs(exact.fit!.named.b - b) < 1e-4, `b ${exact.fit!.named.b}`);
  assert.ok(Math.abs(exact.fit!.named.c - c) < 1e-5, `c ${exact.fit!.named.c}`);
  assert.ok(Math.abs(exact.fit!.named.a / a - 1) < 1e-3, `a ${exact.fit!.named.a}`);
  assert.ok(exact.r2 > 0.999999);
  // With noise of ±0.002 the 95 % interval of b still holds the true 0.5 and is a real interval.
  const noise = new Map(
    [1, 5, 15, 50, 100].map((beam, k) => [1e6 * beam, [0.002, -0.002, 0.001, -0.001, 0.002][k]]),
  );
  const noisy = fitInferenceLaw(sweep("g0", 1000, 1e6, (C) => (a / C) ** b + c + noise.get(C)!));
  assert.ok(noisy.b!.lo < b && b < noisy.b!.hi, JSON.stringify(noisy.b));
  assert.ok(noisy.b!.hi - noisy.b!.lo > 1e-3);
  // Three beams are too few for three parameters.
  const short = sweep("g0", 1000, 1e6, (C) => (a / C) ** b + c);
  short.points = short.points.slice(0, 3);
  assert.equal(fitInferenceLaw(short).fit, null);
});

test("joint inference law: E + A/N^α + B/C^β with known parameters over four sizes", () => {
  const [E, A, alpha, B, beta] = [0.1, 3, 0.3, 40, 0.25];
  const sizes = [3e3, 1.3e4, 5e4, 2e5];
  const sweeps = sizes.map((N, k) =>
    sweep(`g${k}`, N, 1e5 * (k + 1), (C) => E + A / N ** alpha + B / C ** beta),
  );
  const j = fitJointInferenceLaw(sweeps)!;
  assert.ok(Math.abs(j.fit.named.alpha - alpha) < 1e-3, `alpha ${j.fit.named.alpha}`);
  assert.ok(Math.abs(j.fit.named.beta - beta) < 1e-3, `beta ${j.fit.named.beta}`);
  assert.ok(Math.abs(j.fit.named.E - E) < 1e-3, `E ${j.fit.named.E}`);
  assert.ok(j.r2 > 0.99999);
  assert.equal(fitJointInferenceLaw(sweeps.slice(0, 1)), null);
});

test("iso-budget: totals, the frontier and the best choice within each budget, by hand", () => {
  const s1 = sweep("small", 10, 100, (C) => 0.5 - C / 1e5, 1000); // recall 0.501 … 0.6 at C = 100 … 10,000
  const s2 = sweep("large", 100, 1000, (C) => 0.4 - C / 1e6, 50000); // recall 0.601 … 0.7
  const pts = budgetPoints([s1, s2], 10);
  // small at beam 5: 1000 + 10·500 = 6000; large at beam 1: 50000 + 10·1000 = 60000.
  assert.equal(pts.find((p) => p.tier === "small" && p.beam === 5)!.total, 6000);
  assert.equal(pts.find((p) => p.tier === "large" && p.beam === 1)!.total, 60000);
  const f = budgetFrontier(pts);
  assert.deepEqual(
    f.map((p) => `${p.tier}@${p.beam}`),
    ["small@1", "small@5", "small@15", "small@50", "large@1", "large@5", "large@15", "large@50", "large@100"],
  );
  // small@100 (total 101,000, recall 0.600) is beaten by the cheaper large@1 (60,000, 0.601).
  assert.ok(!f.some((p) => p.tier === "small" && p.beam === 100));
  // A point that costs more and is worse is not on the frontier.
  const worse: BudgetPoint = { ...f[0], tier: "bad", total: 1e9, value: 0 };
  assert.ok(!budgetFrontier([...pts, worse]).includes(worse));
  const best = bestWithinBudgets(pts, [2000, 1e5, 10]);
  assert.deepEqual(
    best.map((b) => (b.best ? `${b.best.tier}@${b.best.beam}` : null)),
    ["small@1", "large@5", null],
  );
});

function model(
  tier: string,
  arch: "decoder" | "encoder-decoder",
  params: number,
  trainFlops: number,
  cgl: number[],
): GenretModelResult {
  const mean = cgl.reduce((a, b) => a + b, 0) / cgl.length;
  return {
    method: "ngram",
    arch,
    tier,
    fraction: 1,
    params,
    trainQueries: 1,
    trainPairs: 1,
    trainFlops,
    firstLoss: 0,
    lastLoss: 0,
    cgl: mean,
    cglStdErr: 0,
    cglPerQuery: cgl,
    ceiling: 0.0039,
    meanPositiveLoss: 0,
    meanNegativeLoss: 0,
    seconds: { train: 0, cgl: 0 },
  };
}

test("architecture comparison: matched N and matched training FLOPs (log interpolation), paired differences by hand", () => {
  const g0 = model("g0", "decoder", 1000, 1e9, [3, 3, 3]);
  const g1 = model("g1", "decoder", 4000, 4e9, [1, 1, 1]);
  const e0 = model("e0", "encoder-decoder", 1100, 2e9, [4, 2, 3]);
  const recall = (tier: string, arch: "decoder" | "encoder-decoder", v: number[]): InferenceSweep => ({
    tier,
    arch,
    params: 0,
    trainFlops: 0,
    points: [
      {
        beam: 15,
        metrics: {},
        perQuery: { recall_100: v },
        flopsPerQuery: 0,
        prefixesPerQuery: 0,
        seconds: 0,
      },
    ],
  });
  const r = {
    config: { encdecBeams: [15] },
    size: [g0, g1],
    encdec: [e0],
    inference: [
      recall("g0", "decoder", [0, 1, 0]),
      recall("g1", "decoder", [1, 1, 1]),
      recall("e0", "encoder-decoder", [0, 0, 1]),
    ],
  } as unknown as GenretResults;
  const [n, f] = compareArchitectures(r);
  // Matched N: e0 (1100) against g0 (1000): CGL differences 1, −1, 0 → mean 0, s.e. √(1/3)·… = 0.577; recall 0, −1, 1.
  assert.equal(n.match, "N");
  assert.equal(n.decoderOnly, "g0");
  assert.ok(Math.abs(n.cgl.mean) < 1e-12);
  assert.ok(Math.abs(n.cgl.stdErr - Math.sqrt(1 / 3)) < 1e-12);
  assert.ok(Math.abs(n.recall!.mean) < 1e-12);
  // Matched FLOPs: 2e9 is halfway between 1e9 and 4e9 in log, so the decoder-only values are (3 + 1)/2 = 2 per query:
  // differences 2, 0, 1 → mean 1; recall (0 + 1)/2, 1, (0 + 1)/2 → differences −0.5, −1, 0.5 → mean −1/3.
  assert.equal(f.match, "training FLOPs");
  assert.ok(Math.abs(f.cgl.mean - 1) < 1e-12);
  assert.ok(Math.abs(f.recall!.mean + 1 / 3) < 1e-12);
  assert.ok(Math.abs(f.decN - 2000) < 1e-9);
});
