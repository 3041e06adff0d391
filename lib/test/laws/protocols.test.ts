import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dataLawForecast,
  groupRuns,
  jointLawForecast,
  leaveOneTierOut,
  metricDirection,
  modelLawForecast,
  protocolWindows,
} from "../../src/laws";
import { PROFILE_TRAIN_CONFIGS, checkpointSteps } from "../../src/train";
import { DEFAULT_SYNTHETIC, stepGrid, syntheticRecords } from "../../src/records";

const records = syntheticRecords({ seed: 7, steps: stepGrid(500, 5000, 500) });

test("metric direction: CE and losses fall, retrieval metrics rise", () => {
  assert.equal(metricDirection("ce@64"), "falling");
  assert.equal(metricDirection("train_loss"), "falling");
  assert.equal(metricDirection("ndcg@10"), "rising");
});

test("runs are grouped per (tier, objective) and sorted", () => {
  const runs = groupRuns(records, "ndcg@10");
  assert.equal(runs.length, 6 * 3);
  assert.deepEqual(runs[0].steps, stepGrid(500, 5000, 500));
  assert.ok(runs.every((r, i) => i === 0 || runs[i - 1].params <= r.params));
});

test("joint-law protocol on synthetic records recovers the true law and forecasts the large tiers", () => {
  const res = jointLawForecast(records, { metric: "ndcg@10" });
  assert.equal(res.length, 3);
  for (const r of res) {
    assert.deepEqual(r.trainTiers, ["17m", "32m", "68m", "150m"]);
    assert.deepEqual(r.testTiers, ["400m", "1b"]);
    assert.equal(r.points.length, 2 * 10);
    const truth = DEFAULT_SYNTHETIC.metrics["ndcg@10"].laws[r.objective];
    // exponents within 4 standard errors of the truth
    for (const j of [2, 4])
      assert.ok(
        Math.abs(r.fit.params[j] - truth[j]) < 4 * r.fit.stderr[j],
        `${r.objective} ${r.fit.form.params[j]} ${r.fit.params[j]} ± ${r.fit.stderr[j]} vs ${truth[j]}`,
      );
    // the law is right, so forecast errors are noise-sized (σ = 0.004) plus extrapolation error
    assert.ok(r.errors.mae < 0.012, `${r.objective} MAE ${r.errors.mae}`);
    assert.ok(r.gof.r2 > 0.9, `${r.objective} R² ${r.gof.r2}`);
  }
});

test("model-law protocol fits the last 10 checkpoints of the small tiers", () => {
  const res = modelLawForecast(records, { metric: "ndcg@10", bootstrap: 50, seed: 1 });
  for (const r of res) {
    assert.equal(r.train.y.length, 4 * 10);
    assert.equal(r.points.length, 2);
    for (const p of r.points) {
      assert.ok(p.actualSd > 0);
      assert.ok(p.bootstrap && p.bootstrap.lo <= p.bootstrap.hi);
      assert.ok(p.delta.lo <= p.forecast && p.forecast <= p.delta.hi);
      assert.equal(p.error, p.actual - p.forecast);
    }
  }
});

test("data-law protocol holds out the last 5 checkpoints of each run", () => {
  const res = dataLawForecast(records, { metric: "ndcg@10", objectives: ["pairwise"] });
  assert.equal(res.length, 6);
  for (const r of res) {
    assert.equal(r.train.y.length, 5);
    assert.deepEqual(
      r.points.map((p) => p.step),
      [3000, 3500, 4000, 4500, 5000],
    );
    assert.ok(r.errors.mae < 0.02, `${r.trainTiers[0]} MAE ${r.errors.mae}`);
  }
});

test("leave-one-tier-out fits without each tier and tests on it", () => {
  const res = leaveOneTierOut(records, { metric: "ce@64", objectives: ["listwise"] });
  assert.equal(res.length, 6);
  for (const r of res) {
    assert.equal(r.testTiers.length, 1);
    assert.ok(!r.trainTiers.includes(r.testTiers[0]));
    assert.equal(r.fit.form.name, "joint-falling");
    assert.ok(r.errors.mae < 0.05, `${r.testTiers[0]} MAE ${r.errors.mae}`);
  }
});

test("protocol windows: on the mini layout the model law's last 10 are the final 20 % of training, the data law's 5 the final 10 %", () => {
  const cfg = PROFILE_TRAIN_CONFIGS.mini.train;
  const steps = checkpointSteps(cfg);
  // 50 checkpoints every 12 steps: 12, 24, …, 600
  assert.equal(steps.length, 50);
  assert.deepEqual(steps.slice(0, 3), [12, 24, 36]);
  assert.equal(steps[49], 600);
  const w = protocolWindows(steps);
  assert.deepEqual(w.model.steps, [492, 504, 516, 528, 540, 552, 564, 576, 588, 600]);
  assert.equal(w.model.finalShare, (600 - 480) / 600); // 0.20 ≤ 0.25
  assert.deepEqual(w.data.steps, [552, 564, 576, 588, 600]);
  assert.equal(w.data.finalShare, (600 - 540) / 600); // 0.10 ≤ 0.15
  // the former layout: 10 log-spaced checkpoints 25 … 400 — the model law's window is the whole run
  const log = checkpointSteps({ steps: 400, checkpoints: 10, checkpointSpacing: "log", firstCheckpoint: 25 });
  assert.equal(protocolWindows(log).model.finalShare, 1);
  // the paper's: every 100 steps to 5,000
  const paper = protocolWindows(
    checkpointSteps({ steps: 5000, checkpoints: 50, checkpointSpacing: "linear", firstCheckpoint: 100 }),
  );
  assert.equal(paper.model.finalShare, 0.2);
  assert.equal(paper.data.finalShare, 0.1);
});
