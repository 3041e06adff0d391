import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../../src/util/fsutil";
import {
  evaluate,
  qrelsFromArrays,
  readBeirQrels,
  readMsMarcoQrels,
  readMsMarcoRun,
  readRun,
  readTrecQrels,
  readTrecRun,
  runFromArrays,
  RunNotGroupedError,
  scanRun,
  writeBeirQrels,
  writeMsMarcoQrels,
  writeMsMarcoRun,
  writeTrecQrels,
  writeTrecRun,
} from "../../src/eval";
import { parseDecimal } from "../../src/eval/lines";

const FIX = path.resolve(__dirname, "..", "fixtures", "eval");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-eval-"));
let n = 0;
function file(text: string | Buffer): string {
  const f = path.join(tmp, `f${n++}.txt`);
  fs.writeFileSync(f, text);
  return f;
}

/** Assert that `fn` throws an InputError naming `f` and `line`, with a problem matching `re`. */
function inputError(fn: () => unknown, f: string, line: number, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `not an InputError: ${e}`);
    assert.equal(e.file, f);
    assert.equal(e.line, line);
    assert.match(e.problem, re);
    assert.equal(e.message, `${f}:${line}: ${e.problem}`);
    return true;
  });
}

test("TREC qrels and run: values, comments and blank lines skipped", () => {
  const q = readTrecQrels(path.join(FIX, "golden.qrels"));
  assert.deepEqual([...q.keys()], ["q1", "q2", "q3", "q4"]);
  assert.deepEqual(
    [...q.get("q1")!],
    [
      ["a", 3],
      ["b", 1],
      ["c", 0],
      ["d", 2],
    ],
  );
  const r = readTrecRun(path.join(FIX, "golden.run"));
  assert.deepEqual(r.get("q2")!.docnos, ["10", "9", "100"]);
  assert.deepEqual(Array.from(r.get("q2")!.scores), [1, 1, 0.5]);
  assert.ok(r.get("q1")!.scores instanceof Float64Array);
});

test("MS MARCO qrels/run TSV (CRLF tolerated) and BEIR qrels with header", () => {
  const q = readMsMarcoQrels(path.join(FIX, "msmarco.qrels.tsv"));
  assert.deepEqual(
    [...q.get("1102432")!],
    [
      ["2026790", 1],
      ["7", 0],
    ],
  );
  assert.deepEqual([...q.get("300674")!], [["7067032", 1]]);
  const r = readMsMarcoRun(path.join(FIX, "msmarco.run.tsv"));
  // score = −rank, so ranking by score reproduces the file's ranks
  assert.deepEqual(Array.from(r.get("1102432")!.scores), [-1, -2, -3]);
  // MRR: 1102432 has its relevant doc at rank 2, 300674 at rank 1 → (1/2 + 1)/2
  assert.equal(evaluate(q, r, ["recip_rank"], { maxDepth: 10 }).means["recip_rank"], (1 / 2 + 1) / 2);
  const b = readBeirQrels(path.join(FIX, "beir.qrels.tsv"));
  assert.deepEqual(
    [...b.get("test-1")!],
    [
      ["doc-a b", 2],
      ["doc-c", 0],
    ],
  ); // TSV: spaces stay in ids
  assert.deepEqual([...b.get("test-2")!], [["doc-a b", 1]]);
});

test("malformed input: each error names file, line and problem", () => {
  let f = file("q1 0 d1 1\nq1 0 d2\n");
  inputError(() => readTrecQrels(f), f, 2, /expected 4 columns, found 3/);
  f = file("q1 0 d1 1\n\nq1 0 d2 1.5\n");
  inputError(() => readTrecQrels(f), f, 3, /grade "1.5" is not an integer/);
  f = file("q1 0 d1 1\nq1 0 d1 0\n");
  inputError(() => readTrecQrels(f), f, 2, /duplicate judgment for query q1, docno d1/);
  f = file("q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 0.4\n");
  inputError(() => readTrecRun(f), f, 2, /expected 6 columns/);
  f = file("q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 0.4 t extra\n");
  inputError(() => readTrecRun(f), f, 2, /expected 6 columns/);
  f = file("q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 high t\n");
  inputError(() => readTrecRun(f), f, 2, /score "high" is not a number/);
  for (const bad of ["0x10", "1e", "--1", ".", "nan", "1.2.3"]) {
    f = file(`q1 Q0 d1 1 ${bad} t\n`);
    inputError(() => readTrecRun(f), f, 1, /is not a number/);
  }
  f = file("q1 Q0 d1 1 0.5 t\nq2 Q0 d1 1 0.5 t\nq1 Q0 d1 2 0.4 t\n");
  inputError(() => readTrecRun(f), f, 3, /duplicate docno d1 in query q1/); // even across blocks
  f = file("1\tdoc\t0\n");
  inputError(() => readMsMarcoRun(f), f, 1, /rank "0" is not a positive integer/);
  f = file("1\tdoc\n");
  inputError(() => readMsMarcoRun(f), f, 1, /expected 3 columns \(qid docid rank\), found 2/);
  f = file("q\td\t1\n");
  inputError(() => readBeirQrels(f), f, 1, /expected a header line/);
  f = file("query-id\tcorpus-id\tscore\nq\td\n");
  inputError(() => readBeirQrels(f), f, 2, /expected 3 columns/);
  f = file(Buffer.from([0x71, 0x20, 0x30, 0x20, 0xff, 0xfe, 0x20, 0x31, 0x0a])); // q 0 \xff\xfe 1
  inputError(() => readTrecQrels(f), f, 1, /not valid UTF-8/);
  inputError(() => readTrecQrels(path.join(tmp, "missing")), path.join(tmp, "missing"), 0, /cannot open/);
});

