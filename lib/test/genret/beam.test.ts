import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/util/rng";
import { buildNgramIndex } from "../../src/genret/ngramindex";
import {
  aggregateNgrams,
  constrainedBeamSearch,
  generativeRetrievalRun,
  ngramWeight,
  scoresToRunQuery,
  type BeamResult,
  type NextTokenScorer,
} from "../../src/genret/beam";

function occurrences(docs: number[][], g: ArrayLike<number>): number {
  let c = 0;
  for (const d of docs)
    for (let i = 0; i + g.length <= d.length; i++) if (Array.from(g).every((t, j) => d[i + j] === t)) c++;
  return c;
}

/** Scorer with log p(t) = −t for every prefix: prefers small token ids. */
const preferSmall =
  (V: number): NextTokenScorer =>
  (prefixes) =>
    prefixes.map(() => Float32Array.from({ length: V }, (_, t) => -t));

test("beam search on a hand-worked corpus (log p(t) = −t)", async () => {
  // docs: d0 = 7 7 3, d1 = 1 7 2. Root extensions {1, 2, 3, 7}.
  const docs = [
    [7, 7, 3],
    [1, 7, 2],
  ];
  const idx = buildNgramIndex(docs);
  // Beam 1 (greedy): [1] (−1) → [1 7] (−8) → [1 7 2] (−10) → no continuation.
  const g = await constrainedBeamSearch(idx, preferSmall(8), { beam: 1, maxLen: 10 });
  assert.deepEqual(
    g.ngrams.map((n) => Array.from(n.tokens)),
    [[1], [1, 7], [1, 7, 2]],
  );
  assert.deepEqual(
    g.ngrams.map((n) => n.logProb),
    [-1, -8, -10],
  );
  assert.deepEqual(g.final, [2]);
  assert.equal(g.prefixesScored, 3);
  // Beam 2: step 1 keeps [1] (−1), [2] (−2). Step 2: [2] has no continuation and stays (−2),
  // [1 7] (−8). Step 3: [1 7 2] (−10). Final beam: [2] then [1 7 2].
  const b = await constrainedBeamSearch(idx, preferSmall(8), { beam: 2, maxLen: 10 });
  assert.deepEqual(
    b.ngrams.map((n) => Array.from(n.tokens)),
    [[1], [2], [1, 7], [1, 7, 2]],
  );
  assert.deepEqual(
    b.final.map((i) => Array.from(b.ngrams[i].tokens)),
    [[2], [1, 7, 2]],
  );
  assert.deepEqual(
    b.ngrams.map((n) => n.count),
    [1, 1, 1, 1],
  );
  assert.deepEqual(
    b.ngrams.map((n) => n.parent),
    [-1, -1, 0, 2],
  );
});

test("constrained beam search never emits an n-gram absent from the corpus (random scorers, random corpora)", async () => {
  for (const seed of [1, 2, 3, 4]) {
    const r = createRng(seed);
    const V = 6 + seed;
    const docs = Array.from({ length: 25 }, () => Array.from({ length: 3 + r.int(15) }, () => r.int(V)));
    const idx = buildNgramIndex(docs);
    // Random log-probabilities that also favour tokens absent after the prefix (the constraint must bite).
    const scorer: NextTokenScorer = (prefixes) =>
      prefixes.map(() => Float32Array.from({ length: V + 3 }, () => -5 * r.next()));
    for (const beam of [1, 3, 10, 40]) {
      const res = await constrainedBeamSearch(idx, scorer, { beam, maxLen: 8 });
      assert.ok(res.ngrams.length > 0);
      for (const g of res.ngrams) {
        const c = occurrences(docs, g.tokens);
        assert.ok(c > 0, `emitted absent n-gram [${g.tokens}]`);
        assert.equal(g.count, c);
        if (g.parent >= 0)
          assert.deepEqual(
            Array.from(res.ngrams[g.parent].tokens),
            Array.from(g.tokens.subarray(0, g.tokens.length - 1)),
          );
      }
      assert.ok(res.final.length <= beam);
    }
  }
});

