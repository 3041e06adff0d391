import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  checkpointKey,
  findRecordFiles,
  DEFAULT_SYNTHETIC,
  appendCheckpointRecords,
  formatModelSize,
  fromAuthorRecord,
  jointLawValue,
  loadCheckpointRecords,
  metricFromAuthors,
  metricToAuthors,
  parseModelSize,
  readCheckpointRecords,
  recordsOrSynthetic,
  syntheticRecords,
  toAuthorRecord,
  writeCheckpointRecords,
  type AuthorRecord,
} from "../../src/records";
import { InputError } from "../../src/util/fsutil";
import { TRAINER_METRICS, lawRecords, recordsFrame, requireMetric } from "../../src/records";
import {
  dataLawForecast,
  equalComputePairs,
  groupRuns,
  jointLawForecast,
  modelLawForecast,
} from "../../src/laws";
import { exposureFigure, tierOrderByObjective } from "../../src/train";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-records-"));

test("JSONL round trip, recursive loading and append", () => {
  const dir = tmp();
  const recs = syntheticRecords({ steps: [500, 1000], tiers: [{ name: "t1", params: 1e6 }] });
  const f = path.join(dir, "runs", "a", "t1.records.jsonl");
  writeCheckpointRecords(f, recs.slice(0, 3));
  appendCheckpointRecords(f, recs.slice(3));
  assert.deepEqual(readCheckpointRecords(f), recs);
  writeCheckpointRecords(
    path.join(dir, "runs", "b.records.jsonl"),
    recs.slice(0, 1).map((r) => ({ ...r, seed: 99 })),
  );
  assert.equal(loadCheckpointRecords(path.join(dir, "runs")).length, recs.length + 1);
  assert.deepEqual(loadCheckpointRecords(path.join(dir, "missing")), []);
});

test("a bad line fails with file:line and a bad record is never written", () => {
  const dir = tmp();
  const [r] = syntheticRecords({
    steps: [500],
    tiers: [{ name: "t1", params: 1e6 }],
    objectives: ["pairwise"],
  });
  const f = path.join(dir, "bad.jsonl");
  fs.writeFileSync(f, `${JSON.stringify(r)}\n\n${JSON.stringify({ ...r, objective: "listmle" })}\n`);
  assert.throws(
    () => readCheckpointRecords(f),
    (e: unknown) =>
      e instanceof InputError &&
      (e as Error).message === `${f}:3: field "objective" must be one of pointwise, pairwise, listwise`,
  );
  fs.writeFileSync(f, `${JSON.stringify({ ...r, metrics: { "ndcg@10": "0.3" } })}\n`);
  assert.throws(() => readCheckpointRecords(f), /bad\.jsonl:1: metric "ndcg@10" must be a finite number/);
  const g = path.join(dir, "never.jsonl");
  assert.throws(
    () => writeCheckpointRecords(g, [r, { ...r, params: 0 }]),
    /record 1 not written: field "params" must be > 0/,
  );
  assert.equal(fs.existsSync(g), false);
});

test("model sizes and metric keys convert both ways", () => {
  assert.equal(parseModelSize("17m"), 17e6);
  assert.equal(parseModelSize("1b"), 1e9);
  assert.equal(parseModelSize("1.5B"), 1.5e9);
  assert.throws(() => parseModelSize("big"), /not like/);
  assert.equal(formatModelSize(17e6), "17m");
  assert.equal(formatModelSize(1e9), "1b");
  for (const [theirs, ours] of [
    ["CE64", "ce@64"],
    ["MAP", "map"],
    ["MRR", "mrr"],
    ["precision@10", "p@10"],
    ["ndcg@10", "ndcg@10"],
    ["recall@10", "recall@10"],
  ]) {
    assert.equal(metricFromAuthors(theirs), ours);
    assert.equal(metricToAuthors(ours), theirs);
  }
});

test("authors' layout converts to records and back", () => {
  const a: AuthorRecord = {
    model_size: "68m",
    loss_fn: "ranknet",
    step: 5000,
    "ndcg@10": 0.3547,
    MAP: 0.31,
    MRR: 0.32,
    CE64: 2.9,
    "precision@10": 0.055,
  };
  const r = fromAuthorRecord(a, { tokensPerPair: 100 });
  assert.equal(r.objective, "pairwise");
  assert.equal(r.params, 68e6);
  assert.equal(r.examples, 5000 * 176); // 16 queries × 11 passages per step
  assert.equal(r.tokens, 5000 * 176 * 100);
  assert.equal(r.flops, 6 * 68e6 * 5000 * 176 * 100);
  assert.deepEqual(r.metrics, { "ndcg@10": 0.3547, map: 0.31, mrr: 0.32, "ce@64": 2.9, "p@10": 0.055 });
  assert.deepEqual(toAuthorRecord(r), a);
  assert.equal(fromAuthorRecord({ model_size: "17m", loss_fn: "bce", step: 10 }).examples, 1280);
  assert.throws(() => fromAuthorRecord({ ...a, loss_fn: "lambda" as never }), /not listnet, ranknet or bce/);
});