test("scores parse exactly like strtod (correctly rounded)", () => {
  const cases = [
    "2.129133",
    "-0.0",
    "+1.5",
    "1e-7",
    "3.4E+2",
    ".5",
    "5.",
    "123456789012345678",
    "0.1000000000000000055511151231257827",
    "-12.345678",
  ];
  for (const s of cases) {
    const v = parseDecimal(Buffer.from(s), 0, s.length);
    assert.ok(Object.is(v, Number(s)), `${s}: ${v} vs ${Number(s)}`);
  }
  // 2000 random 6-decimal strings through the fast path agree with Number().
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const s = ((x / 2147483648 - 0.5) * 40).toFixed(1 + (i % 9));
    assert.ok(Object.is(parseDecimal(Buffer.from(s), 0, s.length), Number(s)), s);
  }
});

test("round trips: TREC/MS MARCO runs and all qrels formats (atomic writers)", () => {
  const run = runFromArrays(
    ["q2", "q1", "q1", "q1"],
    ["d1", "b", "a", "c"],
    [1e-300, 0.1 + 0.2, 0.1 + 0.2, -0],
  );
  const f = path.join(tmp, "rt.run");
  writeTrecRun(f, run, "myrun");
  assert.equal(fs.readFileSync(f, "utf8").split("\n")[0], "q1 Q0 b 1 0.30000000000000004 myrun"); // b > a on the tie
  const back = readTrecRun(f);
  assert.deepEqual(back.get("q1")!.docnos, ["b", "a", "c"]);
  assert.ok(Object.is(back.get("q1")!.scores[2], 0)); // -0 prints as "0"
  assert.equal(back.get("q1")!.scores[0], 0.1 + 0.2);
  assert.equal(back.get("q2")!.scores[0], 1e-300);
  const m = path.join(tmp, "rt.tsv");
  writeMsMarcoRun(m, run);
  assert.deepEqual(readMsMarcoRun(m).get("q1")!.docnos, ["b", "a", "c"]);
  const qrels = qrelsFromArrays(["q1", "q1", "q2"], ["a", "b", "x y"], [2, 0, -1]);
  const t = path.join(tmp, "rt.beir");
  writeBeirQrels(t, qrels);
  assert.deepEqual(readBeirQrels(t), qrels);
  const qrelsNoSpace = qrelsFromArrays(["q1", "q1", "q2"], ["a", "b", "xy"], [2, 0, -1]);
  writeTrecQrels(t, qrelsNoSpace);
  assert.deepEqual(readTrecQrels(t), qrelsNoSpace);
  writeMsMarcoQrels(t, qrelsNoSpace);
  assert.deepEqual(readMsMarcoQrels(t), qrelsNoSpace);
  assert.throws(() => writeTrecQrels(t, qrels), /separator/); // "x y" cannot be a TREC field
  assert.deepEqual(readMsMarcoQrels(t), qrelsNoSpace); // …and the failed write left the file intact
  assert.deepEqual(
    fs.readdirSync(tmp).filter((x) => x.endsWith(".tmp")),
    [],
  );
});

test("streaming scan: grouped runs stream, interleaved runs are detected and still readable", () => {
  const f = file("q1 Q0 a 1 1 t\nq2 Q0 a 1 1 t\nq1 Q0 b 2 0 t\n");
  assert.throws(() => scanRun(f, "trec", () => {}, true), RunNotGroupedError);
  const r = readRun(f);
  assert.deepEqual(r.get("q1")!.docnos, ["a", "b"]);
  assert.deepEqual(Array.from(r.get("q1")!.scores), [1, 0]);
  const seen: string[] = [];
  scanRun(path.join(FIX, "golden.run"), "trec", (qid) => seen.push(qid), true);
  assert.deepEqual(seen, ["q1", "q2", "q3", "q5"]);
});

test("files larger than the read chunk: lines across chunk boundaries", () => {
  // ~5.6 MB (the reader's chunk is 4 MiB), no trailing newline at the end
  const lines: string[] = [];
  for (let i = 0; i < 120000; i++)
    lines.push(`q${i % 7} Q0 doc-${i} ${i} ${(i % 1000) / 8} run-with-a-long-tag`);
  const f = file(lines.join("\n"));
  const r = readTrecRun(f);
  let total = 0;
  for (const q of r.values()) total += q.docnos.length;
  assert.equal(total, 120000);
  const q3 = r.get("q3")!;
  assert.equal(q3.docnos[q3.docnos.length - 1], "doc-119997"); // 119997 = 7·17142 + 3: the last q3 line
  assert.equal(q3.scores[q3.docnos.length - 1], 997 / 8);
});