test("n-gram weight and aggregation match hand-worked values", () => {
  // Corpus d0 = 1 2 3, d1 = 1 2 4, d2 = 5: 7 tokens. F([1]) = F([1 2]) = 2, F([1 2 3]) = F([5]) = 1.
  const idx = buildNgramIndex([[1, 2, 3], [1, 2, 4], [5]]);
  const res: BeamResult = {
    ngrams: [
      { tokens: Int32Array.from([1]), logProb: Math.log(0.9), count: 2, parent: -1 },
      { tokens: Int32Array.from([1, 2]), logProb: Math.log(0.8), count: 2, parent: 0 },
      { tokens: Int32Array.from([1, 2, 3]), logProb: Math.log(0.5), count: 1, parent: 1 },
      { tokens: Int32Array.from([5]), logProb: Math.log(0.05), count: 1, parent: -1 },
    ],
    final: [2, 3],
    steps: 3,
    prefixesScored: 4,
  };
  // w([1])     = log(0.9·(5/7) / ((2/7)·0.1)) = log 22.5
  // w([1 2])   = log(0.8·(5/7) / ((2/7)·0.2)) = log 10
  // w([1 2 3]) = log(0.5·(6/7) / ((1/7)·0.5)) = log 6
  // w([5])     = max(0, log(0.05·(6/7) / ((1/7)·0.95))) = max(0, log 0.3158) = 0
  assert.ok(Math.abs(ngramWeight(Math.log(0.9), 2, 7) - Math.log(22.5)) < 1e-9);
  assert.ok(Math.abs(ngramWeight(Math.log(0.8), 2, 7) - Math.log(10)) < 1e-9);
  assert.ok(Math.abs(ngramWeight(Math.log(0.5), 1, 7) - Math.log(6)) < 1e-9);
  assert.equal(ngramWeight(Math.log(0.05), 1, 7), 0);
  // d0 holds the chain [1] ⊂ [1 2] ⊂ [1 2 3]: paid once, at its best member, log 22.5.
  // d1 holds [1] ⊂ [1 2]: also log 22.5. d2 holds only [5], weight 0: not retrieved.
  // (The earlier rule "only the longest member counts" gave d0 log 6 < d1 log 10: the document
  // holding the whole generated path ranked below one holding only a prefix of it.)
  const scores = aggregateNgrams(idx, res, { scoring: "sum" });
  assert.equal(scores.size, 2);
  assert.ok(Math.abs(scores.get(0)! - Math.log(22.5)) < 1e-9);
  assert.ok(Math.abs(scores.get(1)! - Math.log(22.5)) < 1e-9);
  const rq = scoresToRunQuery(scores, ["A", "B", "C"]);
  assert.deepEqual(rq.docnos, ["A", "B"]);
});

test("aggregation: best non-nested set on a branching beam tree (hand-worked)", () => {
  // Corpus d0 = 1 2 3 1 5, d1 = 1 2 4, d2 = 5: 9 tokens. F([1]) = 3, F([1 2]) = 2, F([1 2 3]) = 1,
  // F([1 5]) = 1, F([5]) = 2. Beam tree: [1] → {[1 2] → [1 2 3], [1 5]}; [5] a second root.
  const idx = buildNgramIndex([[1, 2, 3, 1, 5], [1, 2, 4], [5]]);
  const res: BeamResult = {
    ngrams: [
      { tokens: Int32Array.from([1]), logProb: Math.log(0.5), count: 3, parent: -1 },
      { tokens: Int32Array.from([5]), logProb: Math.log(0.2), count: 2, parent: -1 },
      { tokens: Int32Array.from([1, 2]), logProb: Math.log(0.4), count: 2, parent: 0 },
      { tokens: Int32Array.from([1, 5]), logProb: Math.log(0.2), count: 1, parent: 0 },
      { tokens: Int32Array.from([1, 2, 3]), logProb: Math.log(0.3), count: 1, parent: 2 },
    ],
    final: [4, 3, 1],
    steps: 3,
    prefixesScored: 5,
  };
  // w([1])     = log(0.5·(6/9) / ((3/9)·0.5)) = log 2
  // w([5])     = max(0, log(0.2·(7/9) / ((2/9)·0.8))) = max(0, log 0.875) = 0
  // w([1 2])   = log(0.4·(7/9) / ((2/9)·0.6)) = log(7/3)
  // w([1 5])   = log(0.2·(8/9) / ((1/9)·0.8)) = log 2
  // w([1 2 3]) = log(0.3·(8/9) / ((1/9)·0.7)) = log(24/7)
  // d0: best([1 2]) = max(log 7/3, log 24/7) = log 24/7; best([1]) = max(log 2, log 24/7 + log 2) = log 48/7.
  // d1: best([1]) = max(log 2, log 7/3) = log 7/3. d2: only [5], weight 0: not retrieved.
  const scores = aggregateNgrams(idx, res, { scoring: "sum" });
  assert.equal(scores.size, 2);
  assert.ok(Math.abs(scores.get(0)! - Math.log(48 / 7)) < 1e-9, `${scores.get(0)}`);
  assert.ok(Math.abs(scores.get(1)! - Math.log(7 / 3)) < 1e-9, `${scores.get(1)}`);
  // "best" (the default): the largest single weight. d0 holds all four weighted n-grams, the best
  // is [1 2 3] with log(24/7); d1 holds [1] and [1 2], the best is log(7/3); d2 again not retrieved.
  const best = aggregateNgrams(idx, res);
  assert.equal(best.size, 2);
  assert.ok(Math.abs(best.get(0)! - Math.log(24 / 7)) < 1e-9, `${best.get(0)}`);
  assert.ok(Math.abs(best.get(1)! - Math.log(7 / 3)) < 1e-9, `${best.get(1)}`);
});

