import { test } from "node:test";
import assert from "node:assert/strict";
import {
  allocationFigure,
  equalComputeFigure,
  forecastVsActualFigure,
  isoFlopFigure,
  jointSlicesFigure,
  jointSlicesGridFigure,
  jointSurfaceFigure,
  jointSurfacesFigure,
  lawFigure,
  logSpace,
  metricGridFigure,
  metricLabel,
  paperGridMetrics,
  tableFigure,
} from "../../src/plots/laws";
import {
  allocationBands,
  bootstrapLaw,
  equalComputePairs,
  fitLaw,
  groupRuns,
  jointLawForecast,
  jointPowerLaw,
} from "../../src/laws";
import { syntheticRecords } from "../../src/records";

const records = syntheticRecords({ seed: 4, steps: [500, 1000, 2000, 3000, 4000, 5000] });

test("logSpace spans its ends geometrically", () => {
  const v = logSpace(1, 1000, 4); // 1, 10, 100, 1000
  [1, 10, 100, 1000].forEach((w, i) => assert.ok(Math.abs(v[i] / w - 1) < 1e-12));
});

test("law figures carry one trace per requested element and the data they were given", () => {
  const fig = lawFigure(
    [
      {
        name: "a",
        train: { x: [1, 2], y: [3, 4] },
        curve: { x: [1, 2], y: [3, 4] },
        held: { x: [3], y: [5] },
        forecast: { x: [3], y: [4.9], lo: [4.5], hi: [5.2] },
        band: { x: [1, 2], lo: [2, 3], hi: [4, 5] },
      },
      { name: "b", train: { x: [1], y: [1] } },
    ],
    { title: "t", xTitle: "x", yTitle: "y", logX: true, divider: 2.5 },
  );
  assert.equal(fig.data.length, 5 + 1);
  const fc = fig.data.find((d) => d.name === "a forecast") as {
    error_y: { array: number[]; arrayminus: number[] };
  };
  assert.ok(Math.abs(fc.error_y.array[0] - 0.3) < 1e-12 && Math.abs(fc.error_y.arrayminus[0] - 0.4) < 1e-12);
  assert.equal((fig.layout!.xaxis as { type: string }).type, "log");
  assert.equal((fig.layout!.shapes as unknown[]).length, 1);
});

test("joint-law, forecast, allocation and equal-compute figures build from real results", () => {
  const runs = groupRuns(records, "ndcg@10").filter((r) => r.objective === "pairwise");
  const data = {
    x: runs.flatMap((r) => r.steps.map((s) => [r.params, s])),
    y: runs.flatMap((r) => r.values),
  };
  const fit = fitLaw(jointPowerLaw("rising"), data, { starts: 8 });
  const surf = jointSurfaceFigure(fit, runs.slice(0, 4), runs.slice(4), {
    title: "s",
    metric: "ndcg@10",
    gridSize: 10,
  });
  assert.equal((surf.data[0].z as number[][]).length, 10);
  assert.equal((surf.data[2].z as number[]).length, 2 * 6); // two held-out tiers × 6 steps
  const slices = jointSlicesFigure(fit, runs, ["1b"], { title: "s", metric: "ndcg@10" });
  assert.equal(slices.data.length, 2 * runs.length + 3);
  const res = jointLawForecast(records, { metric: "ndcg@10", objectives: ["pairwise"], fit: { starts: 8 } });
  const fva = forecastVsActualFigure([{ name: "pairwise", points: res[0].points }], {
    title: "f",
    metric: "ndcg@10",
  });
  assert.equal((fva.data[1].x as number[]).length, res[0].points.length);
  const boot = bootstrapLaw(fit, data, { replicates: 20, seed: 1 });
  const alloc = allocationFigure(
    [{ name: "pairwise", bands: allocationBands(fit.form, boot.params, [1e16, 1e18], 6 * 176 * 128) }],
    { title: "a" },
  );
  assert.equal(alloc.data.length, 4);
  const eq = equalComputeFigure(equalComputePairs(records, "ndcg@10"), { title: "e", metric: "ndcg@10" });
  assert.equal(eq.data.length, 1 + 3);
});

test("metric labels and the paper's grid order", () => {
  assert.equal(metricLabel("ndcg@10"), "NDCG@10");
  assert.equal(metricLabel("recall@10"), "Recall@10");
  assert.equal(metricLabel("ce@64"), "CE@64 (nats)");
  assert.equal(metricLabel("map"), "MAP");
  assert.equal(metricLabel("something_else"), "something_else");
  // rahulseetharaman/cross-encoder-scaling plots: NDCG@10, Recall@10, MAP, MRR, CE, P@10; MRR@10 preferred over MRR, missing ones dropped
  assert.deepEqual(
    paperGridMetrics(["p@10", "ce@100", "map", "mrr", "mrr@10", "ndcg@10", "recall@10", "ce@64", "ce@32"]),
    ["ndcg@10", "recall@10", "map", "mrr@10", "ce@64", "p@10"],
  );
  assert.deepEqual(paperGridMetrics(["ce@100", "ce@32", "mrr"]), ["mrr", "ce@32"]);
  assert.deepEqual(paperGridMetrics(["ce@64", "map", "ndcg@10"]), ["ndcg@10", "map", "ce@64"]);
});

