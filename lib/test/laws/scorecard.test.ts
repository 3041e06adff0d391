import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PAPER_FINDINGS,
  judgeFindings,
  measureFindings,
  reboundAfterMinimum,
  type FindingMeasurements,
} from "../../src/laws";
import { syntheticRecords, stepGrid } from "../../src/records";

/** Measurements that reproduce every finding (each rule's passing side), to be spoiled one at a time. */
function good(): FindingMeasurements {
  return {
    joint: {
      pointwise: { r2: 0.93, e: -0.15, c: -1.1, status: "ok" },
      pairwise: { r2: 0.91, e: -0.43, c: -1.2, status: "ok" },
      listwise: { r2: 0.95, e: -0.45, c: -1.1, status: "ok" },
    },
    modelMae: {
      pointwise: { value: 0.01, status: "ok" },
      pairwise: { value: 0.02, status: "ok" },
      listwise: { value: 0.024, status: "ok" },
    },
    conservative: { below: 9, total: 10 },
    relativeError: { "ndcg@10": 0.02, map: 0.03, "mrr@10": 0.05, "ce@64": 0.4 },
    dataShare: {
      pointwise: { value: 0.88, status: "ok" },
      pairwise: { value: 0.74, status: "ok" },
      listwise: { value: 0.71, status: "ok" },
    },
    equalCompute: {
      pointwise: { small: 3, large: 1, tie: 0 },
      pairwise: { small: 2, large: 1, tie: 0 },
      listwise: { small: 0, large: 4, tie: 0 },
    },
    ceRebound: { pairwise: { rebounding: 2, runs: 4 }, listwise: { rebounding: 0, runs: 4 } },
    dataMae: [0.005, 0.01, 0.03],
  };
}
const verdicts = (m: FindingMeasurements) =>
  Object.fromEntries(judgeFindings(m).map((r) => [r.id, r.verdict]));

test("scorecard rules: every finding reproduced on passing measurements, one row per published finding", () => {
  const rows = judgeFindings(good());
  assert.deepEqual(
    rows.map((r) => r.id),
    PAPER_FINDINGS.map((f) => f.id),
  );
  assert.ok(rows.length >= 9);
  for (const r of rows) assert.equal(r.verdict, "reproduced", `${r.id}: ${r.ours}`);
  assert.match(rows[0].ours, /^pointwise 0\.930, pairwise 0\.910, listwise 0\.950$/);
});

