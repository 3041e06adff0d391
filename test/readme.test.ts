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
import { SNAPSHOT, renderResults, withResults, type ResultsSnapshot } from "../scripts/readme";

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
