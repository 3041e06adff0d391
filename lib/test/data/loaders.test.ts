import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  forEachTriple,
  readBeirCorpus,
  readBeirQueries,
  readCollectionTsv,
  readQueriesTsv,
  readTop1000Tsv,
} from "../../src/data/loaders";
import { readBeirQrels, readMsMarcoQrels, readTrecQrels } from "../../src/eval/io";
import { InputError } from "../../src/util/fsutil";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loaders-"));
let n = 0;
function fixture(content: string | Buffer, name = `f${n++}.txt`): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}
/** Assert that `fn` throws InputError at `file:line` with a message matching `re`. */
function fails(fn: (f: string) => unknown, content: string | Buffer, line: number, re: RegExp): void {
  const f = fixture(content);
  assert.throws(
    () => fn(f),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `not an InputError: ${e}`);
      assert.equal(e.file, f);
      assert.equal(e.line, line, e.message);
      assert.match(e.message, re);
      assert.ok(e.message.startsWith(`${f}:${line}: `));
      return true;
    },
  );
}

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("MS MARCO collection.tsv: read in order, blank lines skipped, limit", () => {
  const f = fixture(
    "0\tThe presence of communication amid scientific minds.\n1\tManhattan Project.\n\n2\tcafé ☕\n",
  );
  assert.deepEqual(readCollectionTsv(f), [
    { docno: "0", text: "The presence of communication amid scientific minds." },
    { docno: "1", text: "Manhattan Project." },
    { docno: "2", text: "café ☕" },
  ]);
  assert.equal(readCollectionTsv(f, 2).length, 2);
  assert.equal(readCollectionTsv(fixture("7\tno final newline")).length, 1);
  assert.equal(readCollectionTsv(fixture("7\twindows line\r\n"))[0].text, "windows line");
});

test("collection.tsv malformed: columns, empty id, id with space, duplicate id, bad UTF-8", () => {
  fails(readCollectionTsv, "0\tok\n1 no tab here\n", 2, /expected 2 tab-separated columns, found 1/);
  fails(readCollectionTsv, "0\tok\n1\ttext\textra\n", 2, /found 3/);
  fails(readCollectionTsv, "\ttext\n", 1, /column 1 \(id\) is empty/);
  fails(readCollectionTsv, "a b\ttext\n", 1, /contains whitespace/);
  fails(readCollectionTsv, "5\tone\n6\ttwo\n5\tthree\n", 3, /duplicate id "5"/);
  fails(
    readCollectionTsv,
    Buffer.concat([Buffer.from("0\tok\n1\tbad "), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]),
    2,
    /not valid UTF-8/,
  );
  assert.throws(
    () => readCollectionTsv(path.join(dir, "missing.tsv")),
    (e: unknown) => e instanceof InputError && /cannot open/.test(e.message),
  );
});

test("queries TSV (MS MARCO queries, TREC DL topics) and its malformed cases", () => {
  const f = fixture("1048585\twhat is paula deen's brother\n2\t)what was the immediate impact\n");
  assert.deepEqual(readQueriesTsv(f), [
    { qid: "1048585", text: "what is paula deen's brother" },
    { qid: "2", text: ")what was the immediate impact" },
  ]);
  fails(readQueriesTsv, "1\tq\n1\tq again\n", 2, /duplicate id "1"/);
  fails(readQueriesTsv, "1\n", 1, /found 1/);
});

test("triples.train.small.tsv: streamed with a limit; malformed lines", () => {
  const f = fixture("q one\tpos one\tneg one\nq two\tpos two\tneg two\nq three\tp\tn\n");
  const seen: string[] = [];
  assert.equal(
    forEachTriple(f, (t) => seen.push(`${t.query}|${t.positive}|${t.negative}`)),
    3,
  );
  assert.deepEqual(seen.slice(0, 2), ["q one|pos one|neg one", "q two|pos two|neg two"]);
  let k = 0;
  assert.equal(
    forEachTriple(f, () => k++, 2),
    2,
  );
  assert.equal(k, 2);
  fails((p) => forEachTriple(p, () => {}), "q\tp\tn\nq\tp\n", 2, /expected 3 tab-separated columns, found 2/);
  fails((p) => forEachTriple(p, () => {}), "q\t\tn\n", 1, /column 2 is empty/);
});

