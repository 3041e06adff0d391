/**
 * Pretrained tiers through the trainer ("a fine-tuning run from a loaded checkpoint on
 * the embedded collection works end to end on smoke"): the committed tiny BERT and ModernBERT
 * checkpoints are fine-tuned by `trainRun` on the smoke collection tokenised with their own
 * tokenizer.json, evaluated at checkpoints and recorded under their tier names; a run stopped
 * after a saved state resumes to the records of an uninterrupted run; a changed tokenizer
 * restarts a run; the grid runner (two worker processes) trains pretrained tiers given in
 * `pretrainedTiers`; and the CLI trains a checkpoint folder given with --pretrained.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { selectBackend } from "../../src/backend";
import { prepareDataset, type Dataset } from "../../src/data/dataset";
import { loadCheckpointRecords, readCheckpointRecords } from "../../src/records/jsonl";
import { loadPretrainedEncoder } from "../../src/pretrained";
import {
  PROFILE_TRAIN_CONFIGS,
  buildTrainerData,
  checkpointSteps,
  evaluateModel,
  loadTrainedModel,
  runDir,
  runGrid,
  runStatus,
  sortRecords,
  trainRun,
  type RunSpec,
  type TrainConfig,
  type TrainerData,
} from "../../src/train";

const FIX = path.join(__dirname, "..", "fixtures", "pretrained");
const repo = path.resolve(__dirname, "..", "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-pretrained-train-"));
let ds: Dataset;
const dataCache = new Map<string, TrainerData>();
const dataFor = (folder: string): TrainerData => {
  let d = dataCache.get(folder);
  if (!d)
    dataCache.set(
      folder,
      (d = buildTrainerData(ds, { seqLen: 32, evalQueries: 4, depth: 20, tokenizerFolder: folder })),
    );
  return d;
};

before(async () => {
  await selectBackend({ prefer: "wasm" });
  ds = await prepareDataset({ profile: "smoke", seed: 1, dir: path.join(tmp, "data") });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// 6 steps of 2 groups × 11 rows; checkpoints at steps 3 and 6; a state also every 2 steps.
const cfg: TrainConfig = {
  steps: 6,
  groupsPerStep: 2,
  pairsPerStep: 8,
  checkpoints: 2,
  checkpointSpacing: "linear",
  firstCheckpoint: 1,
  schedule: { kind: "constant", peakLr: 1e-3, warmupSteps: 2 },
  adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clipNorm: 1 },
  saveEverySteps: 2,
  logEvery: 2,
};

/**
 * Hand-worked parameter counts and training FLOPs per example at T = 32 (nonEmbedding N).
 * bert-tiny (vocab 96, d 32, 2 layers, FFN 64, 64 positions, 2 types):
 *   embedding = (96 + 64 + 2)·32 = 5184; embedding LayerNorm 2·32 = 64;
 *   per layer: q,k,v 3·(32·32 + 32) = 3168, attention output 1056, LN 64, FFN in 64·32 + 64 = 2112,
 *   FFN out 32·64 + 32 = 2080, LN 64 → 8544; ×2 = 17088; pooler 1056; classifier 32 + 1 = 33
 *   N = 64 + 17088 + 1056 + 33 = 18241, total = 18241 + 5184 = 23425;
 *   FLOPs = 6·N·T + 12·d·T·ΣT_l = 6·18241·32 + 12·32·32·(32 + 32) = 3502272 + 786432 = 4288704.
 * modernbert-tiny (vocab 272, d 32, 3 layers, GeGLU 48, no biases, global every 2nd layer, window 8):
 *   embedding = 272·32 = 8704; embedding norm 32;
 *   layer 0: Wqkv 96·32 = 3072, Wo 1024, mlp_norm 32, Wi 96·32 = 3072, Wo 32·48 = 1536 → 8736;
 *   layers 1, 2 add attn_norm 32 → 8768 each; final_norm 32; head dense 1024, head norm 32;
 *   classifier 32 + 1 = 33
 *   N = 32 + 8736 + 2·8768 + 32 + 1024 + 32 + 33 = 27425, total = 27425 + 8704 = 36129;
 *   keys per layer: global 32, local min(32, 2·⌊8/2⌋ + 1) = 9 → Σ = 32 + 9 + 32 = 73;
 *   FLOPs = 6·27425·32 + 12·32·32·73 = 5265600 + 897024 = 6162624.
 */
