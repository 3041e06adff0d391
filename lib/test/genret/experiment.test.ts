import { before, test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend } from "../../src/backend";
import { createRng } from "../../src/util/rng";
import { cglCeiling } from "../../src/genret/cgl";
import {
  GENRET_CONFIGS, fitGenretLaw, genretTrainingPairs, prepareGenretData, trainAndMeasure, type GenretConfig, type GenretDatasetLike,
} from "../../src/genret/experiment";

before(async () => {
  await selectBackend();
});

/** A tiny dataset: 40 passages of words w5…w44, 12 training and 4 test queries (each from its own passage). */
function tinyDataset(): GenretDatasetLike {
  const r = createRng(3);
  const docs = Array.from({ length: 40 }, (_, i) => ({ docno: `D${i}`, text: Array.from({ length: 14 }, () => `w${5 + r.int(40)}`).join(" ") }));
  const mk = (split: string, from: number, n: number) => Array.from({ length: n }, (_, i) => ({ qid: `${split}${i}`, text: docs[from + i].text.split(" ").slice(2, 5).join(" ") }));
  const train = mk("tr", 0, 12), testQ = mk("te", 20, 4);
  const qrels = (qs: { qid: string }[], from: number) => new Map(qs.map((q, i) => [q.qid, new Map([[`D${from + i}`, 3], [`D${(from + i + 1) % 40}`, 1]])]));
  return {
    docs,
    queries: { train: train, test: testQ },
    qrels: { train: qrels(train, 0), test: qrels(testQ, 20) },
    // Word tokenizer stand-in: "wK" → K (ids 0…4 are the special tokens).
    tokenizer: { encode: (t: string) => t.split(" ").map((w) => Number(w.slice(1))), vocabSize: 45 },
  };
}

const cfg: GenretConfig = {
  ...GENRET_CONFIGS.smoke,
  tiers: ["t0"], fractions: [0.5, 1], dataTier: "t0", beams: [1, 3],
  queryLen: 4, spanLen: 5, trainSpans: 2, idSpans: 2, cglQueries: 4, negatives: 8, retrievalQueries: 4, epochs: 1, warmupSteps: 2,
  docids: { branching: 4, leafSize: 4, iterations: 3, dim: 8 },
};

test("data preparation: positives at the top grade only, docids unique, index over every passage", () => {
  const data = prepareGenretData(tinyDataset(), cfg);
  assert.equal(data.train.length, 12);
  assert.deepEqual(data.train.map((q) => q.positives), Array.from({ length: 12 }, (_, i) => [i]));
  assert.deepEqual(data.test[1].positives, [21]);
  assert.equal(data.index.numDocs, 40);
  assert.equal(data.index.numTokens, 40 * 14);
  assert.equal(new Set(data.docids.map((d) => Array.from(d).join("."))).size, 40);
  for (const d of data.docids) for (const t of d) assert.ok(t >= 45 && t < data.docidVocab);
});

test("training pairs: n-gram = positives × spans; docid adds one indexing pair per passage; fractions nested", () => {
  const data = prepareGenretData(tinyDataset(), cfg);
  const full = genretTrainingPairs(data, cfg, "ngram", 1);
  assert.equal(full.queries, 12);
  assert.equal(full.pairs.length, 12 * 2);
  const half = genretTrainingPairs(data, cfg, "ngram", 0.5);
  assert.equal(half.queries, 6);
  const halfQueries = new Set(half.pairs.map((p) => Array.from(p.query).join(",")));
  const fullQueries = new Set(full.pairs.map((p) => Array.from(p.query).join(",")));
  for (const q of halfQueries) assert.ok(fullQueries.has(q));
  const doc = genretTrainingPairs(data, cfg, "docid", 1);
  assert.equal(doc.pairs.length, 12 * 2 + 40);
});

test("train and measure end to end: finite CGL near the ceiling for an untrained-sized model", async () => {
  const data = prepareGenretData(tinyDataset(), cfg);
  for (const method of ["ngram", "docid"] as const) {
    const { result, model } = await trainAndMeasure(data, cfg, method, "t0", 1);
    model.dispose();
    assert.equal(result.ceiling, cglCeiling(8));
    assert.ok(Number.isFinite(result.cgl) && result.cgl > 0);
    // One epoch of a 3-thousand-parameter model: positives and negatives within a factor 2 of each other,
    // so CGL = log(1 + L⁺/S⁻) lies between log(1 + 1/16) and log(1 + 2/8).
    assert.ok(result.cgl > Math.log(1 + 1 / 16) && result.cgl < Math.log(1 + 2 / 8), `${method}: ${result.cgl}`);
    assert.equal(result.params, 3312);
  }
});

test("the (a/x)^b + c fit recovers known parameters (the paper's T5 refit, papers.md §B3)", () => {
  // Points generated from a = 0.0225, b = 0.402, c = 0.003556 at the T5 sizes.
  const xs = [44057088, 198229248, 704769024, 2818699264, 11274422272];
  const ys = xs.map((x) => Math.pow(0.0225 / x, 0.402) + 0.003556);
  const fit = fitGenretLaw(xs, ys)!;
  assert.ok(Math.abs(fit.named.b - 0.402) < 1e-3, `b ${fit.named.b}`);
  assert.ok(Math.abs(fit.named.c - 0.003556) < 1e-6, `c ${fit.named.c}`);
  assert.equal(fitGenretLaw(xs.slice(0, 3), ys.slice(0, 3)), null);
});