test("top1000.dev.tsv: candidates per query; malformed and inconsistent lines", () => {
  const f = fixture(
    "188714\t1000052\tfoods and supplements\tThe passage one.\n188714\t1000084\tfoods and supplements\tPassage two.\n1082792\t1000052\tdefine mac\tThe passage one.\n",
  );
  const t = readTop1000Tsv(f);
  assert.deepEqual(t.queries, [
    { qid: "188714", text: "foods and supplements" },
    { qid: "1082792", text: "define mac" },
  ]);
  assert.deepEqual(
    t.docs.map((d) => d.docno),
    ["1000052", "1000084"],
  );
  assert.deepEqual(t.candidates.get("188714"), ["1000052", "1000084"]);
  assert.deepEqual(t.candidates.get("1082792"), ["1000052"]);
  fails(readTop1000Tsv, "1\t2\tq\n", 1, /expected 4 tab-separated columns, found 3/);
  fails(readTop1000Tsv, "1\t2\tq\tp\n1\t3\tother\tp3\n", 2, /query 1 has a different text/);
  fails(readTop1000Tsv, "1\t2\tq\tp\n4\t2\tq4\tchanged\n", 2, /passage 2 has a different text/);
  fails(readTop1000Tsv, "1\t2\tq\tp\n1\t2\tq\tp\n", 2, /duplicate pair/);
  fails(readTop1000Tsv, "1\t\tq\tp\n", 1, /column 2 \(id\) is empty/);
});

test("BEIR corpus.jsonl and queries.jsonl; every malformed case", () => {
  const c = fixture(
    '{"_id": "d1", "title": "Cats", "text": "Cats purr."}\n\n{"_id": "d2", "text": "No title.", "metadata": {}}\n{"_id": "d3", "title": "", "text": "Empty title."}\n',
  );
  assert.deepEqual(readBeirCorpus(c), [
    { docno: "d1", text: "Cats Cats purr." },
    { docno: "d2", text: "No title." },
    { docno: "d3", text: "Empty title." },
  ]);
  assert.equal(readBeirCorpus(c, false)[0].text, "Cats purr.");
  fails(readBeirCorpus, '{"_id": "d1", "text": "x"}\n{"_id": "d2", "text": "y"\n', 2, /invalid JSON/);
  fails(readBeirCorpus, '["d1", "x"]\n', 1, /must be a JSON object/);
  fails(readBeirCorpus, '{"text": "x"}\n', 1, /missing field "_id"/);
  fails(readBeirCorpus, '{"_id": "d1"}\n', 1, /missing field "text"/);
  fails(readBeirCorpus, '{"_id": 5, "text": "x"}\n', 1, /"_id" must be a string/);
  fails(readBeirCorpus, '{"_id": "d1", "text": "x", "title": 3}\n', 1, /"title" must be a string/);
  fails(readBeirCorpus, '{"_id": "", "text": "x"}\n', 1, /empty or contains whitespace/);
  fails(readBeirCorpus, '{"_id": "d1", "text": "x"}\n{"_id": "d1", "text": "y"}\n', 2, /duplicate _id "d1"/);
  const q = fixture('{"_id": "q1", "text": "what is a cat", "metadata": {}}\n');
  assert.deepEqual(readBeirQueries(q), [{ qid: "q1", text: "what is a cat" }]);
  fails(readBeirQueries, '{"_id": "q1", "text": null}\n', 1, /"text" must be a string/);
});

test("qrels through the evaluation module: MS MARCO TSV, TREC DL graded, BEIR", () => {
  // MS MARCO qrels.dev.small.tsv: qid 0 pid 1, tab-separated
  const ms = readMsMarcoQrels(fixture("1102432\t0\t2026790\t1\n1102431\t0\t7066866\t1\n"));
  assert.equal(ms.get("1102432")!.get("2026790"), 1);
  // TREC DL 2019 2019qrels-pass.txt: qid Q0 pid grade (0–3), space-separated
  const dl = readTrecQrels(fixture("19335 0 1017759 0\n19335 0 1082489 3\n19335 0 109063 2\n"));
  assert.deepEqual([...dl.get("19335")!.values()], [0, 3, 2]);
  const beir = readBeirQrels(fixture("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\n"));
  assert.equal(beir.get("q1")!.get("d2"), 2);
  fails(readTrecQrels, "19335 0 1017759 x\n", 1, /not an integer/);
});
