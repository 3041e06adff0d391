import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/util/rng";
import {
  buildDocidPairs,
  buildSpanPairs,
  nestedFraction,
  sampleSpans,
  spanOverlap,
} from "../../src/genret/pairs";

test("span overlap counts matched query unigrams, bigrams and trigrams", () => {
  // query 1 2 3; span 9 1 2 3: unigrams {1,2,3} → 3, bigrams (1,2),(2,3) → 2, trigram (1,2,3) → 1: total 6.
  assert.equal(spanOverlap([9, 1, 2, 3], [1, 2, 3]), 6);
  // span 3 2 1: unigrams 3, no bigram or trigram in order: 3. Ignoring token 2: 2.
  assert.equal(spanOverlap([3, 2, 1], [1, 2, 3]), 3);
  assert.equal(spanOverlap([3, 2, 1], [1, 2, 3], new Set([2])), 2);
  assert.equal(spanOverlap([7, 8], [1, 2]), 0);
});

test("spans are drawn with softmax weights on the overlap", () => {
  // doc 9 9 1 2, spanLen 3, query 1 2: windows [9 9 1] o = 1 and [9 1 2] o = 1 + 1 + 1(bigram 1 2) = 3.
  // P(second) = e³/(e¹ + e³) = 1/(1 + e⁻²) = 0.8808. 4000 draws: sd = √(0.88·0.12/4000) ≈ 0.0051.
  const r = createRng(3);
  let second = 0;
  const N = 4000;
  for (let i = 0; i < N; i++) {
    const { starts, spans } = sampleSpans([9, 9, 1, 2], [1, 2], { spanLen: 3, count: 1, temperature: 1 }, r);
    if (starts[0] === 1) {
      second++;
      assert.deepEqual(Array.from(spans[0]), [9, 1, 2]);
    }
  }
  assert.ok(Math.abs(second / N - 1 / (1 + Math.exp(-2))) < 0.03, `${second / N}`);
  // Without replacement while windows remain; a short document is one span.
  const all = sampleSpans([9, 9, 1, 2], [1, 2], { spanLen: 3, count: 2, temperature: 1 }, r);
  assert.deepEqual([...all.starts].sort(), [0, 1]);
  const short = sampleSpans([4, 5], [4], { spanLen: 10, count: 3, temperature: 1 }, r);
  assert.deepEqual(
    short.spans.map((s) => Array.from(s)),
    [
      [4, 5],
      [4, 5],
      [4, 5],
    ],
  );
});

test("training pairs: one per sampled span of each positive, spans are substrings of their document", () => {
  const r = createRng(1);
  const docs = Array.from({ length: 10 }, () => Array.from({ length: 20 }, () => r.int(30)));
  const queries = [
    { tokens: docs[2].slice(3, 6), positives: [2] },
    { tokens: [1, 2], positives: [4, 7] },
  ];
  const pairs = buildSpanPairs(queries, docs, { spanLen: 5, count: 3, temperature: 1 }, createRng(2));
  assert.equal(pairs.length, 3 + 6);
  for (const p of pairs) {
    const d = docs[p.doc].join(",");
    assert.ok(("," + d + ",").includes("," + Array.from(p.target).join(",") + ","));
    assert.equal(p.target.length, 5);
    assert.deepEqual(Array.from(p.query), queries[p.queryIndex].tokens);
  }
  const codes = docs.map((_, i) => Int32Array.from([100 + i, 200]));
  const dp = buildDocidPairs(queries, codes);
  assert.deepEqual(
    dp.map((p) => p.doc),
    [2, 4, 7],
  );
  assert.deepEqual(Array.from(dp[1].target), [104, 200]);
});

test("data fractions are nested and sized round(f·n)", () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  let prev: number[] = [];
  for (const f of [0.2, 0.4, 0.6, 0.8, 1.0]) {
    const sub = nestedFraction(items, f, 7);
    assert.equal(sub.length, Math.round(50 * f));
    for (const x of prev) assert.ok(sub.includes(x));
    prev = sub;
  }
  assert.deepEqual(prev, items);
  assert.throws(() => nestedFraction(items, 0, 1), /fraction/);
});
