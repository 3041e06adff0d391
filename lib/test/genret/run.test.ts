import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { selectBackend } from "../../src/backend";
import { prepareDataset } from "../../src/data/dataset";
import { GENRET_CONFIGS, prepareGenretData, type GenretConfig } from "../../src/genret/experiment";
import { genretJobs, runGenretExperiment, type GenretResults } from "../../src/genret/run";

before(async () => {
  await selectBackend();
});

// The experiment's smoke collection with a tiny experiment: 4 jobs (n-gram g0 with the beam sweep,
// encoder–decoder e0 retrieving at beam 1, docid g0, n-gram g0 on half the data).
const cfg: GenretConfig = {
  ...GENRET_CONFIGS.smoke,
  tiers: ["g0"],
  docidTiers: ["g0"],
  encdecTiers: ["e0"],
  encdecBeams: [1],
  fractions: [0.5, 1],
  dataTier: "g0",
  beams: [1, 3],
  cglQueries: 4,
  negatives: 8,
  retrievalQueries: 4,
  epochs: 1,
  trainSpans: 1,
  idSpans: 1,
  docids: { branching: 8, leafSize: 8, iterations: 2, dim: 8 },
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-genret-run-"));

/** Results without the wall times (which differ between any two runs). */
function withoutTimes(r: GenretResults): unknown {
  return JSON.parse(JSON.stringify({ ...r, freshRun: null }, (k, v) => (k === "seconds" ? undefined : v)));
}

test("jobs: n-gram tiers (both architectures) with their beams, docid tiers, the other fractions on dataTier, dearest first", () => {
  const mini = GENRET_CONFIGS.mini;
  const jobs = genretJobs(mini);
  assert.equal(jobs.length, 4 + 3 + 2 + 3);
  assert.deepEqual(jobs[0], { method: "ngram", tier: "g3", fraction: 1, beams: mini.beams });
  assert.deepEqual(
    jobs.filter((j) => j.beams.length > 0).map((j) => `${j.tier}:${j.beams.join(",")}`),
    [
      "g3:1,5,15,50,100",
      "g2:1,5,15,50,100",
      "g1:1,5,15,50,100",
      "e2:15",
      "g0:1,5,15,50,100",
      "e1:15",
      "e0:15",
    ],
  );
  assert.deepEqual(
    jobs.filter((j) => j.method === "docid").map((j) => j.tier),
    ["g1", "g0"],
  );
  assert.deepEqual(
    jobs.filter((j) => j.fraction < 1).map((j) => `${j.tier}:${j.fraction}`),
    ["g1:0.75", "g1:0.5", "g1:0.25"],
  );
});

test("two worker processes give the same results as one process, and a rerun resumes from the job files", async () => {
  // the collection the workers load (GenretConfig.collection), so both paths see the same data
  const ds = await prepareDataset({ profile: "smoke", generator: cfg.collection });
  const data = prepareGenretData(ds, cfg);
  const a = tmp(),
    b = tmp();
  const inProcess = await runGenretExperiment(data, cfg, { profile: "smoke", dir: a, jobs: 1 });
  const inWorkers = await runGenretExperiment(data, cfg, { profile: "smoke", dir: b, jobs: 2 });
  assert.deepEqual(withoutTimes(inWorkers), withoutTimes(inProcess));
  assert.equal(inProcess.size.length, 2);
  assert.deepEqual(
    inProcess.encdec.map((r) => [r.tier, r.arch]),
    [["e0", "encoder-decoder"]],
  );
  assert.deepEqual(
    inProcess.inference.map((s) => `${s.tier}:${s.points.map((p) => p.beam).join(",")}`),
    ["g0:1,3", "e0:1"],
  );
  // The run trained every model, so it recorded its wall time.
  assert.ok(inProcess.freshRun && inProcess.freshRun.minutes > 0 && inProcess.freshRun.workers === 1);
  assert.deepEqual(
    inProcess.data.map((r) => r.fraction),
    [0.5, 1],
  );
  assert.deepEqual(
    inProcess.beams.map((p) => p.beam),
    [1, 3],
  );
  assert.deepEqual(fs.readdirSync(b).sort(), [
    "docid-g0-100.json",
    "ngram-e0-100.json",
    "ngram-g0-100.json",
    "ngram-g0-50.json",
    "timing.json",
  ]);

  // Resume: remove one result; only that job runs again, and the assembled results are unchanged.
  fs.rmSync(path.join(b, "ngram-g0-50.json"));
  const lines: string[] = [];
  const resumed = await runGenretExperiment(data, cfg, {
    profile: "smoke",
    dir: b,
    jobs: 1,
    log: (m) => lines.push(m),
  });
  assert.deepEqual(withoutTimes(resumed), withoutTimes(inProcess));
  // A resumed run is not a fresh one: the recorded time stays that of the run that trained everything.
  assert.deepEqual(resumed.freshRun, inWorkers.freshRun);
  assert.ok(
    lines.some((l) => l.includes("3 of 4 models already measured")),
    lines.join("\n"),
  );
  assert.equal(lines.filter((l) => l.startsWith("ngram g0")).length, 1);

  // Workers build their data from the config's collection; data from another collection is refused.
  const other = prepareGenretData(await prepareDataset({ profile: "smoke" }), cfg);
  await assert.rejects(
    runGenretExperiment(other, cfg, { profile: "smoke", dir: tmp(), jobs: 2 }),
    /parent's data .*prepareDataset\(\{ profile, generator: config.collection \}\)/,
  );

  // A changed setting invalidates the saved results (nothing is read back under another key).
  const lines2: string[] = [];
  await runGenretExperiment(
    data,
    { ...cfg, beams: [1] },
    { profile: "smoke", dir: b, jobs: 1, log: (m) => lines2.push(m) },
  );
  assert.ok(!lines2.some((l) => l.includes("already measured")), lines2.join("\n"));
});
