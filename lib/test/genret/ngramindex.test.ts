import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/util/rng";
import { NgramIndex, buildNgramIndex, lcpArray, suffixArray } from "../../src/genret/ngramindex";

/** Random corpus: `numDocs` documents of 0..maxLen tokens over a small alphabet (many repeats). */
function randomCorpus(seed: number, numDocs: number, maxLen: number, vocab: number): number[][] {
  const r = createRng(seed);
  return Array.from({ length: numDocs }, () => Array.from({ length: r.int(maxLen + 1) }, () => r.int(vocab)));
}

/** Brute force: occurrences of every continuation of `g` and the documents containing `g`. */
function scan(docs: number[][], g: number[]): { ext: Map<number, number>; docs: Map<number, number> } {
  const ext = new Map<number, number>(),
    dd = new Map<number, number>();
  docs.forEach((d, di) => {
    for (let i = 0; i + g.length <= d.length; i++) {
      if (g.every((t, j) => d[i + j] === t)) {
        dd.set(di, (dd.get(di) ?? 0) + 1);
        if (i + g.length < d.length) ext.set(d[i + g.length], (ext.get(d[i + g.length]) ?? 0) + 1);
      }
    }
  });
  return { ext, docs: dd };
}

function compareSuffixes(t: Int32Array, a: number, b: number): number {
  while (a < t.length && b < t.length) {
    if (t[a] !== t[b]) return t[a] - t[b];
    a++;
    b++;
  }
  return t.length - a - (t.length - b);
}

test("suffix array equals a naive sort of all suffixes, LCP equals a naive scan", () => {
  for (const seed of [1, 2, 3]) {
    const r = createRng(seed);
    const text = Int32Array.from({ length: 300 }, () => r.int(4));
    const sa = suffixArray(text, 4);
    const naive = Array.from({ length: text.length }, (_, i) => i).sort((a, b) =>
      compareSuffixes(text, a, b),
    );
    assert.deepEqual(Array.from(sa), naive);
    // LCP without separators (no zeros in the text would stop it): shift to 1..4 to test the plain case.
    const t1 = Int32Array.from(text, (x) => x + 1);
    const sa1 = suffixArray(t1, 5);
    const lcp = lcpArray(t1, sa1);
    for (let i = 1; i < sa1.length; i++) {
      let h = 0;
      while (sa1[i] + h < t1.length && sa1[i - 1] + h < t1.length && t1[sa1[i] + h] === t1[sa1[i - 1] + h])
        h++;
      assert.equal(lcp[i], h, `lcp[${i}]`);
    }
  }
});

test("extensions and documents agree with a brute-force scan on random corpora", () => {
  for (const [seed, vocab] of [
    [11, 3],
    [12, 5],
    [13, 20],
  ] as const) {
    const docs = randomCorpus(seed, 40, 25, vocab);
    const idx = buildNgramIndex(docs);
    const r = createRng(seed + 100);
    // Probe n-grams: every prefix of random corpus windows (present) and random sequences (mostly absent).
    const probes: number[][] = [[]];
    for (let k = 0; k < 150; k++) {
      const d = docs[r.int(docs.length)];
      if (d.length === 0) continue;
      const s = r.int(d.length);
      probes.push(d.slice(s, s + 1 + r.int(5)));
      probes.push(Array.from({ length: 1 + r.int(4) }, () => r.int(vocab + 1)));
    }
    for (const g of probes) {
      const want = scan(docs, g);
      const got = idx.extensions(g);
      const gotExt = new Map<number, number>();
      got.tokens.forEach((t, i) => gotExt.set(t, got.counts[i]));
      assert.deepEqual(gotExt, want.ext, `extensions of [${g}]`);
      for (let i = 1; i < got.tokens.length; i++)
        assert.ok(got.tokens[i] > got.tokens[i - 1], "ascending tokens");
      if (g.length > 0) {
        const dd = idx.documents(g);
        const gotDocs = new Map<number, number>();
        dd.docs.forEach((d, i) => gotDocs.set(d, dd.tf[i]));
        assert.deepEqual(gotDocs, want.docs, `documents of [${g}]`);
        let total = 0;
        want.docs.forEach((c) => (total += c));
        assert.equal(idx.count(g), total);
        for (const d of [0, 1, 2]) assert.equal(idx.contains(d, g), want.docs.has(d));
      }
    }
  }
});

test("n-grams never cross a document boundary", () => {
  // "1 2" occurs only across the boundary of doc 0 = [0, 1] and doc 1 = [2, 3].
  const idx = new NgramIndex([
    [0, 1],
    [2, 3],
  ]);
  assert.equal(idx.count([1, 2]), 0);
  assert.deepEqual(Array.from(idx.extensions([1]).tokens), []);
  assert.deepEqual(Array.from(idx.extensions([]).tokens), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(idx.document(1)), [2, 3]);
  assert.equal(idx.numTokens, 4);
});

test("distinctNgrams equals the size of the set of all n-grams", () => {
  const docs = randomCorpus(21, 30, 20, 4);
  const idx = buildNgramIndex(docs);
  for (let len = 1; len <= 6; len++) {
    const set = new Set<string>();
    for (const d of docs) for (let i = 0; i + len <= d.length; i++) set.add(d.slice(i, i + len).join(","));
    assert.equal(idx.distinctNgrams(len), set.size, `len ${len}`);
  }
});

test("bad tokens are rejected", () => {
  assert.throws(() => new NgramIndex([[0, -1]]), /not a non-negative integer/);
  assert.throws(() => new NgramIndex([[0.5]]), /not a non-negative integer/);
});
