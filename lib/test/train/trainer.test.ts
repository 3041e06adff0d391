import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { selectBackend } from "../../src/backend";
import { prepareDataset } from "../../src/data";
import { TRAINER_METRICS } from "../../src/records";
import {
  BatchCursor,
  PROFILE_TRAIN_CONFIGS,
  buildTrainerData,
  checkpointSteps,
  runMetrics,
  runStatus,
  trainRun,
  type TrainConfig,
  type TrainerData,
} from "../../src/train";

let cached: TrainerData | null = null;
async function smokeData(): Promise<TrainerData> {
  if (!cached)
    cached = buildTrainerData(await prepareDataset({ profile: "smoke", seed: 1 }), {
      seqLen: 24,
      evalQueries: 4,
    });
  return cached;
}
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-train-"));

test("checkpoint steps: log spacing hand-worked, linear spacing, always ending at the last step", () => {
  // first 10, last 1000, 3 checkpoints: 10·100^(0/2) = 10, 10·100^(1/2) = 100, 1000
  assert.deepEqual(
    checkpointSteps({ steps: 1000, checkpoints: 3, checkpointSpacing: "log", firstCheckpoint: 10 }),
    [10, 100, 1000],
  );
  assert.deepEqual(
    checkpointSteps({ steps: 500, checkpoints: 5, checkpointSpacing: "linear", firstCheckpoint: 1 }),
    [100, 200, 300, 400, 500],
  );
  for (const p of Object.values(PROFILE_TRAIN_CONFIGS)) {
    const c = checkpointSteps(p.train);
    assert.equal(c[c.length - 1], p.train.steps);
  }
});

test("batch cursor: groups keep the positive first, every unit once per epoch, resume continues the stream", async () => {
  const data = await smokeData();
  const a = new BatchCursor(data, "group", 3, 5);
  const seen = new Set<string>();
  const batches = Math.ceil(data.numGroups / 3);
  for (let i = 0; i < batches - 1; i++) {
    const b = a.next();
    assert.equal(b.n, 33);
    for (let g = 0; g < 3; g++) {
      assert.equal(b.labels[g * 11], 1);
      assert.equal(
        b.labels.subarray(g * 11 + 1, g * 11 + 11).reduce((x, y) => x + y, 0),
        0,
      );
      seen.add(Array.from(b.ids.subarray(g * 11 * 24, g * 11 * 24 + 24)).join(","));
    }
  }
  assert.equal(seen.size, (batches - 1) * 3); // no group repeated within the epoch
  const st = a.getState();
  const next1 = [a.next(), a.next()]; // crosses into epoch 2
  const b = new BatchCursor(data, "group", 3, 5, st);
  const next2 = [b.next(), b.next()];
  assert.deepEqual(
    next2.map((x) => Array.from(x.ids)),
    next1.map((x) => Array.from(x.ids)),
  );
  // the pointwise view: rows, about 1 in 11 positive
  const r = new BatchCursor(data, "row", 110, 5).next();
  const pos = r.labels.reduce((x, y) => x + y, 0);
  assert.ok(pos >= 3 && pos <= 20, `positives ${pos}`);
});

test("BM25 baseline through the trainer's evaluation equals the first-stage run's metrics", async () => {
  const data = await smokeData();
  const m = runMetrics(data, data.evalFirstStage);
  assert.deepEqual(Object.keys(m), [...TRAINER_METRICS]); // the contract records of trainer profiles are checked against
  for (const k of TRAINER_METRICS) assert.ok(Number.isFinite(m[k]), k);
  assert.ok(m["ndcg@10"] > 0 && m["ndcg@10"] <= 1);
});

const tiny: TrainConfig = {
  steps: 6,
  groupsPerStep: 2,
  pairsPerStep: 8,
  checkpoints: 2,
  checkpointSpacing: "linear",
  firstCheckpoint: 1,
  schedule: { kind: "constant", peakLr: 1e-3, warmupSteps: 2 },
  adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clipNorm: 1 },
  saveEverySteps: 0,
  logEvery: 2,
};

test("a run writes one record per checkpoint with the accounting fields, and is skipped when complete", async () => {
  await selectBackend({ prefer: "wasm" });
  const data = await smokeData();
  const root = tmp();
  const spec = { profile: "smoke", tier: "t0", objective: "listwise" as const, seed: 3 };
  const o = await trainRun(spec, data, tiny, { root });
  assert.equal(o.status, "done");
  assert.deepEqual(
    o.records.map((r) => r.step),
    [3, 6],
  );
  const r = o.records[1];
  // 6 steps × 2 groups × 11 = 132 examples ; tokens = 132 × 24
  assert.equal(r.examples, 132);
  assert.equal(r.tokens, 132 * 24);
  assert.equal(r.backend, "wasm");
  assert.ok(r.params > 0 && r.totalParams > r.params && r.flops > 0);
  assert.equal(runStatus(root, spec, data, tiny), "done");
  const again = await trainRun(spec, data, tiny, { root });
  assert.equal(again.seconds, 0);
  assert.deepEqual(again.records, o.records);
  const lines = fs
    .readFileSync(path.join(root, "t0-listwise-s3", "records.jsonl"), "utf8")
    .trim()
    .split("\n");
  assert.equal(lines.length, 2);
});

test("a NaN/Inf loss marks the run failed with a clear message", async () => {
  await selectBackend({ prefer: "wasm" });
  const data = await smokeData();
  const root = tmp();
  // lr 1e30 with no clipping blows the weights up to Inf within a few steps
  const cfg = {
    ...tiny,
    steps: 20,
    schedule: { kind: "constant" as const, peakLr: 1e30, warmupSteps: 0 },
    adamw: { ...tiny.adamw, clipNorm: 0 },
  };
  const spec = { profile: "smoke", tier: "t0", objective: "pointwise" as const, seed: 1 };
  const o = await trainRun(spec, data, cfg, { root });
  assert.equal(o.status, "failed");
  assert.match(o.message!, /(loss|gradient norm) became (NaN|Infinity|-Infinity) at step \d+/);
  assert.ok(fs.existsSync(path.join(root, "t0-pointwise-s1", "failed.json")));
  assert.equal(runStatus(root, spec, data, cfg), "failed");
});
