import { test } from "node:test";
import assert from "node:assert/strict";
import { allocationFigure, equalComputeFigure, forecastVsActualFigure, jointSlicesFigure, jointSurfaceFigure, lawFigure, logSpace } from "../../src/plots/laws";
import { allocationBands, bootstrapLaw, equalComputePairs, fitLaw, groupRuns, jointLawForecast, jointPowerLaw } from "../../src/laws";
import { syntheticRecords } from "../../src/records";

const records = syntheticRecords({ seed: 4, steps: [500, 1000, 2000, 3000, 4000, 5000] });

test("logSpace spans its ends geometrically", () => {
  const v = logSpace(1, 1000, 4); // 1, 10, 100, 1000
  [1, 10, 100, 1000].forEach((w, i) => assert.ok(Math.abs(v[i] / w - 1) < 1e-12));
});

test("law figures carry one trace per requested element and the data they were given", () => {
  const fig = lawFigure([
    { name: "a", train: { x: [1, 2], y: [3, 4] }, curve: { x: [1, 2], y: [3, 4] }, held: { x: [3], y: [5] }, forecast: { x: [3], y: [4.9], lo: [4.5], hi: [5.2] }, band: { x: [1, 2], lo: [2, 3], hi: [4, 5] } },
    { name: "b", train: { x: [1], y: [1] } },
  ], { title: "t", xTitle: "x", yTitle: "y", logX: true, divider: 2.5 });
  assert.equal(fig.data.length, 5 + 1);
  const fc = fig.data.find((d) => d.name === "a forecast") as { error_y: { array: number[]; arrayminus: number[] } };
  assert.ok(Math.abs(fc.error_y.array[0] - 0.3) < 1e-12 && Math.abs(fc.error_y.arrayminus[0] - 0.4) < 1e-12);
  assert.equal((fig.layout!.xaxis as { type: string }).type, "log");
  assert.equal((fig.layout!.shapes as unknown[]).length, 1);
});

test("joint-law, forecast, allocation and equal-compute figures build from real results", () => {
  const runs = groupRuns(records, "ndcg@10").filter((r) => r.objective === "pairwise");
  const data = { x: runs.flatMap((r) => r.steps.map((s) => [r.params, s])), y: runs.flatMap((r) => r.values) };
  const fit = fitLaw(jointPowerLaw("rising"), data, { starts: 8 });
  const surf = jointSurfaceFigure(fit, runs.slice(0, 4), runs.slice(4), { title: "s", metric: "ndcg@10", gridSize: 10 });
  assert.equal((surf.data[0].z as number[][]).length, 10);
  assert.equal((surf.data[2].z as number[]).length, 2 * 6); // two held-out tiers × 6 steps
  const slices = jointSlicesFigure(fit, runs, ["1b"], { title: "s", metric: "ndcg@10" });
  assert.equal(slices.data.length, 2 * runs.length + 3);
  const res = jointLawForecast(records, { metric: "ndcg@10", objectives: ["pairwise"], fit: { starts: 8 } });
  const fva = forecastVsActualFigure([{ name: "pairwise", points: res[0].points }], { title: "f", metric: "ndcg@10" });
  assert.equal((fva.data[1].x as number[]).length, res[0].points.length);
  const boot = bootstrapLaw(fit, data, { replicates: 20, seed: 1 });
  const alloc = allocationFigure([{ name: "pairwise", bands: allocationBands(fit.form, boot.params, [1e16, 1e18], 6 * 176 * 128) }], { title: "a" });
  assert.equal(alloc.data.length, 4);
  const eq = equalComputeFigure(equalComputePairs(records, "ndcg@10"), { title: "e", metric: "ndcg@10" });
  assert.equal(eq.data.length, 1 + 3);
});
