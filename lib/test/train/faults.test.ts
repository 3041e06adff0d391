// Fault injection on the training CLI, the grid's workers and the run folders (smoke profile):
// bad options, subset runs, duplicate and locked runs, a killed parent, damaged state/done files.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { selectBackend } from "../../src/backend";
import { prepareDataset } from "../../src/data";
import {
  PROFILE_TRAIN_CONFIGS,
  RunBusyError,
  buildTrainerData,
  runDir,
  runGrid,
  trainRun,
  type RunSpec,
  type TrainerData,
} from "../../src/train";

const root = path.resolve(__dirname, "..", "..", "..");
const cli = (args: string[]) =>
  spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(root, "scripts", "train.ts"),
      "--profile",
      "smoke",
      ...(args.includes("--progress") ? [] : ["--progress", "lines"]),
      ...args,
    ],
    { cwd: root, encoding: "utf8", env: { ...process.env, SCALERANK_BACKEND: "wasm" } },
  );
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-faults-"));
const snapshot = (dir: string) =>
  ["records.jsonl", "records.authors.jsonl"].map((f) => fs.readFileSync(path.join(dir, f)));
const withoutWall = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const r = JSON.parse(l);
      delete r.wallSeconds;
      return r;
    });

let gridDir = "";
/** One complete smoke grid (2 tiers × 3 objectives × 3 checkpoints), trained once for the tests that need it. */
function smokeGrid(): string {
  if (!gridDir) {
    gridDir = path.join(tmp(), "grid");
    const r = cli(["--root", gridDir]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
  return gridDir;
}

test("bad options exit 2 with one line, no stack trace, and leave the records byte-identical", () => {
  const dir = smokeGrid();
  const before = snapshot(dir);
  assert.equal(withoutWall(path.join(dir, "records.jsonl")).length, 18);
  const cases: Array<[string[], RegExp]> = [
    [["--jobs", "abc"], /--jobs must be an integer, got "abc"/],
    [["--jobs", "0"], /--jobs must be between 1 and 64/],
    [["--tiers", ","], /--tiers needs at least one value/],
    [["--seeds", ","], /--seeds needs at least one value/],
    [["--seeds", "1,x"], /--seeds must be an integer/],
    [["--tiers", "t0,t0"], /--tiers lists "t0" twice/],
    [["--tiers", "t0,nope"], /unknown tier "nope": the tiers are t0, t1/],
    [["--objectives", "pointwise,bce"], /--objectives lists "bce" twice/],
    [["--backend", "bogus"], /unknown backend "bogus" .*wasm/],
    [["--progress", "fancy"], /--progress must be one of lines, redraw/],
    [["--steps", "10"], /--steps needs --root/],
    [["--frobnicate"], /unknown option --frobnicate/],
  ];
  for (const [args, message] of cases) {
    const r = cli(args[0] === "--steps" ? args : ["--root", dir, ...args]);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line for ${args.join(" ")}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const bogus = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(root, "scripts", "train.ts"), "--profile", "bogus", "--root", dir],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(bogus.status, 2);
  assert.match(bogus.stderr, /^train: --profile: unknown profile "bogus" \(.*smoke, mini, paper/);
  assert.deepEqual(snapshot(dir), before);
});

test("a subset run keeps the merged records of every complete run", () => {
  const dir = smokeGrid();
  const before = withoutWall(path.join(dir, "records.jsonl"));
  const r = cli(["--root", dir, "--tiers", "t0", "--objectives", "listwise"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(withoutWall(path.join(dir, "records.jsonl")), before);
  assert.equal(withoutWall(path.join(dir, "records.authors.jsonl")).length, 18);
});

let cached: TrainerData | null = null;
async function smokeData(): Promise<TrainerData> {
  if (!cached)
    cached = buildTrainerData(await prepareDataset({ profile: "smoke", seed: 1 }), {
      seqLen: PROFILE_TRAIN_CONFIGS.smoke.seqLen,
      evalQueries: PROFILE_TRAIN_CONFIGS.smoke.evalQueries,
    });
  return cached;
}
const cfg = PROFILE_TRAIN_CONFIGS.smoke.train; // 12 steps, checkpoints 3, 6, 12, a state every 2 steps
const spec: RunSpec = { profile: "smoke", tier: "t0", objective: "pairwise", seed: 1 };
const strip = (rs: readonly object[]) => rs.map((r) => ({ ...r, wallSeconds: 0 }));

/** Train the run until `crashAt` steps, then throw from the progress callback (a crash mid-run). */
async function crashAt(dirRoot: string, step: number): Promise<void> {
  await assert.rejects(
    trainRun(spec, await smokeData(), cfg, {
      root: dirRoot,
      onProgress: (p) => {
        if (p.phase === "train" && p.step === step) throw new Error("injected crash");
      },
    }),
    /injected crash/,
  );
}

test("a truncated state binary is named; the run resumes from the previous state and ends as if uninterrupted", async () => {
  await selectBackend({ prefer: "wasm" });
  const ref = await trainRun(spec, await smokeData(), cfg, { root: tmp() });
  const r = tmp();
  await crashAt(r, 9); // states saved at steps 6 (checkpoint) and 8
  const dir = runDir(r, spec);
  const st = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8"));
  assert.equal(st.step, 8);
  const bin = path.join(dir, st.bin);
  fs.truncateSync(bin, fs.statSync(bin).size - 100);
  const notices: string[] = [];
  const out = await trainRun(spec, await smokeData(), cfg, {
    root: r,
    onProgress: (p) => {
      if (p.phase === "notice") notices.push(p.message!);
    },
  });
  assert.equal(out.status, "done");
  assert.equal(out.resumed, true);
  assert.match(
    notices.join(),
    /state-8\.bin: \d+ bytes, state\.json says \d+ \(truncated\?\).*resuming t0-pairwise-s1 from the state of step 6/,
  );
  assert.deepEqual(strip(out.records), strip(ref.records));
});

test("both states damaged: the run restarts from scratch, saying so, and still ends with the same records", async () => {
  await selectBackend({ prefer: "wasm" });
  const ref = await trainRun(spec, await smokeData(), cfg, { root: tmp() });
  const r = tmp();
  await crashAt(r, 9);
  const dir = runDir(r, spec);
  fs.writeFileSync(path.join(dir, "state.json"), '{"version": 2, "hash"');
  const prev = JSON.parse(fs.readFileSync(path.join(dir, "state.prev.json"), "utf8"));
  fs.writeFileSync(path.join(dir, prev.bin), Buffer.alloc(fs.statSync(path.join(dir, prev.bin)).size, 7)); // same length, other bytes
  const notices: string[] = [];
  const out = await trainRun(spec, await smokeData(), cfg, {
    root: r,
    onProgress: (p) => {
      if (p.phase === "notice") notices.push(p.message!);
    },
  });
  assert.equal(out.resumed, false);
  assert.match(
    notices.join(),
    /state\.json: invalid JSON.*SHA-256 differs from the one in state\.prev\.json.*restarting t0-pairwise-s1 from scratch/,
  );
  assert.deepEqual(strip(out.records), strip(ref.records));
});

test("a damaged done.json of a finished run: named, the run retrains, and the rest of the grid goes on", async () => {
  await selectBackend({ prefer: "wasm" });
  const r = tmp();
  const first = await runGrid({
    profile: "smoke",
    tiers: ["t0"],
    objectives: ["pairwise", "listwise"],
    jobs: 1,
    root: r,
  });
  assert.deepEqual(
    first.outcomes.map((o) => o.status),
    ["done", "done"],
  );
  const done = path.join(runDir(r, spec), "done.json");
  fs.writeFileSync(done, fs.readFileSync(done, "utf8").slice(0, 50));
  const messages: string[] = [];
  const again = await runGrid({
    profile: "smoke",
    tiers: ["t0"],
    objectives: ["pairwise", "listwise"],
    jobs: 1,
    root: r,
    onProgress: (p) => {
      if (p.message) messages.push(p.message);
    },
  });
  assert.deepEqual(
    again.outcomes.map((o) => `${o.spec.objective}:${o.status}`),
    ["pairwise:done", "listwise:done"],
  );
  assert.match(messages.join("\n"), /done\.json: invalid JSON .*restarting t0-pairwise-s1 from scratch/);
  assert.deepEqual(strip(again.records), strip(first.records));
});

test("two trainers never share a run folder: a live lock is refused, the grid reports it and goes on", async () => {
  await selectBackend({ prefer: "wasm" });
  const r = tmp();
  const holder = spawn("sleep", ["60"]);
  try {
    const dir = runDir(r, spec);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "run.lock"), JSON.stringify({ pid: holder.pid }));
    await assert.rejects(
      trainRun(spec, await smokeData(), cfg, { root: r }),
      (e: unknown) => e instanceof RunBusyError && e.pid === holder.pid,
    );
    const g = await runGrid({
      profile: "smoke",
      tiers: ["t0"],
      objectives: ["pairwise", "listwise"],
      jobs: 1,
      root: r,
    });
    assert.deepEqual(
      g.outcomes.map((o) => `${o.spec.objective}:${o.status}`),
      ["pairwise:error", "listwise:done"],
    );
    assert.match(g.outcomes[0].message!, new RegExp(`being trained by process ${holder.pid}`));
  } finally {
    const exited = new Promise((r) => holder.on("exit", r));
    holder.kill();
    await exited; // reaped: a zombie would still answer kill(pid, 0)
  }
  // a lock whose process is gone is taken over
  const out = await trainRun(spec, await smokeData(), cfg, { root: r });
  assert.equal(out.status, "done");
  assert.equal(fs.existsSync(path.join(runDir(r, spec), "run.lock")), false);
  // the same folder twice in one process is refused as well
  const r2 = tmp();
  const a = trainRun(spec, await smokeData(), cfg, { root: r2 });
  await assert.rejects(trainRun(spec, await smokeData(), cfg, { root: r2 }), RunBusyError);
  assert.equal((await a).status, "done");
});

function children(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test(
  "kill -9 of a --jobs 2 grid's parent: no worker is alive 10 s later, and a restart ends with the uninterrupted records",
  { timeout: 300_000 },
  async () => {
    const base = tmp();
    const args = (dir: string) => [
      "--import",
      "tsx",
      path.join(root, "scripts", "train.ts"),
      "--profile",
      "smoke",
      "--progress",
      "lines",
      "--backend",
      "wasm",
      "--jobs",
      "2",
      "--steps",
      "150",
      "--root",
      dir,
    ];
    const ref = spawnSync(process.execPath, args(path.join(base, "ref")), { cwd: root, encoding: "utf8" });
    assert.equal(ref.status, 0, ref.stderr);
    const killedDir = path.join(base, "killed");
    const child = spawn(process.execPath, args(killedDir), { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    // wait until both workers are training (two runs have reached a checkpoint), then kill the parent
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if ((out.match(/ step \d+: ndcg/g) ?? []).length >= 2) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
    const workers = children(child.pid!);
    assert.ok(workers.length >= 2, `workers: ${workers}`);
    child.kill("SIGKILL");
    const killedAt = Date.now();
    while (workers.some(isAlive) && Date.now() - killedAt < 10_000)
      await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(workers.filter(isAlive), [], "workers still alive 10 s after the parent was killed");
    assert.ok(!/grid finished/.test(out), "the kill landed after the grid finished");
    const done = fs.readdirSync(killedDir).filter((d) => fs.existsSync(path.join(killedDir, d, "done.json")));
    assert.ok(done.length < 6, `all runs were already done: ${done}`);
    const fin = spawnSync(process.execPath, args(killedDir), { cwd: root, encoding: "utf8" });
    assert.equal(fin.status, 0, fin.stderr);
    assert.deepEqual(
      withoutWall(path.join(killedDir, "records.jsonl")),
      withoutWall(path.join(base, "ref", "records.jsonl")),
    );
  },
);
