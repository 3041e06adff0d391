/**
 * The GPU check is ready to run: `npm run gpu-pack` builds the folder a GPU machine without Node or
 * network needs, under the 64 MiB limit, and that folder runs the check end to end from a place
 * with no node_modules and no Node on PATH (here on the CPU, through WebGPU's software adapter):
 * the WebGPU-against-wasm correctness check passes and throughput rows are written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../scripts/nbrun";
import { probeWebGpu } from "../lib/src/backend";

const DIR = path.join(ROOT, "results", "tmp-tests", "device");

test("gpu-pack builds the GPU machine's folder under 64 MiB, and it runs the check without Node or node_modules", async (t) => {
  if (process.platform !== "linux" || process.arch !== "x64")
    return t.skip("gpu-pack packs linux-x64 binaries");
  const pack = spawnSync(process.execPath, ["--import", "tsx", "scripts/gpu-pack.ts", "--dir", DIR], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(pack.status, 0, pack.stdout + pack.stderr);
  const m = /(\d+) files, ([\d.]+) MiB \(limit 64\.0 MiB\)/.exec(pack.stdout);
  assert.ok(m && Number(m[2]) <= 64, pack.stdout);
  for (const f of [
    "run.sh",
    "node.xz",
    "gpu-check.cjs",
    "node_modules/webgpu/dist/linux-x64/dawn.node",
    "train_torch_peer.py",
  ])
    assert.ok(fs.existsSync(path.join(DIR, f)), `${f} packed`);
  const probe = await probeWebGpu();
  if (!probe.ok) return t.skip(`packed; not run: no WebGPU adapter here (${probe.detail})`);
  // as on the GPU machine: a folder of its own, no Node on PATH, no node_modules above it
  const away = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-machine-"));
  fs.cpSync(DIR, path.join(away, ".device"), { recursive: true });
  const out = path.join(away, "out");
  // a PATH with the few tools run.sh uses and no node
  const bin = path.join(away, "bin");
  fs.mkdirSync(bin);
  for (const tool of ["bash", "dirname", "mkdir", "chmod", "mv"]) {
    const where = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (where) fs.symlinkSync(fs.realpathSync(where), path.join(bin, tool));
  }
  // the interpreter itself (a pyenv shim would need pyenv on PATH)
  const py = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
    encoding: "utf8",
  }).stdout.trim();
  fs.symlinkSync(py, path.join(bin, "python3"));
  const run = spawnSync(path.join(bin, "bash"), [".device/run.sh", "--quick"], {
    cwd: away,
    encoding: "utf8",
    env: { PATH: bin, HOME: away, OUT: out },
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const report = JSON.parse(fs.readFileSync(path.join(out, "gpu.json"), "utf8")) as {
    correctness: { objective: string; ok: boolean; gradientRelative: number }[];
    throughput: { shape: string; examplesPerSecond: number }[];
  };
  assert.deepEqual(
    report.correctness.map((c) => [c.objective, c.ok]),
    [
      ["pointwise", true],
      ["pairwise", true],
      ["listwise", true],
    ],
  );
  assert.deepEqual(
    report.throughput.map((r) => r.shape),
    ["t5", "t6"],
  );
  assert.ok(report.throughput.every((r) => r.examplesPerSecond > 0));
  fs.rmSync(away, { recursive: true, force: true });
});