test("metric grid: one axis pair and title per panel, legend entries only from the first panel, dividers per panel", () => {
  const s = (name: string) => ({
    name,
    train: { x: [1, 2], y: [1, 2] },
    curve: { x: [1, 2], y: [1, 2] },
    held: { x: [3], y: [3] },
    forecast: { x: [3], y: [2.9] },
  });
  const panels = ["ndcg@10", "recall@10", "map", "mrr@10", "ce@64"].map((m, i) => ({
    metric: m,
    series: [s("listwise"), s("pairwise")],
    divider: i === 4 ? undefined : 2.5,
  }));
  const fig = metricGridFigure(panels, { title: "g", xTitle: "step" });
  assert.equal(fig.data.length, 5 * 2 * 4);
  assert.equal(fig.data.filter((d) => d.showlegend !== false).length, 2 * 4); // first panel only
  assert.deepEqual(
    fig.data.filter((d) => d.xaxis === "x5").map((d) => d.yaxis),
    Array(8).fill("y5"),
  );
  const L = fig.layout!;
  // 5 panels in 3 columns = 2 rows; panel 4 starts the second row at the left edge
  assert.deepEqual((L.xaxis4 as { domain: number[] }).domain, (L.xaxis as { domain: number[] }).domain);
  assert.ok((L.yaxis4 as { domain: number[] }).domain[1] < (L.yaxis as { domain: number[] }).domain[0]);
  assert.equal((L.shapes as unknown[]).length, 4);
  assert.deepEqual(
    (L.annotations as { text: string }[]).map((a) => a.text),
    ["<b>NDCG@10</b>", "<b>Recall@10</b>", "<b>MAP</b>", "<b>MRR@10</b>", "<b>CE@64 (nats)</b>"],
  );
});

test("multi-panel joint surfaces and slices carry every checkpoint and the law's predictions", () => {
  const res = jointLawForecast(records, { metric: "ndcg@10", fit: { starts: 8 } });
  const runs = groupRuns(records, "ndcg@10");
  const panels = res.map((r) => ({
    name: r.objective,
    fit: r.fit,
    r2Train: r.gof.r2,
    r2Test: r.testR2,
    train: runs.filter((u) => u.objective === r.objective && !r.testTiers.includes(u.tier)),
    test: runs.filter((u) => u.objective === r.objective && r.testTiers.includes(u.tier)),
  }));
  const surf = jointSurfacesFigure(panels, { title: "s", metric: "ndcg@10", gridSize: 5 });
  assert.equal(surf.data.filter((d) => d.type === "surface").length, 3);
  // every checkpoint appears once as a point: 6 tiers × 6 steps per objective
  const pts = surf.data.filter((d) => d.type === "scatter3d" && d.legendgroup !== "pred");
  assert.equal(
    pts.reduce((n, d) => n + (d.z as number[]).length, 0),
    3 * 6 * 6,
  );
  const pred = surf.data.filter((d) => d.legendgroup === "pred");
  const p0 = panels[0];
  const r1b = p0.test[p0.test.length - 1];
  assert.equal(
    (pred[0].z as number[])[(pred[0].z as number[]).length - 1],
    p0.fit.form.f(p0.fit.params, [r1b.params, r1b.steps[r1b.steps.length - 1]]),
  );
  assert.ok(["scene", "scene2", "scene3"].every((k) => k in surf.layout!));
  const sl = jointSlicesGridFigure(panels, { title: "s", metric: "ndcg@10" });
  // per objective: 2 traces per tier + band, law and last-checkpoint traces
  assert.equal(sl.data.length, 3 * (2 * 6 + 3));
  const band = sl.data.find((d) => d.yaxis === "y2" && d.fill === "toself")!;
  assert.equal((band.x as number[]).length, 2 * 60);
});

test("table figure and iso-FLOP y range", () => {
  const t = tableFigure(
    ["a", "b"],
    [
      ["x", 0.123456],
      ["y", null],
    ],
    { title: "t" },
  );
  assert.deepEqual((t.data[0].cells as { values: string[][] }).values, [
    ["x", "y"],
    ["0.1235", "–"],
  ]);
  // rising law: optima 0.3 and 0.4 (spread 0.1); the axis runs from 0.3 − 0.1 to the best point + 0.01
  const fig = isoFlopFigure(
    [
      {
        C: 1,
        points: [
          { N: 1, y: -5 },
          { N: 2, y: 0.3 },
        ],
        optimum: { N: 2, y: 0.3 },
      },
      {
        C: 2,
        points: [
          { N: 1, y: 0.1 },
          { N: 3, y: 0.4 },
        ],
        optimum: { N: 3, y: 0.4 },
      },
    ],
    { title: "i", metric: "ndcg@10" },
  );
  const r = (fig.layout!.yaxis as { range: number[] }).range;
  assert.ok(Math.abs(r[0] - 0.2) < 1e-12 && Math.abs(r[1] - 0.41) < 1e-12, `${r}`);
});
