import { before, test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend } from "../../src/backend";
import { createRng } from "../../src/util/rng";
import { cglCeiling } from "../../src/genret/cgl";
import { createGenDecoder, genTierConfig, trainGenerator } from "../../src/genret/decoder";
import type { GenPair } from "../../src/genret/pairs";
import {
  GENRET_CONFIGS,
  beamSweep,
  fitGenretJointLaw,
  fitGenretLaw,
  genretCgl,
  genretSchedule,
  genretTrainingPairs,
  prepareGenretData,
  trainAndMeasure,
  type GenretConfig,
  type GenretDatasetLike,
} from "../../src/genret/experiment";

before(async () => {
  await selectBackend();
});

/** A tiny dataset: 40 passages of words w5…w44, 12 training and 4 test queries (each from its own passage). */
function tinyDataset(): GenretDatasetLike {
  const r = createRng(3);
  const docs = Array.from({ length: 40 }, (_, i) => ({
    docno: `D${i}`,
    text: Array.from({ length: 14 }, () => `w${5 + r.int(40)}`).join(" "),
  }));
  const mk = (split: string, from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      qid: `${split}${i}`,
      text: docs[from + i].text.split(" ").slice(2, 5).join(" "),
    }));
  const train = mk("tr", 0, 12),
    testQ = mk("te", 20, 4);
  const qrels = (qs: { qid: string }[], from: number) =>
    new Map(
      qs.map((q, i) => [
        q.qid,
        new Map([
          [`D${from + i}`, 3],
          [`D${(from + i + 1) % 40}`, 1],
        ]),
      ]),
    );
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
  tiers: ["g0"],
  fractions: [0.5, 1],
  dataTier: "g0",
  beams: [1, 3],
  queryLen: 4,
  spanLen: 5,
  trainSpans: 2,
  idSpans: 2,
  cglQueries: 4,
  negatives: 8,
  retrievalQueries: 4,
  epochs: 1,
  warmupSteps: 2,
  docids: { branching: 4, leafSize: 4, iterations: 3, dim: 8 },
};

