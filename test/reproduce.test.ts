/**
 * `npm run reproduce` re-runs a notebook exactly when its inputs changed: run for real on the
 * smoke profile in a temporary project root (env SCALERANK_ROOT) with notebooks 01 (reads the
 * generated data) and 03 (reads the records of the grid). A changed record re-runs 03 and not 01;
 * a damaged stamps.json is named and ignored; a bad option exits 2 and runs nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../scripts/nbrun";

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-reproduce-"));
const env = { ...process.env, SCALERANK_ROOT: tmpRoot, SCALERANK_BACKEND: "wasm" };
const tsx = (script: string, args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", script), ...args], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
const reproduce = (...extra: string[]) =>
  tsx("reproduce.ts", ["--profile", "smoke", "--engine", "inprocess", ...extra, "01", "03"]);
const ran = (stderr: string) => [...stderr.matchAll(/\] (\d\d)_\w+\.ipynb: done in/g)].map((m) => m[1]);

test("reproduce re-runs exactly the notebooks whose inputs changed", { timeout: 600_000 }, () => {
  const train = tsx("train.ts", ["--profile", "smoke", "--progress", "lines"]);
  assert.equal(train.status, 0, train.stderr);
  const first = reproduce();
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(ran(first.stderr), ["01", "03"]);
  assert.match(first.stderr, /\[\d\d:\d\d:\d\d\] cell \d+:/); // cell progress streamed while running

  const second = reproduce();
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(ran(second.stderr), []);
  assert.match(second.stderr, /01_data\.ipynb: unchanged since .*skipped/);

  // a retrained run: one checkpoint's value changes in its done.json
  const done = path.join(tmpRoot, "results", "runs", "smoke", "t0-listwise-s1", "done.json");
  const d = JSON.parse(fs.readFileSync(done, "utf8"));
  d.records[d.records.length - 1].metrics["ndcg@10"] += 0.01;
  fs.writeFileSync(done, JSON.stringify(d));
  const third = reproduce();
  assert.equal(third.status, 0, third.stderr);
  assert.deepEqual(ran(third.stderr), ["03"]);
  assert.match(third.stderr, /03_metrics\.ipynb: running \(its inputs changed\)/);

  const stamps = path.join(tmpRoot, "results", "notebooks", "smoke", "stamps.json");
  fs.writeFileSync(stamps, '{"01_data.ipynb": {"stamp"');
  const fourth = reproduce();
  assert.equal(fourth.status, 0, fourth.stderr);
  assert.match(
    fourth.stderr,
    new RegExp(`${stamps.replace(/[.]/g, "\\.")}: .*ignoring it, so every notebook runs again`),
  );
  assert.deepEqual(ran(fourth.stderr), ["01", "03"]);

  const before = fs.readFileSync(stamps);
  const bad = tsx("reproduce.ts", ["--profile", "smoke", "--engine", "bogus", "01"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^reproduce: --engine must be one of auto, jupyter, inprocess, got "bogus"/);
  assert.deepEqual(fs.readFileSync(stamps), before);
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});
