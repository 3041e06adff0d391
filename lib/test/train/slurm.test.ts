/**
 * The Slurm job-array writer: one task line per run in runs.tsv, the array's size and resources
 * in the #SBATCH header, the task reading its own line, the merge job after the array; malformed
 * requests and an empty grid are refused. (test/slurm.test.ts submits a real array.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { checkSlurmResources, writeSlurmGrid, type RunSpec } from "../../src/train";

const runs: RunSpec[] = [
  { profile: "smoke", tier: "t0", objective: "listwise", seed: 1 },
  { profile: "smoke", tier: "t1", objective: "pairwise", seed: 2 },
  { profile: "smoke", tier: "ettin-17m", objective: "pointwise", seed: 1 },
];

function plan(root: string) {
  return {
    profile: "smoke",
    root,
    runs,
    repo: "/repo with space",
    node: "/usr/bin/node",
    trainArgs: ["--backend", "webgpu", "--ettin", "/data/it's here"],
    resources: { partition: "gpu", gpus: 1, time: "12:00:00", cpus: 8, mem: "64G", maxParallel: 2 },
  };
}

test("writeSlurmGrid: runs.tsv, the array header with resources, the task's line, the merge job after the array", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-"));
  const f = writeSlurmGrid(plan(root));
  assert.equal(
    fs.readFileSync(f.runs, "utf8"),
    "t0\tlistwise\t1\nt1\tpairwise\t2\nettin-17m\tpointwise\t1\n",
  );
  const array = fs.readFileSync(f.array, "utf8");
  for (const line of [
    "#SBATCH --array=0-2%2",
    "#SBATCH --partition=gpu",
    "#SBATCH --gpus-per-task=1",
    "#SBATCH --time=12:00:00",
    "#SBATCH --cpus-per-task=8",
    "#SBATCH --mem=64G",
    "cd '/repo with space'",
    "export SCALERANK_PROFILE=smoke",
  ])
    assert.ok(array.split("\n").includes(line), `array.sbatch has "${line}"`);
  assert.match(array, /--jobs 1/);
  assert.match(array, /--ettin '\/data\/it'\\''s here'/);
  // the task's line: what bash reads for task 1
  const read = array.split("\n").find((l) => l.startsWith("IFS="))!;
  const r = spawnSync("bash", ["-c", `SLURM_ARRAY_TASK_ID=1; ${read}; echo "$TIER|$OBJECTIVE|$SEED"`], {
    encoding: "utf8",
  });
  assert.equal(r.stdout.trim(), "t1|pairwise|2");
  assert.match(fs.readFileSync(f.submit, "utf8"), /--dependency=afterany:/);
  assert.match(fs.readFileSync(f.merge, "utf8"), / --merge\n/);
  for (const file of [f.array, f.merge, f.submit])
    assert.ok(fs.statSync(file).mode & 0o100, `${file} executable`);
  assert.equal(spawnSync("bash", ["-n", f.array]).status, 0, "array.sbatch parses");
  assert.equal(spawnSync("bash", ["-n", f.submit]).status, 0, "submit.sh parses");
  fs.rmSync(root, { recursive: true, force: true });
});

test("checkSlurmResources names the malformed field; writeSlurmGrid refuses it and an empty grid", () => {
  assert.equal(checkSlurmResources({ time: "12:00:00", mem: "32G", gpus: 2 }), null);
  assert.match(checkSlurmResources({ time: "soon" }) ?? "", /^time "soon"/);
  assert.match(checkSlurmResources({ mem: "lots" }) ?? "", /^mem "lots"/);
  assert.match(checkSlurmResources({ gpus: -1 }) ?? "", /^gpus -1/);
  assert.match(checkSlurmResources({ partition: "a;rm -rf /" }) ?? "", /^partition/);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-"));
  assert.throws(() => writeSlurmGrid({ ...plan(root), runs: [] }), /nothing to submit/);
  assert.throws(() => writeSlurmGrid({ ...plan(root), resources: { cpus: 0 } }), /bad Slurm request: cpus 0/);
  assert.ok(!fs.existsSync(path.join(root, "slurm", "array.sbatch")), "nothing written");
  fs.rmSync(root, { recursive: true, force: true });
});
