import { test } from "node:test";
import assert from "node:assert/strict";
import { gridSpecs, progressBar, createProgressPrinter, sortRecords, configHash } from "../../src/train";
import type { CheckpointRecord } from "../../src/records/types";

test("grid order: largest tier first, then seeds, then objectives", () => {
  const s = gridSpecs("mini", ["t0", "t3", "t1"], ["pointwise", "listwise"], [1]);
  assert.deepEqual(s.map((x) => `${x.tier}/${x.objective}`), ["t3/pointwise", "t3/listwise", "t1/pointwise", "t1/listwise", "t0/pointwise", "t0/listwise"]);
});

test("records sort by tier size, objective, seed, step", () => {
  const r = (tier: string, objective: CheckpointRecord["objective"], step: number) => ({ tier, objective, step, seed: 1 }) as CheckpointRecord;
  const out = sortRecords([r("t2", "listwise", 5), r("t0", "pairwise", 9), r("t2", "pointwise", 7), r("t0", "pairwise", 3)]);
  assert.deepEqual(out.map((x) => `${x.tier}/${x.objective}/${x.step}`), ["t0/pairwise/3", "t0/pairwise/9", "t2/pointwise/7", "t2/listwise/5"]);
});

test("progress bar and printer: 40% of 10 cells is 4 full cells; lines mode prints checkpoints and ends", () => {
  assert.equal(progressBar(0.4, 10), "████░░░░░░");
  assert.equal(progressBar(2, 4), "████");
  const out: string[] = [];
  const p = createProgressPrinter({ mode: "lines", write: (s) => out.push(s), totalRuns: 1 });
  const spec = { profile: "smoke", tier: "t0", objective: "pairwise" as const, seed: 1 };
  p({ spec, phase: "train", step: 1, steps: 2, loss: 0.7 });
  p({ spec, phase: "checkpoint", step: 2, steps: 2, metrics: { "ndcg@10": 0.5, map: 0.25, "mrr@10": 0.125, "ce@64": 4 } });
  p({ spec, phase: "done", step: 2, steps: 2 });
  assert.deepEqual(out, ["t0·pairwise step 2: ndcg@10 0.5000  map 0.2500  mrr@10 0.1250  ce@64 4.000\n", "t0·pairwise: done\n"]);
});

test("config hash is stable and sensitive", () => {
  assert.equal(configHash({ a: 1 }), configHash({ a: 1 }));
  assert.notEqual(configHash({ a: 1 }), configHash({ a: 2 }));
  assert.match(configHash([1, 2]), /^[0-9a-f]{8}$/);
});
