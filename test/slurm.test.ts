/**
 * The paper grid on a cluster, tested for real: `npm run train -- --slurm --submit` on the smoke
 * grid submits a job array to the single-node Slurm that `.ci/run` starts (scripts/slurm-local.sh),
 * the merge job writes records.jsonl, and the merged records equal a local grid's (all but the wall
 * times). Re-writing the array leaves complete runs out. Without a cluster the array test is
 * skipped, saying how to start one; the option checks run everywhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../scripts/nbrun";

const TMP = path.join(ROOT, "results", "tmp-tests", "slurm");

function train(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/train.ts", "--profile", "smoke", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, SCALERANK_BACKEND: "wasm" },
  });
}

/** The records of a grid without their wall times (which differ between any two runs). */
function records(root: string): unknown[] {
  return fs
    .readFileSync(path.join(root, "records.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      delete r.wallSeconds;
      return r;
    });
}

function clusterUp(): boolean {
  return spawnSync("sinfo", ["-h", "-o", "%T"], { encoding: "utf8" }).stdout?.trim().length > 0;
}

test("Slurm options without --slurm, or malformed, exit 2 with one line and write nothing", () => {
  const root = path.join(TMP, "bad");
  for (const [args, message] of [
    [["--submit"], /--submit needs --slurm/],
    [["--gpus", "1"], /--gpus needs --slurm/],
    [["--slurm", "--time", "soon"], /bad Slurm request: time "soon"/],
    [["--slurm", "--gpus", "-3"], /gpus/],
  ] as const) {
    const r = train([...args, "--root", root]);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(!fs.existsSync(root), "nothing written");
  }
});

test(
  "the smoke grid as a Slurm job array: merged records equal a local grid's; re-writing skips complete runs",
  {
    skip: clusterUp()
      ? false
      : "no Slurm cluster here (as root: bash scripts/slurm-local.sh; .ci/run starts one)",
  },
  async () => {
    fs.rmSync(TMP, { recursive: true, force: true });
    const local = path.join(TMP, "local"),
      cluster = path.join(TMP, "array");
    const l = train(["--root", local, "--jobs", "1", "--progress", "lines"]);
    assert.equal(l.status, 0, l.stderr);
    const s = train(["--root", cluster, "--slurm", "--submit", "--cpus", "1", "--time", "00:20:00"]);
    assert.equal(s.status, 0, s.stdout + s.stderr);
    assert.match(s.stdout, /6 runs in the array \(0 already complete/);
    const ids = /array (\d+) merge (\d+)/.exec(s.stdout);
    assert.ok(ids, s.stdout);
    const deadline = Date.now() + 15 * 60_000;
    while (spawnSync("squeue", ["-h", "-j", `${ids[1]},${ids[2]}`], { encoding: "utf8" }).stdout.trim()) {
      assert.ok(Date.now() < deadline, "the array and merge jobs did not finish within 15 minutes");
      await new Promise((r) => setTimeout(r, 2000));
    }
    const logs = path.join(cluster, "slurm", "logs");
    const merge = fs.readFileSync(path.join(logs, `merge-${ids[2]}.out`), "utf8");
    assert.match(merge, /18 records of every complete run/);
    assert.deepEqual(records(cluster), records(local));
    // one run lost: a new array holds that run only; all complete: nothing to submit
    fs.rmSync(path.join(cluster, "t1-pairwise-s1"), { recursive: true, force: true });
    const again = train(["--root", cluster, "--slurm"]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /1 runs in the array \(5 already complete or failed, left out\)/);
    assert.equal(fs.readFileSync(path.join(cluster, "slurm", "runs.tsv"), "utf8"), "t1\tpairwise\t1\n");
    const none = train(["--root", local, "--slurm"]);
    assert.match(none.stdout, /all 6 runs under .* are complete: nothing to submit/);
    fs.rmSync(TMP, { recursive: true, force: true });
  },
);