test("data preparation: positives at the top grade only, docids unique, index over every passage", () => {
  const data = prepareGenretData(tinyDataset(), cfg);
  assert.equal(data.train.length, 12);
  assert.deepEqual(
    data.train.map((q) => q.positives),
    Array.from({ length: 12 }, (_, i) => [i]),
  );
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

test("training pairs are nested across fractions pair by pair (same spans for the same query)", () => {
  // A query's spans come from its own seeded stream, so the 50% set is a subset of the 100% set
  // (before, one stream per fraction gave the shared queries different spans).
  const data = prepareGenretData(tinyDataset(), cfg);
  const key = (p: GenPair) => `${Array.from(p.query).join(",")}→${Array.from(p.target).join(",")}`;
  const full = new Set(genretTrainingPairs(data, cfg, "ngram", 1).pairs.map(key));
  const half = genretTrainingPairs(data, cfg, "ngram", 0.5).pairs;
  assert.equal(half.length, 6 * 2);
  for (const p of half)
    assert.ok(full.has(key(p)), `pair ${key(p)} of the 50% set is missing from the 100% set`);
});

test("stopwords of the query do not steer span sampling", () => {
  // Tokenizer: "the" → 5, "wK" → K. Passage D0 = the the the x x x x w40 w41 (x = w30…w33 filler);
  // query "the w40". With the stopword ignored only the two windows holding w40 (starts 5 and 6 of
  // 7) have overlap 1 (others 0); at temperature 0.01 two spans drawn without replacement are those
  // two with probability ≥ 1 − 2·5·e^(−100): every sampled span holds w40.
  // (Counted as a match, "the" gives the first windows overlap 1 as well, and about half the spans
  // would be function-word spans.)
  const words = ["the", "the", "the", "w30", "w31", "w32", "w33", "w40", "w41"];
  const docs = [
    { docno: "D0", text: words.join(" ") },
    ...Array.from({ length: 3 }, (_, i) => ({
      docno: `D${i + 1}`,
      text: `w${20 + i} w${24 + i} w${28 + i}`,
    })),
  ];
  const ds: GenretDatasetLike = {
    docs,
    queries: { train: [{ qid: "q0", text: "the w40" }], test: [{ qid: "q1", text: "w21" }] },
    qrels: { train: new Map([["q0", new Map([["D0", 3]])]]), test: new Map([["q1", new Map([["D2", 3]])]]) },
    tokenizer: {
      encode: (t: string) => t.split(" ").map((w) => (w === "the" ? 5 : Number(w.slice(1)))),
      vocabSize: 45,
    },
  };
  const c = {
    ...cfg,
    spanLen: 3,
    trainSpans: 2,
    temperature: 0.01,
    docids: { branching: 2, leafSize: 2, iterations: 2, dim: 4 },
  };
  const data = prepareGenretData(ds, c);
  assert.ok(data.stopIds.has(5));
  const { pairs } = genretTrainingPairs(data, c, "ngram", 1);
  assert.equal(pairs.length, 2);
  for (const p of pairs)
    assert.ok(Array.from(p.target).includes(40), `span ${Array.from(p.target)} does not hold w40`);
});

test("sanity: a generator that memorised its queries' passages retrieves them at beam 5 and has CGL far under the ceiling", async () => {
  // Train t1 on every 5-token window of the 4 test queries' positive passages (10 windows each)
  // until it has memorised them; then CGL over those queries (K = 16 random negatives) must be far
  // under ln(1 + 1/16), and constrained beam search with beam 5 must rank each positive first.
  const data = prepareGenretData(tinyDataset(), cfg);
  const c: GenretConfig = { ...cfg, negatives: 16, beams: [5], idSpans: 3 };
  const pairs: GenPair[] = [];
  data.test.forEach((q, qi) => {
    const doc = data.docTokens[q.positives[0]];
    for (let s = 0; s + c.spanLen <= doc.length; s++)
      pairs.push({
        query: q.tokens,
        target: doc.subarray(s, s + c.spanLen),
        doc: q.positives[0],
        queryIndex: qi,
      });
  });
  assert.equal(pairs.length, 4 * 10);
  const model = createGenDecoder(genTierConfig("g1", data.wordVocab, c.queryLen, c.spanLen), 11);
  const tr = await trainGenerator(model, pairs, {
    batchSize: 40,
    epochs: 150,
    seed: 1,
    schedule: { kind: "constant", peakLr: 1e-2, warmupSteps: 10, totalSteps: 0 },
  });
  // A passage's windows after the query's prefix are not determined by the query alone (10 windows
  // to choose from), so the memorised loss is about ln 10 / 5 ≈ 0.46 per token at best; well under
  // the untrained ln 45 ≈ 3.8.
  assert.ok(tr.losses[tr.losses.length - 1] < 1.0, `train loss ${tr.losses[tr.losses.length - 1]}`);
  const cg = await genretCgl(model, data, c, "ngram");
  assert.ok(
    cg.meanPositiveLoss < 0.5 * cg.meanNegativeLoss,
    `L+ ${cg.meanPositiveLoss} L- ${cg.meanNegativeLoss}`,
  );
  assert.ok(cg.cgl < 0.5 * cg.ceiling, `CGL ${cg.cgl} vs ceiling ${cg.ceiling}`);
  const { points, runs } = await beamSweep(model, data, c);
  const run = runs.get(5)!;
  for (const q of data.test) assert.equal(run.get(q.qid)!.docnos[0], data.docnos[q.positives[0]], `${q.qid}`);
  assert.equal(points[0].metrics.recall_1, 1);
  model.dispose();
});

test("train and measure end to end: finite CGL near the ceiling for an untrained-sized model", async () => {
  const data = prepareGenretData(tinyDataset(), cfg);
  for (const method of ["ngram", "docid"] as const) {
    const { result, model } = await trainAndMeasure(data, cfg, method, "g0", 1);
    model.dispose();
    assert.equal(result.ceiling, cglCeiling(8));
    assert.ok(Number.isFinite(result.cgl) && result.cgl > 0);
    // One epoch of a 3-thousand-parameter model: positives and negatives within a factor 2 of each other,
    // so CGL = log(1 + L⁺/S⁻) lies between log(1 + 1/16) and log(1 + 2/8).
    assert.ok(
      result.cgl > Math.log(1 + 1 / 16) && result.cgl < Math.log(1 + 2 / 8),
      `${method}: ${result.cgl}`,
    );
    assert.equal(result.params, 3312);
    // The per-query values behind the mean, and their standard error.
    assert.equal(result.cglPerQuery.length, data.test.slice(0, cfg.cglQueries).length);
    assert.ok(
      Math.abs(result.cglPerQuery.reduce((a, b) => a + b, 0) / result.cglPerQuery.length - result.cgl) <
        1e-15,
    );
    assert.ok(result.cglStdErr > 0 && result.cglStdErr < result.cgl, `stdErr ${result.cglStdErr}`);
  }
});

test("schedule of a model: the tier's peak rate and the run's own length", () => {
  const c: GenretConfig = {
    ...cfg,
    schedule: "cosine",
    peakLr: 5e-3,
    peakLrByTier: { g3: 2.5e-3 },
    batchSize: 32,
    epochs: 3,
    warmupSteps: 30,
  };
  // 100 pairs in batches of 32 = 4 steps per epoch (the last one of 4 pairs), × 3 epochs = 12.
  assert.deepEqual(genretSchedule(c, "g3", 100), {
    kind: "cosine",
    peakLr: 2.5e-3,
    warmupSteps: 30,
    totalSteps: 12,
  });
  assert.deepEqual(genretSchedule(c, "g2", 96), {
    kind: "cosine",
    peakLr: 5e-3,
    warmupSteps: 30,
    totalSteps: 9,
  });
  // mini: only the widest tier gets the smaller rate.
  assert.equal(genretSchedule(GENRET_CONFIGS.mini, "g3", 1).peakLr, 2.5e-3);
  assert.equal(genretSchedule(GENRET_CONFIGS.mini, "g2", 1).peakLr, 5e-3);
});

test("the (a/x)^b + c fit recovers known parameters (the T5 series of HongruCai/SLGR)", () => {
  // Points generated from a = 0.0225, b = 0.402, c = 0.003556 at the T5 sizes.
  const xs = [44057088, 198229248, 704769024, 2818699264, 11274422272];
  const ys = xs.map((x) => Math.pow(0.0225 / x, 0.402) + 0.003556);
  const fit = fitGenretLaw(xs, ys)!;
  assert.ok(Math.abs(fit.named.b - 0.402) < 1e-3, `b ${fit.named.b}`);
  assert.ok(Math.abs(fit.named.c - 0.003556) < 1e-6, `c ${fit.named.c}`);
  assert.equal(fitGenretLaw(xs.slice(0, 3), ys.slice(0, 3)), null);
});

test("the joint law E + A/N^α + B/D^β recovers known parameters from a size sweep and a data sweep", () => {
  // The experiment's design: 4 sizes at full data (D = 10186 pairs) and 4 smaller fractions of the
  // third size, generated from E = 0.0028, A = 0.004, α = 0.3, B = 0.08, β = 0.45.
  const law = (N: number, D: number) => 0.0028 + 0.004 * Math.pow(N, -0.3) + 0.08 * Math.pow(D, -0.45);
  const sizes = [3312, 12768, 50112, 198528],
    full = 10186;
  const points = [
    ...sizes.map((N) => ({ N, D: full, cgl: law(N, full) })),
    ...[2044, 4078, 6108, 8146].map((D) => ({ N: 50112, D, cgl: law(50112, D) })),
  ];
  const fit = fitGenretJointLaw(points)!;
  assert.equal(fit.n, 8);
  for (const [k, v] of Object.entries({ E: 0.0028, A: 0.004, alpha: 0.3, B: 0.08, beta: 0.45 })) {
    assert.ok(Math.abs(fit.named[k] - v) < 1e-3 * v, `${k}: ${fit.named[k]} vs ${v}`);
  }
  // A repeated (N, D) point is averaged, not counted twice; 5 distinct points are too few.
  const twice = fitGenretJointLaw([...points, points[0]])!;
  assert.equal(twice.n, 8);
  assert.equal(fitGenretJointLaw(points.slice(0, 5)), null);
});
