import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const FIX = path.join(ROOT, "lib", "test", "fixtures", "eval");

function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "scripts", "evaluate.ts"), ...args],
    { cwd: ROOT, encoding: "utf8" },
  );
}

test("CLI prints trec_eval lines: -q per query, -c, -l, -M, full precision", () => {
  const q = path.join(FIX, "golden.qrels"),
    r = path.join(FIX, "golden.run");
  const a = cli("-q", "-c", "-l", "2", "-m", "map", "-m", "num_q", "-M10", q, r);
  assert.equal(a.status, 0, a.stderr);
  // -l 2: q1 AP = (1/3)/2 = 0.1667; q2, q3 and (with -c) q4 score 0; mean = (1/6)/4 = 0.0417
  assert.equal(
    a.stdout,
    [
      "map                   \tq1\t0.1667",
      "map                   \tq2\t0.0000",
      "map                   \tq3\t0.0000",
      "map                   \tq4\t0.0000",
      "num_q                 \tall\t4",
      "map                   \tall\t0.0417",
      "",
    ].join("\n"),
  );
  const p = cli("-p", "-m", "recip_rank", q, r);
  assert.equal(p.stdout, `recip_rank            \tall\t${(1 / 2 + 1 / 2 + 0) / 3}\n`);
});

test("CLI: malformed input exits 1 with file:line and prints nothing", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-cli-"));
  const bad = path.join(dir, "bad.run");
  fs.writeFileSync(bad, "q1 Q0 a 1 1.0 t\nq1 Q0 a 2 0.5 t\n");
  const out = cli("-m", "map", path.join(FIX, "golden.qrels"), bad);
  assert.equal(out.status, 1);
  assert.equal(out.stdout, "");
  assert.match(
    out.stderr,
    new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:2: duplicate docno a in query q1`),
  );
  const unknown = cli("-m", "bpref", path.join(FIX, "golden.qrels"), path.join(FIX, "golden.run"));
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /unknown measure "bpref"/);
});