test("scorecard rules: each rule's partly and not-reproduced side (constructed measurements)", () => {
  // a flagged joint fit counts against both rows read from it
  const coupled: Record<string, string[]> = {
    "joint-r2": ["data-exponents"],
    "data-exponents": ["joint-r2"],
  };
  const cases: Array<[string, (m: FindingMeasurements) => void, string]> = [
    [
      "joint-r2",
      (m) => {
        m.joint.pairwise!.r2 = 0.85;
      },
      "partly",
    ],
    [
      "joint-r2",
      (m) => {
        m.joint.pairwise!.status = "weakly-identified";
      },
      "partly",
    ],
    [
      "joint-r2",
      (m) => {
        m.joint.pairwise!.r2 = 0.5;
      },
      "not reproduced",
    ],
    [
      "model-mae",
      (m) => {
        m.modelMae.listwise!.value = 0.04;
      },
      "partly",
    ],
    [
      "model-mae",
      (m) => {
        m.modelMae.listwise!.value = 0.19;
      },
      "not reproduced",
    ],
    [
      "conservative",
      (m) => {
        m.conservative = { below: 6, total: 10 };
      },
      "partly",
    ],
    [
      "conservative",
      (m) => {
        m.conservative = { below: 5, total: 10 };
      },
      "not reproduced",
    ], // half is not "more than half"
    [
      "data-exponents",
      (m) => {
        m.joint.listwise!.status = "at-bound";
      },
      "partly",
    ],
    [
      "data-exponents",
      (m) => {
        m.joint.pairwise!.e = -0.1;
      },
      "not reproduced",
    ], // pairwise −0.10 smaller than pointwise −0.15
    [
      "metrics",
      (m) => {
        m.relativeError.map = 0.06;
      },
      "partly",
    ], // MAP above MRR, but the mean of NDCG and MAP (0.04) is below that of CE and MRR
    [
      "metrics",
      (m) => {
        m.relativeError["ndcg@10"] = 0.9;
        m.relativeError.map = 0.9;
      },
      "not reproduced",
    ],
    [
      "allocation",
      (m) => {
        m.dataShare.pointwise!.value = 0.3;
      },
      "partly",
    ],
    [
      "allocation",
      (m) => {
        for (const o of ["pointwise", "pairwise", "listwise"] as const) m.dataShare[o]!.value = 0.4;
      },
      "not reproduced",
    ],
    [
      "equal-compute",
      (m) => {
        m.equalCompute.listwise = { small: 3, large: 1, tie: 0 };
      },
      "partly",
    ],
    [
      "equal-compute",
      (m) => {
        m.equalCompute.listwise = { small: 3, large: 1, tie: 0 };
        m.equalCompute.pairwise = { small: 0, large: 2, tie: 0 };
      },
      "not reproduced",
    ],
    [
      "pairwise-ce",
      (m) => {
        m.ceRebound.pairwise = { rebounding: 1, runs: 4 };
      },
      "partly",
    ],
    [
      "pairwise-ce",
      (m) => {
        m.ceRebound.pairwise = { rebounding: 0, runs: 4 };
      },
      "not reproduced",
    ],
    [
      "data-mae",
      (m) => {
        m.dataMae = [0.03, 0.03, 0.05];
      },
      "partly",
    ],
    [
      "data-mae",
      (m) => {
        m.dataMae = [0.1, 0.19, 0.05];
      },
      "not reproduced",
    ],
  ];
  for (const [id, spoil, want] of cases) {
    const m = good();
    spoil(m);
    const v = verdicts(m);
    assert.equal(v[id], want, `${id} after ${spoil.toString()}`);
    const status = /status/.test(spoil.toString());
    for (const [other, verdict] of Object.entries(v)) {
      if (other === id || (status && coupled[id]?.includes(other))) continue;
      assert.equal(verdict, "reproduced", `${other} changed with ${id}`);
    }
  }
});

test("rebound after the running minimum (worked by hand)", () => {
  assert.equal(reboundAfterMinimum([4, 3, 2, 1]), 0); // monotone: never above its minimum
  assert.ok(Math.abs(reboundAfterMinimum([4, 2, 2.5, 1.5, 3]) - 1.5) < 1e-12); // 3 − 1.5
  assert.equal(reboundAfterMinimum([1, 2]), 1);
});

test("measured on synthetic records drawn from the published laws: the joint-law findings reproduce", () => {
  const recs = syntheticRecords({ steps: stepGrid(100, 5000, 100), seed: 11 });
  const m = measureFindings(recs, { fit: { starts: 32 } });
  for (const o of ["pointwise", "pairwise", "listwise"] as const)
    assert.ok(m.joint[o]!.r2 > 0.9, `${o} R² ${m.joint[o]!.r2}`);
  const v = verdicts(m);
  assert.equal(
    v["data-exponents"] === "reproduced" || v["data-exponents"] === "partly",
    true,
    `pointwise has the smallest data exponent in the published laws: ${JSON.stringify(m.joint)}`,
  );
  assert.equal(m.dataMae.length, 6 * 3);
  assert.equal(m.conservative.total, 2 * 3 * 2); // 2 retrieval metrics (ndcg@10, map) × 3 objectives × 2 forecast tiers
  assert.deepEqual(Object.keys(m.relativeError).sort(), ["ce@64", "map", "ndcg@10"]);
});