const FIXTURES = [
  { name: "bert-tiny", nonEmbedding: 18241, total: 23425, flopsPerExample: 4288704 },
  { name: "modernbert-tiny", nonEmbedding: 27425, total: 36129, flopsPerExample: 6162624 },
];

const withoutWall = (rs: ReadonlyArray<object>) => rs.map((r) => ({ ...r, wallSeconds: 0 }));

for (const fx of FIXTURES) {
  test(`${fx.name}: trainRun fine-tunes the checkpoint on smoke and records it as tier "${fx.name}"`, async () => {
    const folder = path.join(FIX, fx.name);
    const data = dataFor(folder);
    assert.equal(data.tokenizer?.folder, folder);
    const root = path.join(tmp, `run-${fx.name}`);
    const spec: RunSpec = {
      profile: "smoke",
      tier: fx.name,
      objective: "listwise",
      seed: 3,
      pretrained: folder,
    };
    const o = await trainRun(spec, data, cfg, { root });
    assert.equal(o.status, "done");
    assert.deepEqual(
      o.records.map((r) => r.step),
      [3, 6],
    );

    // The counts are those of the loaded weights (checkpoint + fresh 1-logit head).
    const loaded = loadPretrainedEncoder(folder, { freshHead: true });
    let total = 0,
      embedding = 0;
    for (const s of loaded.specs) {
      const n = loaded.weights.get(s.name)!.size;
      total += n;
      if (s.role === "embedding") embedding += n;
    }
    loaded.dispose();
    assert.equal(total, fx.total);
    assert.equal(total - embedding, fx.nonEmbedding);

    const r = o.records[1];
    assert.equal(r.tier, fx.name);
    assert.equal(r.params, fx.nonEmbedding);
    assert.equal(r.totalParams, fx.total);
    // 6 steps × 2 groups × 11 rows = 132 examples of 32 tokens
    assert.equal(r.examples, 132);
    assert.equal(r.tokens, 132 * 32);
    assert.equal(r.flops, 132 * fx.flopsPerExample);
    assert.equal(r.backend, "wasm");
    for (const [k, v] of Object.entries(r.metrics)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
    assert.ok(r.metrics["ndcg@10"] >= 0 && r.metrics["ndcg@10"] <= 1);

    // Files: records under the tier's run folder, a finite loss curve, the tokenizer hash in the identity.
    const dir = runDir(root, spec);
    assert.equal(path.basename(dir), `${fx.name}-listwise-s3`);
    assert.deepEqual(readCheckpointRecords(path.join(dir, "records.jsonl")), o.records);
    const losses = fs
      .readFileSync(path.join(dir, "loss.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { step: number; loss: number });
    assert.deepEqual(
      losses.map((l) => l.step),
      [2, 4, 6],
    );
    for (const l of losses) assert.ok(Number.isFinite(l.loss) && l.loss > 0, `loss ${l.loss}`);
    const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
    assert.equal(config.data.tokenizer, data.tokenizer!.sha256);
    assert.match(config.pretrained.tokenizer, /^[0-9a-f]{64}$/);
    assert.equal(runStatus(root, spec, data, cfg), "done");

    // The final weights load back (checkpoint architecture + fine-tuned values) and give the last record's metrics.
    const model = loadTrainedModel(root, spec, data, cfg);
    const { metrics } = await evaluateModel(model, data);
    model.dispose();
    assert.deepEqual(metrics, r.metrics);
  });
}

for (const fx of FIXTURES) {
  test(`${fx.name}: a pretrained run stopped after a saved state resumes to the records of an uninterrupted run`, async () => {
    const folder = path.join(FIX, fx.name);
    const data = dataFor(folder);
    const spec: RunSpec = {
      profile: "smoke",
      tier: fx.name,
      objective: "pairwise",
      seed: 5,
      pretrained: folder,
    };
    const whole = await trainRun(spec, data, cfg, { root: path.join(tmp, `whole-${fx.name}`) });
    assert.equal(whole.status, "done");

    // Stop during step 5 (its loss is reported, its state is not saved): the last state is step 4's.
    const root = path.join(tmp, `stopped-${fx.name}`);
    await assert.rejects(
      trainRun(spec, data, cfg, {
        root,
        onProgress: (p) => {
          if (p.phase === "train" && p.step === 5) throw new Error("stopped");
        },
      }),
      /stopped/,
    );
    const dir = runDir(root, spec);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")).step, 4);
    assert.ok(fs.existsSync(path.join(dir, "state-4.bin")));
    assert.ok(!fs.existsSync(path.join(dir, "done.json")));
    assert.equal(runStatus(root, spec, data, cfg), "partial");
    assert.equal(readCheckpointRecords(path.join(dir, "records.jsonl")).length, 1); // step 3 only

    const resumed = await trainRun(spec, data, cfg, { root });
    assert.equal(resumed.status, "done");
    assert.equal(resumed.resumed, true);
    assert.deepEqual(withoutWall(resumed.records), withoutWall(whole.records));
    // Same weights bit for bit, same loss curve.
    const wholeDir = runDir(path.join(tmp, `whole-${fx.name}`), spec);
    assert.ok(
      fs
        .readFileSync(path.join(dir, "weights.bin"))
        .equals(fs.readFileSync(path.join(wholeDir, "weights.bin"))),
    );
    assert.equal(
      fs.readFileSync(path.join(dir, "loss.jsonl"), "utf8"),
      fs.readFileSync(path.join(wholeDir, "loss.jsonl"), "utf8"),
    );
  });
}

test("a changed tokenizer.json restarts a pretrained run; data from another tokenizer is refused before anything is written", async () => {
  const folder = path.join(tmp, "bert-copy");
  fs.mkdirSync(folder);
  for (const f of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"])
    fs.copyFileSync(path.join(FIX, "bert-tiny", f), path.join(folder, f));
  const short: TrainConfig = { ...cfg, steps: 2, checkpoints: 1, saveEverySteps: 0 };
  const spec: RunSpec = {
    profile: "smoke",
    tier: "bert-copy",
    objective: "pointwise",
    seed: 1,
    pretrained: folder,
  };
  const root = path.join(tmp, "retok");
  const data = buildTrainerData(ds, { seqLen: 32, evalQueries: 4, depth: 20, tokenizerFolder: folder });
  const first = await trainRun(spec, data, short, { root });
  assert.equal(first.status, "done");
  assert.equal(runStatus(root, spec, data, short), "done");
  const doneBefore = fs.readFileSync(path.join(runDir(root, spec), "done.json"), "utf8");

  // Same tokens, different bytes (re-indented JSON): the identity changes, so the run is new.
  const tj = path.join(folder, "tokenizer.json");
  fs.writeFileSync(tj, JSON.stringify(JSON.parse(fs.readFileSync(tj, "utf8")), null, 1));
  assert.equal(runStatus(root, spec, data, short), "new");
  await assert.rejects(
    trainRun(spec, data, short, { root }),
    /tokenised with .*tokenizer\.json .* has sha256/,
  );
  assert.equal(fs.readFileSync(path.join(runDir(root, spec), "done.json"), "utf8"), doneBefore); // untouched

  // Word-level data for a pretrained tier: refused with what to do.
  const wordData = buildTrainerData(ds, { seqLen: 32, evalQueries: 4, depth: 20 });
  await assert.rejects(
    trainRun(spec, wordData, short, { root }),
    /word-level vocabulary; build it with buildTrainerData\(ds, \{ tokenizerFolder/,
  );

  // Rebuilt with the new tokenizer: trained again from scratch (same ids, so the same records).
  const data2 = buildTrainerData(ds, { seqLen: 32, evalQueries: 4, depth: 20, tokenizerFolder: folder });
  assert.notEqual(data2.tokenizer!.sha256, data.tokenizer!.sha256);
  const second = await trainRun(spec, data2, short, { root });
  assert.equal(second.status, "done");
  assert.equal(second.resumed, false);
  assert.notEqual(fs.readFileSync(path.join(runDir(root, spec), "done.json"), "utf8"), doneBefore);
  assert.deepEqual(withoutWall(second.records), withoutWall(first.records));
});

test("runGrid with two workers fine-tunes both pretrained tiers; records sort by size and read back as records", async () => {
  const root = path.join(tmp, "grid");
  const pretrainedTiers = FIXTURES.map((f) => ({ name: f.name, folder: path.join(FIX, f.name) }));
  const g = await runGrid({ profile: "smoke", pretrainedTiers, objectives: ["listwise"], jobs: 2, root });
  assert.deepEqual(
    g.outcomes.map((o) => o.status),
    ["done", "done"],
  );
  // one record per smoke checkpoint; bert-tiny (N 18241) sorts before modernbert-tiny (N 27425)
  const steps = checkpointSteps(PROFILE_TRAIN_CONFIGS.smoke.train);
  assert.deepEqual(
    g.records.map((r) => `${r.tier}@${r.step}`),
    [...steps.map((s) => `bert-tiny@${s}`), ...steps.map((s) => `modernbert-tiny@${s}`)],
  );
  assert.deepEqual(
    g.records.map((r) => r.params),
    [...steps.map(() => 18241), ...steps.map(() => 27425)],
  );
  for (const r of g.records)
    for (const [k, v] of Object.entries(r.metrics))
      assert.ok(Number.isFinite(v), `${r.tier}@${r.step} ${k} = ${v}`);
  // the merged file and each run's own file hold the same checkpoints
  assert.deepEqual(readCheckpointRecords(path.join(root, "records.jsonl")), g.records);
  assert.deepEqual(sortRecords(loadCheckpointRecords(root)), g.records);
});

test("CLI: npm run train -- --profile smoke --pretrained <folder> fine-tunes it as a tier; a bad folder exits 1 naming it", () => {
  const root = path.join(tmp, "cli");
  const cli = [
    "--import",
    "tsx",
    path.join(repo, "scripts", "train.ts"),
    "--profile",
    "smoke",
    "--backend",
    "wasm",
    "--progress",
    "lines",
    "--root",
    root,
  ];
  const folder = path.join(FIX, "bert-tiny");
  const r = spawnSync(
    process.execPath,
    [...cli, "--pretrained", `bert-ft=${folder}`, "--objectives", "pairwise"],
    { cwd: repo, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /bert-ft\s+pairwise\s+done/);
  const recs = readCheckpointRecords(path.join(root, "records.jsonl"));
  assert.deepEqual(
    recs.map((x) => x.step),
    checkpointSteps(PROFILE_TRAIN_CONFIGS.smoke.train),
  );
  for (const rec of recs) {
    assert.equal(rec.tier, "bert-ft");
    assert.equal(rec.params, 18241);
    assert.equal(rec.profile, "smoke");
  }
  assert.ok(fs.existsSync(path.join(root, "records.authors.jsonl")));

  const missing = path.join(tmp, "no-such-checkpoint");
  const bad = spawnSync(process.execPath, [...cli, "--pretrained", missing], { cwd: repo, encoding: "utf8" });
  assert.equal(bad.status, 1);
  assert.match(
    bad.stderr,
    new RegExp(`train: ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:0: model folder not found`),
  );
  const typo = spawnSync(process.execPath, [...cli, "--tiers", "ettin-17m"], { cwd: repo, encoding: "utf8" });
  assert.equal(typo.status, 2); // a bad option: one line, nothing touched
  assert.match(typo.stderr, /unknown tier "ettin-17m"/);
});
