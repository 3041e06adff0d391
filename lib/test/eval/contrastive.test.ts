import { test } from "node:test";
import assert from "node:assert/strict";
import { contrastiveEntropy, negLogSoftmaxFirst, qrelsFromObject, runFromObject } from "../../src/eval";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test("CE with K = 2 and K = 3, raw logits (hand-worked)", () => {
  // q1: positive p scores 2, the only negative n1 scores 0 → CE = −log(e²/(e² + e⁰)) = log(1 + e^−2)
  // q2: positive scores 1, negatives 0 and 0 (K = 3 takes both) → CE = log(e + 2) − 1
  const qrels = qrelsFromObject({ q1: { p: 1, n1: 0 }, q2: { p: 2 } });
  const run = runFromObject({ q1: { p: 2, n1: 0 }, q2: { p: 1, a: 0, b: 0 } });
  const r2 = contrastiveEntropy(qrels, run, { k: 2, seed: 1 });
  assert.equal(r2.key, "ce@2");
  close(r2.perQuery[0], Math.log(1 + Math.exp(-2)));
  const r3 = contrastiveEntropy(qrels, run, { k: 3, seed: 1 });
  assert.deepEqual(r3.qids, ["q1", "q2"]);
  assert.deepEqual(Array.from(r3.candidates), [2, 3]); // q1 has only 1 negative: 2 candidates used
  close(r3.perQuery[1], Math.log(Math.E + 2) - 1);
  close(r3.mean, (Math.log(1 + Math.exp(-2)) + Math.log(Math.E + 2) - 1) / 2);
});

test("normalisations: z-score and min-max (hand-worked), ties give ln K", () => {
  const qrels = qrelsFromObject({ q: { p: 1 } });
  const run = runFromObject({ q: { p: 1, a: 0, b: 0 } });
  // z-score of (1, 0, 0): mean 1/3, population variance ((2/3)² + 2·(1/3)²)/3 = 2/9, sd = √2/3
  // → z = (√2, −1/√2, −1/√2); CE = log(e^√2 + 2e^(−1/√2)) − √2
  const z = contrastiveEntropy(qrels, run, { k: 3, seed: 0, normalization: "zscore" });
  close(z.mean, Math.log(Math.exp(Math.SQRT2) + 2 * Math.exp(-1 / Math.SQRT2)) - Math.SQRT2);
  // min-max of (1, 0, 0) is (1, 0, 0): same as raw
  const mm = contrastiveEntropy(qrels, runFromObject({ q: { p: 11, a: 1, b: 1 } }), {
    k: 3,
    seed: 0,
    normalization: "minmax",
  });
  close(mm.mean, Math.log(Math.E + 2) - 1);
  // A reranker that gives every candidate the same score scores ln K under any normalisation.
  for (const normalization of ["none", "zscore", "minmax"] as const) {
    const flat = contrastiveEntropy(qrels, runFromObject({ q: { p: 5, a: 5, b: 5 } }), {
      k: 3,
      seed: 0,
      normalization,
    });
    close(flat.mean, Math.log(3));
  }
  close(negLogSoftmaxFirst([1000, 0]), Math.log(1 + Math.exp(-1000))); // stable for large logits
});

test("negatives are sampled reproducibly from the seed; queries without a positive are skipped", () => {
  const docs: Record<string, number> = { pos: 3 };
  for (let i = 0; i < 100; i++) docs[`n${i}`] = Math.sin(i); // 100 distinct negative scores
  const qrels = qrelsFromObject({ q: { pos: 1 }, none: { x: 0 } });
  const run = runFromObject({ q: docs, none: { x: 1, y: 0 } });
  const a = contrastiveEntropy(qrels, run, { k: 8, seed: 7 });
  const b = contrastiveEntropy(qrels, run, { k: 8, seed: 7 });
  const c = contrastiveEntropy(qrels, run, { k: 8, seed: 8 });
  assert.deepEqual(a, b);
  assert.notEqual(a.mean, c.mean); // another seed draws other negatives
  assert.deepEqual(a.skipped, ["none"]);
  assert.deepEqual(a.qids, ["q"]);
  assert.equal(a.candidates[0], 8);
  // CE lies between the all-negatives-at-max and all-at-min bounds: 7 negatives in [−1, 1]
  assert.ok(
    a.mean > Math.log(Math.exp(3) + 7 * Math.exp(-1)) - 3 && a.mean < Math.log(Math.exp(3) + 7 * Math.E) - 3,
  );
});

test("first-stage pool and depth: negatives come only from the top-depth candidates", () => {
  // First stage ranks n1 > n2 > p > n3; depth 3 keeps n1, n2, p. Reranker scores: p 0, n1 0, n2 0, n3 9.
  const qrels = qrelsFromObject({ q: { p: 1 } });
  const firstStage = runFromObject({ q: { n1: 4, n2: 3, p: 2, n3: 1 } });
  const rerank = runFromObject({ q: { p: 0, n1: 0, n2: 0, n3: 9 } });
  const r = contrastiveEntropy(qrels, rerank, { k: 10, seed: 0, firstStage, depth: 3 });
  close(r.mean, Math.log(3)); // n3 (score 9) is outside the pool: three equal scores → ln 3
  assert.throws(
    () => contrastiveEntropy(qrels, runFromObject({ q: { p: 0 } }), { k: 3, seed: 0, firstStage }),
    /no score/,
  );
  assert.throws(() => contrastiveEntropy(qrels, rerank, { k: 1, seed: 0 }), /k must be/);
});
