import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { createRng } from "../../src/util/rng";

// The CLI on the smoke profile, killed with SIGKILL at seeded random moments and restarted, must
// end with the same records as an uninterrupted run (wall-clock seconds aside).
const root = path.resolve(__dirname, "..", "..", "..");
const cli = [
  "--import",
  "tsx",
  path.join(root, "scripts", "train.ts"),
  "--profile",
  "smoke",
  "--progress",
  "lines",
  "--backend",
  "wasm",
];

function withoutWall(file: string): unknown[] {
  return fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const r = JSON.parse(l);
      delete r.wallSeconds;
      return r;
    });
}

/** Run the CLI to the end; resolves with its exit code and the milliseconds from the first training step to exit. */
function timedRun(dir: string): Promise<{ status: number | null; trainingMs: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cli, "--root", dir], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "",
      first = 0;
    const seen = (d: Buffer) => {
      out += d;
      if (!first && /step \d+:/.test(out)) first = Date.now();
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (status) => resolve({ status, trainingMs: Date.now() - (first || Date.now()), out }));
  });
}

function runUntilKilled(dir: string, delayMs: number): Promise<{ killed: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cli, "--root", dir], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    let killed = false;
    // start the clock once the first run is training, so the kill lands inside the grid
    const timer = setInterval(() => {
      if (/step \d+:/.test(out) || /: (done|skipped)/.test(out)) {
        clearInterval(timer);
        setTimeout(() => {
          killed = child.kill("SIGKILL");
        }, delayMs);
      }
    }, 20);
    child.on("exit", () => {
      clearInterval(timer);
      resolve({ killed: killed && out.indexOf("grid finished") < 0, out });
    });
  });
}

test(
  "SIGKILL at random points and restart gives the records of an uninterrupted run",
  { timeout: 240_000 },
  async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-resume-"));
    const ref = path.join(tmp, "ref"),
      killedDir = path.join(tmp, "killed");
    const r = await timedRun(ref);
    assert.equal(r.status, 0, r.out);
    // Kill moments are seeded fractions of the uninterrupted run's training time (5–17 % of it after
    // the first step of each restart), so the kills land inside the grid however fast the machine is.
    const rng = createRng(2026);
    let kills = 0;
    for (let attempt = 0; attempt < 8 && kills < 3; attempt++) {
      const { killed } = await runUntilKilled(
        killedDir,
        Math.round((0.05 + 0.12 * rng.next()) * r.trainingMs),
      );
      if (killed) kills++;
    }
    assert.ok(kills >= 3, `only ${kills} kills landed before the grid finished`);
    // at least one run was left partial (state saved, not done) by a kill
    const fin = spawnSync(process.execPath, [...cli, "--root", killedDir], { cwd: root, encoding: "utf8" });
    assert.equal(fin.status, 0, fin.stdout + fin.stderr);
    assert.match(fin.stdout, /grid finished/);
    const a = withoutWall(path.join(ref, "records.jsonl")),
      b = withoutWall(path.join(killedDir, "records.jsonl"));
    assert.equal(a.length, 2 * 3 * 3); // 2 tiers × 3 objectives × 3 checkpoints
    assert.deepEqual(b, a);
    fs.rmSync(tmp, { recursive: true, force: true });
  },
);
