/**
 * The README's results section is generated, not typed: it must equal the rendering of the
 * committed snapshot of a reproduction (docs/results/mini.json, written by `npm run readme --
 * --snapshot` after `npm run reproduce`), and every number in the snapshot's headline tables must
 * appear in the README exactly as rendered.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../scripts/nbrun";
import {
  SNAPSHOT,
  SPEED,
  renderResults,
  renderSpeed,
  withResults,
  withSpeed,
  type ResultsSnapshot,
  type SpeedBench,
} from "../scripts/readme";

test("README's results block is the rendering of docs/results/mini.json", () => {
  const s = JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")) as ResultsSnapshot;
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const block = renderResults(s);
  assert.ok(
    readme.includes(block),
    "README.md's results block differs from the snapshot: run npm run readme",
  );
  assert.equal(withResults(readme, block), readme);
  assert.equal(s.profile, "mini");
  assert.ok(
    s.summaries.some((x) => x.tables.some((t) => t.headline)),
    "the snapshot has headline tables",
  );
  assert.ok(Object.keys(s.timings).length >= 8, "every notebook's time is in the snapshot");
  // the block can fail: a changed number is caught
  const changed = {
    ...s,
    timings: { ...s.timings, "00_setup.ipynb": (s.timings["00_setup.ipynb"] ?? 0) + 600 },
  };
  assert.ok(!readme.includes(renderResults(changed)));
});

test("README's speed table is the rendering of results/bench/speed.json", () => {
  const b = JSON.parse(fs.readFileSync(SPEED, "utf8")) as SpeedBench;
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  assert.ok(
    readme.includes(renderSpeed(b)),
    "README.md's speed block differs from the benchmark: run npm run readme",
  );
  assert.equal(withSpeed(readme, b), readme);
  for (const c of ["A", "B", "C"])
    assert.ok(
      b.rows.some((r) => r.config === c),
      `config ${c} measured`,
    );
  const changed = { ...b, rows: b.rows.map((r, i) => (i === 0 ? { ...r, median_ms: r.median_ms + 1 } : r)) };
  assert.ok(!readme.includes(renderSpeed(changed)));
});
