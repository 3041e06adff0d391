import { test } from "node:test";
import assert from "node:assert/strict";
import { createAnalyzer, tokenizeWords } from "../../src/data/analyzer";
import { bm25Idf, bm25Run, buildBm25Index, Bm25Searcher } from "../../src/data/bm25";

test("analyzer: tokenise, drop possessive, lowercase, Lucene stopwords, Porter stem", () => {
  assert.deepEqual(tokenizeWords("Don't stop—the 3.5 dogs!"), ["Don't", "stop", "the", "3", "5", "dogs"]);
  assert.deepEqual(createAnalyzer().analyze("The Runner's dogs are RUNNING into it"), [
    "runner",
    "dog",
    "run",
  ]);
  assert.deepEqual(createAnalyzer({ stem: false }).analyze("The Runner's dogs are RUNNING"), [
    "runner",
    "dogs",
    "running",
  ]);
  assert.deepEqual(createAnalyzer({ stem: false, stopwords: [] }).analyze("The cat"), ["the", "cat"]);
});

// A 3-document corpus worked by hand (analyzer: no stemming, Lucene stopwords; k1 = 0.9, b = 0.4):
//   d1 "cat dog"       → [cat, dog]        |d1| = 2
//   d2 "cat cat fish"  → [cat, cat, fish]  |d2| = 3
//   d3 "the bird"      → [bird]            |d3| = 1   ("the" is a stopword)
//   N = 3, avgdl = (2 + 3 + 1) / 3 = 2
//   idf(cat)  = ln(1 + (3 − 2 + 0.5)/(2 + 0.5)) = ln(1 + 1.5/2.5) = ln 1.6
//   idf(fish) = idf(bird) = ln(1 + (3 − 1 + 0.5)/(1 + 0.5)) = ln(1 + 2.5/1.5) = ln(8/3)
//   length factor K(d) = 0.9 · (1 − 0.4 + 0.4 · |d|/2):  K(d1) = 0.9 · 1 = 0.9,
//   K(d2) = 0.9 · (0.6 + 0.6) = 1.08,  K(d3) = 0.9 · (0.6 + 0.2) = 0.72
const docs = [
  { docno: "d1", text: "cat dog" },
  { docno: "d2", text: "cat cat fish" },
  { docno: "d3", text: "the bird" },
];

test("BM25 scores match the hand-worked values", () => {
  const index = buildBm25Index(docs, { stem: false });
  assert.equal(index.avgdl, 2);
  assert.deepEqual(Array.from(index.docLengths), [2, 3, 1]);
  assert.equal(bm25Idf(3, 2), Math.log(1.6));
  const s = new Bm25Searcher(index);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  // "cat": d1 = ln1.6 · 1/(1 + 0.9) = 0.24737...,  d2 = ln1.6 · 2/(2 + 1.08) = 0.30519...
  close(s.score("cat", 0), (Math.log(1.6) * 1) / 1.9);
  close(s.score("cat", 1), (Math.log(1.6) * 2) / 3.08);
  assert.ok(Math.abs(s.score("cat", 1) - 0.3051971618) < 1e-9); // numerically: 0.4700036292 · 0.6493506494
  assert.equal(s.score("cat", 2), 0);
  // "cat fish" on d2: ln1.6 · 2/3.08 + ln(8/3) · 1/(1 + 1.08)
  close(s.score("cat fish", 1), (Math.log(1.6) * 2) / 3.08 + Math.log(8 / 3) / 2.08);
  // repeated query term counts twice (Anserini bag of words): "bird cat cat" on d1 = 2 · ln1.6/1.9
  close(s.score("bird cat cat", 0), (2 * Math.log(1.6)) / 1.9);
  close(s.score("bird cat cat", 2), Math.log(8 / 3) / 1.72);
  const hits = s.search("cat fish", 10);
  assert.deepEqual(Array.from(hits.docIdx), [1, 0]); // d3 matches nothing, so it is not a candidate
  close(hits.scores[0], (Math.log(1.6) * 2) / 3.08 + Math.log(8 / 3) / 2.08);
});

test("top-k keeps the best k, ties broken by docno descending (trec_eval order)", () => {
  const index = buildBm25Index([
    { docno: "a", text: "x y" },
    { docno: "c", text: "x y" },
    { docno: "b", text: "x y" },
    { docno: "z", text: "q" },
  ]);
  const s = new Bm25Searcher(index);
  const top2 = s.search("x", 2);
  assert.deepEqual(
    Array.from(top2.docIdx, (d) => index.docnos[d]),
    ["c", "b"],
  );
  const all = s.search("x", 10);
  assert.deepEqual(
    Array.from(all.docIdx, (d) => index.docnos[d]),
    ["c", "b", "a"],
  );
  assert.equal(s.search("nothing", 5).docIdx.length, 0);
});

test("bm25Run returns one entry per query, best first, and matches the searcher", () => {
  const index = buildBm25Index(docs, { stem: false });
  const run = bm25Run(
    index,
    [
      { qid: "q1", text: "cat" },
      { qid: "q2", text: "unicorn" },
    ],
    100,
  );
  assert.deepEqual(run.get("q1")!.docnos, ["d2", "d1"]);
  assert.equal(run.get("q2")!.docnos.length, 0);
  assert.ok(Math.abs(run.get("q1")!.scores[0] - (Math.log(1.6) * 2) / 3.08) < 1e-12);
  // postings are doc-ascending with the right tfs: "cat" → d1 (tf 1), d2 (tf 2)
  const t = index.termIds.get("cat")!;
  assert.deepEqual(Array.from(index.docIds.subarray(index.offsets[t], index.offsets[t + 1])), [0, 1]);
  assert.deepEqual(Array.from(index.tfs.subarray(index.offsets[t], index.offsets[t + 1])), [1, 2]);
  assert.throws(
    () =>
      buildBm25Index([
        { docno: "x", text: "a" },
        { docno: "x", text: "b" },
      ]),
    /duplicate docno/,
  );
});
