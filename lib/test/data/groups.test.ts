import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildTrainingGroups, pointwiseView, readGroupsTsv, writeGroupsTsv } from "../../src/data/groups";
import { InputError } from "../../src/util/fsutil";
import type { Qrels, Run } from "../../src/eval/types";

// 20 passages p00..p19; q1 has 15 candidates p00..p14 scored 15..1; p03 judged 1, p05 judged 2.
const docnos = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, "0")}`);
const docIndex = new Map(docnos.map((d, i) => [d, i]));
const run: Run = new Map([
  ["q1", { docnos: docnos.slice(0, 15), scores: Float64Array.from({ length: 15 }, (_, i) => 15 - i) }],
  ["q2", { docnos: ["p00", "p01", "p02"], scores: Float64Array.from([3, 2, 1]) }],
  ["q3", { docnos: ["p09"], scores: Float64Array.from([1]) }],
]);
const qrels: Qrels = new Map([
  [
    "q1",
    new Map([
      ["p03", 1],
      ["p05", 2],
      ["p19", 1],
    ]),
  ],
  [
    "q2",
    new Map([
      ["p00", 1],
      ["p19", 1],
    ]),
  ],
  ["q3", new Map()],
]);
const queries = [{ qid: "q1" }, { qid: "q2" }, { qid: "q3" }];

test("1 positive (highest grade) + 10 negatives from the candidates, judged passages excluded", () => {
  const g = buildTrainingGroups(queries, run, qrels, docIndex, { seed: 5 });
  assert.equal(g.size, 11);
  assert.equal(g.count, 2);
  assert.deepEqual(g.skipped, [{ qid: "q3", reason: "no judged positive in the collection" }]);
  const row = (k: number) => Array.from(g.docIdx.subarray(k * 11, (k + 1) * 11), (d) => docnos[d]);
  const r1 = row(0);
  assert.equal(r1[0], "p05"); // the grade-2 passage is q1's only passage of its highest grade
  const negs = r1.slice(1);
  assert.equal(new Set(negs).size, 10); // 12 eligible (p00..p14 minus p03, p05) → no repeats
  for (const n of negs) {
    assert.ok(!["p03", "p05", "p19"].includes(n));
    assert.ok(docIndex.get(n)! < 15);
  }
  // q2: both judged passages are grade 1, so the positive is one of them; 2 eligible
  // negatives (p01, p02) → taken, then drawn again with replacement up to 10
  const r2 = row(1);
  assert.ok(["p00", "p19"].includes(r2[0]));
  assert.deepEqual(new Set(r2.slice(1)), new Set(["p01", "p02"]));
});

test("deterministic by seed, independent of query order, and depth limits the pool", () => {
  const a = buildTrainingGroups(queries, run, qrels, docIndex, { seed: 5 });
  const b = buildTrainingGroups(queries, run, qrels, docIndex, { seed: 5 });
  assert.deepEqual(a, b);
  const c = buildTrainingGroups(queries, run, qrels, docIndex, { seed: 6 });
  assert.notDeepEqual(Array.from(a.docIdx.subarray(1, 11)), Array.from(c.docIdx.subarray(1, 11)));
  // the order of a run's arrays carries no meaning: shuffled candidates give the same groups
  const q1 = run.get("q1")!;
  const perm = [7, 2, 14, 0, 9, 4, 11, 1, 13, 6, 3, 10, 5, 12, 8];
  const shuffled = new Map(run);
  shuffled.set("q1", {
    docnos: perm.map((i) => q1.docnos[i]),
    scores: Float64Array.from(perm, (i) => q1.scores[i]),
  });
  assert.deepEqual(
    buildTrainingGroups(queries, shuffled, qrels, docIndex, { seed: 5, depth: 6 }),
    buildTrainingGroups(queries, run, qrels, docIndex, { seed: 5, depth: 6 }),
  );
  const rev = buildTrainingGroups(queries.slice().reverse(), run, qrels, docIndex, { seed: 5 });
  assert.deepEqual(Array.from(rev.docIdx.subarray(11, 22)), Array.from(a.docIdx.subarray(0, 11)));
  // depth 6: pool = top 6 (p00..p05) minus judged p03, p05 → {p00, p01, p02, p04}
  const d = buildTrainingGroups([{ qid: "q1" }], run, qrels, docIndex, { seed: 5, depth: 6, negatives: 3 });
  assert.equal(d.size, 4);
  const negs = Array.from(d.docIdx.subarray(1), (i) => docnos[i]);
  for (const n of negs) assert.ok(["p00", "p01", "p02", "p04"].includes(n));
  assert.equal(new Set(negs).size, 3);
});

test("pointwise view: the same passages, label 1 for the positive only", () => {
  const g = buildTrainingGroups(queries, run, qrels, docIndex, { seed: 5 });
  const p = pointwiseView(g);
  assert.equal(p.label.length, 22);
  assert.deepEqual(Array.from(p.docIdx), Array.from(g.docIdx));
  assert.deepEqual(Array.from(p.label.subarray(0, 11)), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(p.queryIdx.subarray(10, 12)), [0, 1]);
  assert.deepEqual(Array.from(p.group.subarray(10, 12)), [0, 1]);
});

test("groups TSV round trip and malformed files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groups-"));
  const g = buildTrainingGroups(queries, run, qrels, docIndex, { seed: 5 });
  const f = path.join(dir, "g.tsv");
  writeGroupsTsv(f, g, docnos);
  const back = readGroupsTsv(f, queries, docIndex);
  assert.deepEqual({ ...back, skipped: [] }, { ...g, skipped: [] });
  const bad = (text: string, line: number, re: RegExp) => {
    fs.writeFileSync(f, text);
    assert.throws(
      () => readGroupsTsv(f, queries, docIndex),
      (e: unknown) => e instanceof InputError && e.line === line && re.test(e.message),
    );
  };
  bad("q1\tp00\tp01\nq2\tp00\n", 2, /at least 2 docnos/);
  bad("q1\tp00\tp01\nq2\tp00\tp01\tp02\n", 2, /expected 3 columns/);
  bad("qX\tp00\tp01\n", 1, /unknown query/);
  bad("q1\tp00\tpZZ\n", 1, /unknown docno/);
  bad("q1\tp00\tp01\nq1\tp00\tp01\n", 2, /second group/);
  fs.rmSync(dir, { recursive: true, force: true });
});