test("aggregation: a document holding more of the emitted n-grams never scores lower (random trees)", async () => {
  for (const seed of [1, 2, 3]) {
    const r = createRng(100 + seed);
    const V = 5;
    const docs = Array.from({ length: 30 }, () => Array.from({ length: 4 + r.int(10) }, () => r.int(V)));
    const idx = buildNgramIndex(docs);
    const scorer: NextTokenScorer = (prefixes) =>
      prefixes.map(() => Float32Array.from({ length: V }, () => -3 * r.next()));
    const res = await constrainedBeamSearch(idx, scorer, { beam: 4, maxLen: 6 });
    const scores = aggregateNgrams(idx, res, { scoring: "sum" });
    const bestScores = aggregateNgrams(idx, res, { scoring: "best" });
    const w = res.ngrams.map((g) => ngramWeight(g.logProb, g.count, idx.numTokens));
    const hits = (d: number) =>
      new Set(
        res.ngrams
          .map((_, i) => i)
          .filter((i) => w[i] > 0 && occurrences([docs[d]], res.ngrams[i].tokens) > 0),
      );
    for (let a = 0; a < docs.length; a++) {
      for (let b = 0; b < docs.length; b++) {
        const ha = hits(a),
          hb = hits(b);
        if (![...hb].every((i) => ha.has(i))) continue;
        assert.ok((scores.get(a) ?? 0) >= (scores.get(b) ?? 0) - 1e-12, `seed ${seed}: doc ${a} ⊇ doc ${b}`);
        assert.ok(
          (bestScores.get(a) ?? 0) >= (bestScores.get(b) ?? 0) - 1e-12,
          `best, seed ${seed}: doc ${a} ⊇ doc ${b}`,
        );
      }
      // "sum" is at least the best single hit and at most the sum of all hits; "best" is that hit.
      const ha = [...hits(a)];
      const s = scores.get(a) ?? 0;
      const top = Math.max(0, ...ha.map((i) => w[i]));
      assert.ok(s >= top - 1e-12);
      assert.ok(s <= ha.reduce((x, i) => x + w[i], 0) + 1e-12);
      assert.equal(bestScores.get(a) ?? 0, top);
    }
  }
});

test("a scorer that knows the target document finds it, and a wider beam never ranks it lower here", async () => {
  // 30 random documents; the scorer gives log p = 0 to tokens of the target document and −4 to others.
  const r = createRng(9);
  const V = 30;
  const docs = Array.from({ length: 30 }, () => Array.from({ length: 12 }, () => r.int(V)));
  const idx = buildNgramIndex(docs);
  const docnos = docs.map((_, i) => `D${i}`);
  const queries = [0, 5, 17].map((d) => ({ qid: `q${d}`, tokens: docs[d] }));
  const scorerFor = (q: ArrayLike<number>): NextTokenScorer => {
    const inDoc = new Set(Array.from(q));
    return (prefixes) =>
      prefixes.map(() => Float32Array.from({ length: V }, (_, t) => (inDoc.has(t) ? Math.log(0.5) : -4)));
  };
  for (const beam of [5, 15]) {
    // A bag-of-words scorer: every n-gram of the document's words is equally likely, so only the
    // sum over many n-grams singles the document out.
    const { run, prefixesScored } = await generativeRetrievalRun(idx, queries, scorerFor, docnos, {
      beam,
      maxLen: 6,
      scoring: "sum",
    });
    assert.ok(prefixesScored > 0);
    for (const q of queries) {
      const rq = run.get(q.qid)!;
      assert.equal(rq.docnos[0], `D${q.qid.slice(1)}`, `beam ${beam}: ${q.qid} ranks its document first`);
    }
  }
  // A scorer that knows the document's word order (the next token continues the prefix inside the
  // document, probability split evenly): its long n-grams occur once in the corpus, so under "best"
  // too the document comes first.
  const orderedScorerFor = (q: ArrayLike<number>): NextTokenScorer => {
    const d = Array.from(q);
    return (prefixes) =>
      prefixes.map((p) => {
        const next = new Set<number>();
        for (let i = 0; i + p.length < d.length; i++)
          if (p.every((t, j) => d[i + j] === t)) next.add(d[i + p.length]);
        return Float32Array.from({ length: V }, (_, t) => (next.has(t) ? Math.log(1 / next.size) : -12));
      });
  };
  for (const beam of [1, 5, 15]) {
    const { run } = await generativeRetrievalRun(idx, queries, orderedScorerFor, docnos, { beam, maxLen: 6 });
    for (const q of queries)
      assert.equal(run.get(q.qid)!.docnos[0], `D${q.qid.slice(1)}`, `best, beam ${beam}: ${q.qid}`);
  }
});