test("synthetic records follow the configured law, seeded", () => {
  const exact = syntheticRecords({
    metrics: { "ndcg@10": { ...DEFAULT_SYNTHETIC.metrics["ndcg@10"], sd: 0 } },
  });
  assert.equal(exact.length, 6 * 3 * 20);
  const r = exact.find((x) => x.tier === "68m" && x.objective === "listwise" && x.step === 5000)!;
  // 0.4323 − 9.53e6·(68e6)^−1.082 − 2.633·5000^−0.449 = 0.4323 − 0.0319 − 0.0575 = 0.3429 (derived from the joint fit: 0.343)
  assert.ok(Math.abs(r.metrics["ndcg@10"] - 0.3429) < 1e-4);
  assert.equal(
    r.metrics["ndcg@10"],
    jointLawValue(DEFAULT_SYNTHETIC.metrics["ndcg@10"].laws.listwise, 68e6, 5000),
  );
  assert.equal(r.flops, 6 * 68e6 * 5000 * 176 * 128);
  const a = syntheticRecords({ seed: 1 }),
    b = syntheticRecords({ seed: 1 }),
    c = syntheticRecords({ seed: 2 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(
    a.map((x) => x.metrics["ndcg@10"]),
    c.map((x) => x.metrics["ndcg@10"]),
  );
  // noise has the configured sd
  const res = a.map((x, i) => x.metrics["ndcg@10"] - exact[i].metrics["ndcg@10"]);
  const sd = Math.sqrt(res.reduce((s, v) => s + v * v, 0) / res.length);
  assert.ok(Math.abs(sd / 0.004 - 1) < 0.15, `noise sd ${sd}`);
});

test("records are narrowed to one profile, evaluation set and seed; synthetic when none exist", () => {
  const dir = tmp();
  const base = syntheticRecords({
    steps: [500, 1000],
    tiers: [{ name: "t1", params: 1e6 }],
    objectives: ["listwise"],
  });
  const full = Object.fromEntries(TRAINER_METRICS.map((k) => [k, 0.5])); // trainer profiles' records carry every trainer metric
  const mk = (profile: string, evalSet: string, seed: number) =>
    base.map((r) => ({
      ...r,
      profile: profile,
      evalSet: evalSet,
      seed: seed,
      metrics: { ...full, ...r.metrics },
    }));
  writeCheckpointRecords(path.join(dir, "runs", "mini.records.jsonl"), [
    ...mk("mini", "dev", 1),
    ...mk("mini", "test", 1),
    ...mk("mini", "dev", 2).slice(0, 1),
  ]);
  writeCheckpointRecords(path.join(dir, "runs", "smoke.records.jsonl"), mk("smoke", "dev", 1));
  const s = recordsOrSynthetic(path.join(dir, "runs"), {}, { profile: "mini", evalSet: "dev" });
  assert.equal(s.synthetic, false);
  assert.deepEqual(s.selection, { profile: "mini", evalSet: "dev", seed: 1, dropped: 2 + 2 + 1 });
  assert.equal(s.records.length, 2);
  const none = recordsOrSynthetic(path.join(dir, "nothing"), { steps: [500] });
  assert.equal(none.synthetic, true);
  assert.equal(none.records.length, 6 * 3 * 1);
});

test("loading skips loss logs and the authors' layout file and keeps a checkpoint found in two files once", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rec-dedupe-"));
  const recs = syntheticRecords({ seed: 3 }).slice(0, 4);
  fs.mkdirSync(path.join(dir, "t0-listwise-s1"));
  writeCheckpointRecords(path.join(dir, "t0-listwise-s1", "records.jsonl"), recs.slice(0, 2));
  writeCheckpointRecords(path.join(dir, "records.jsonl"), recs);
  fs.writeFileSync(
    path.join(dir, "records.authors.jsonl"),
    JSON.stringify({ model_size: "17m", loss_fn: "bce", step: 1 }) + "\n",
  );
  fs.writeFileSync(
    path.join(dir, "t0-listwise-s1", "loss.jsonl"),
    JSON.stringify({ step: 10, loss: 0.69 }) + "\n",
  );
  assert.deepEqual(
    findRecordFiles(dir).map((f) => path.relative(dir, f)),
    ["records.jsonl", path.join("t0-listwise-s1", "records.jsonl")],
  );
  const loaded = loadCheckpointRecords(dir);
  assert.equal(loaded.length, 4);
  assert.deepEqual(loaded.map(checkpointKey).sort(), recs.map(checkpointKey).sort());
  const source = recordsOrSynthetic(dir); // what notebooks 04–06 fit: each checkpoint once, not 4 + 2
  assert.equal(source.records.length, 4);
  assert.equal(source.selection.dropped, 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a record missing a metric, or with none, is an error naming file and line (never a silent drop)", () => {
  const dir = tmp();
  const [a, b] = syntheticRecords({
    steps: [500, 1000],
    tiers: [{ name: "t1", params: 1e6 }],
    objectives: ["pairwise"],
  });
  const f = path.join(dir, "records.jsonl");
  const { map: _drop, ...noMap } = b.metrics;
  fs.writeFileSync(f, `${JSON.stringify(a)}\n${JSON.stringify({ ...b, metrics: noMap })}\n`);
  assert.throws(
    () => readCheckpointRecords(f),
    (e: unknown) =>
      (e as Error).message === `${f}:2: metrics differ from the file's first record: this one lacks map`,
  );
  fs.writeFileSync(f, `${JSON.stringify({ ...a, metrics: {} })}\n`);
  assert.throws(
    () => readCheckpointRecords(f),
    new RegExp(`${f.replace(/[.]/g, "\\.")}:1: field "metrics" is empty`),
  );
  // a trainer profile's record must carry every trainer metric
  fs.writeFileSync(
    f,
    `${JSON.stringify({ ...a, profile: "smoke", metrics: { "ndcg@10": 0.5, map: 0.4 } })}\n`,
  );
  assert.throws(
    () => readCheckpointRecords(f),
    /:1: a smoke record must have every trainer metric \(ndcg@10, map, mrr@10, recall@10, p@10, ce@32, ce@64, ce@100\); missing mrr@10, recall@10, p@10, ce@32, ce@64, ce@100/,
  );
  assert.throws(
    () => writeCheckpointRecords(path.join(dir, "never.jsonl"), [a, { ...b, metrics: noMap }]),
    /record 1 not written: metrics differ/,
  );
});

test("an unknown metric in the public API throws and lists the metrics present", () => {
  const recs = syntheticRecords({
    steps: [500, 1000, 1500],
    tiers: [
      { name: "t1", params: 1e6 },
      { name: "t2", params: 4e6 },
    ],
    objectives: ["pairwise"],
  });
  const present = /the records have ndcg@10, map, ce@64/;
  assert.throws(
    () => requireMetric(recs, "ndcg@100"),
    /unknown metric "ndcg@100": the records have ndcg@10, map, ce@64/,
  );
  assert.throws(() => dataLawForecast(recs, { metric: "ndcg@100" }), present);
  assert.throws(() => modelLawForecast(recs, { metric: "ndcg@100" }), present);
  assert.throws(() => jointLawForecast(recs, { metric: "ndcg@100" }), present);
  assert.throws(() => equalComputePairs(recs, "ndcg@100"), present);
  assert.throws(() => tierOrderByObjective(recs, "ndcg@100"), present);
  assert.throws(() => exposureFigure(recs, "ndcg@100"), present);
  const mixed = [...recs.slice(0, 5), { ...recs[5], metrics: { map: 0.3 } }];
  assert.throws(
    () => groupRuns(mixed, "ndcg@10"),
    /metric "ndcg@10" is missing from 1 of 6 records \(first: tier t2, pairwise, step 1500, seed 2026\)/,
  );
});

test("lawRecords: training records when they carry the protocols, else synthetic with the reason", () => {
  const dir = tmp();
  const few = syntheticRecords({ steps: [500, 1000, 1500], seed: 3 }).map((r) => ({
    ...r,
    profile: "synthetic-train",
  }));
  writeCheckpointRecords(path.join(dir, "records.jsonl"), few);
  const s = lawRecords(dir, { synthetic: { seed: 9 } });
  assert.equal(s.synthetic, true);
  assert.match(s.fallbackReason, /have 6 tier\(s\) and as few as 3 checkpoint\(s\) per run and metric/);
  const many = syntheticRecords({ steps: Array.from({ length: 10 }, (_, i) => 500 * (i + 1)), seed: 3 }).map(
    (r) => ({ ...r, profile: "synthetic-train" }),
  );
  writeCheckpointRecords(path.join(dir, "records.jsonl"), many);
  const t = lawRecords(dir);
  assert.equal(t.synthetic, false);
  assert.equal(t.fallbackReason, "");
  assert.equal(t.records.length, many.length);
});

test("recordsFrame: one column per field and metric, final marks each run's last checkpoint", () => {
  const recs = syntheticRecords({
    steps: [500, 1000],
    tiers: [{ name: "t1", params: 1e6 }],
    objectives: ["pairwise", "listwise"],
    seed: 7,
  });
  const f = recordsFrame(recs);
  assert.deepEqual(Object.keys(f), [
    "tier",
    "params",
    "objective",
    "seed",
    "step",
    "examples",
    "tokens",
    "flops",
    "wallSeconds",
    "final",
    "ndcg@10",
    "map",
    "ce@64",
  ]);
  assert.deepEqual(f.objective, ["pairwise", "pairwise", "listwise", "listwise"]);
  assert.deepEqual(f.final, [false, true, false, true]);
  assert.deepEqual(
    f["ndcg@10"],
    recs.map((r) => r.metrics["ndcg@10"]),
  );
  for (const c of Object.values(f)) assert.equal(c.length, recs.length);
});
