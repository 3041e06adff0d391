import { before, test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend } from "../../src/backend";
import { tf } from "../../src/backend/tf";
import { buildNgramIndex } from "../../src/genret/ngramindex";
import { constrainedBeamSearch } from "../../src/genret/beam";
import {
  SEP_ID, beamSearchFlops, createGenDecoder, encodePairs, genForwardFlops, genMaxLen, genParamCounts, genTierConfig,
  modelScorer, pairNll, trainGenerator, type GenConfig,
} from "../../src/genret/decoder";

before(async () => {
  await selectBackend();
});

const tiny: GenConfig = { layers: 1, dModel: 8, heads: 2, vocabSize: 20, queryLen: 3, targetLen: 4 };

test("parameter and FLOP accounting by hand, and the variables match the formula", () => {
  // N = 1·(12·64 + 13·8) + 2·8 = 768 + 104 + 16 = 888; T = 3 + 1 + 4 = 8; E = (20 + 8)·8 = 224.
  assert.deepEqual(genParamCounts(tiny), { nonEmbedding: 888, embedding: 224, total: 1112 });
  const m = createGenDecoder(tiny, 1);
  assert.deepEqual(m.countWeights(), { total: 1112, nonEmbedding: 888 });
  let n = 0;
  for (const v of m.variables) n += v.size;
  assert.equal(n, 1112);
  m.dispose();
  // forward(T = 7, P = 4) = 2·888·7 + 4·1·49·8 + 2·20·8·4 = 12432 + 1568 + 1280 = 15280.
  assert.equal(genForwardFlops(tiny, 7, 4), 15280);
  // Beam of 2 for 2 steps: 2·forward(4, 1) + 2·forward(5, 1)
  //  forward(4,1) = 2·888·4 + 4·16·8 + 320 = 7104 + 512 + 320 = 7936; forward(5,1) = 8880 + 800 + 320 = 10000.
  assert.equal(beamSearchFlops(tiny, [2, 2]), 2 * 7936 + 2 * 10000);
  assert.equal(genMaxLen(tiny), 8);
  const t0 = genTierConfig("t0", 100, 8, 10);
  assert.equal(t0.dModel, 16);
});

test("row layout: left-padded query, SEP, target shifted by one", () => {
  const b = encodePairs(tiny, [{ query: Int32Array.from([5, 6]), target: Int32Array.from([7, 8]) }, { query: Int32Array.from([2, 3, 4, 5]), target: Int32Array.from([9, 10, 11, 12, 13]) }]);
  // Row 0: [0 5 6 | SEP | 7 8 0], targets [7 8 0 0], mask [1 1 0 0]. Row 1 keeps the last 3 query tokens, target cut to 4.
  assert.deepEqual(Array.from(b.inputs), [0, 5, 6, SEP_ID, 7, 8, 0, 3, 4, 5, SEP_ID, 9, 10, 11]);
  assert.deepEqual(Array.from(b.targets), [7, 8, 0, 0, 9, 10, 11, 12]);
  assert.deepEqual(Array.from(b.mask), [1, 1, 0, 0, 1, 1, 1, 1]);
});

test("causal: logits at a position do not depend on later tokens", () => {
  const m = createGenDecoder(tiny, 3);
  const [a, b] = tf.tidy(() => {
    const x = tf.tensor2d([[0, 4, 5, SEP_ID, 6, 7, 8]], [1, 7], "int32");
    const y = tf.tensor2d([[0, 4, 5, SEP_ID, 6, 9, 3]], [1, 7], "int32");
    return [m.logits(x, 0, 5).arraySync(), m.logits(y, 0, 5).arraySync()];
  });
  assert.deepEqual(a, b);
  const c = tf.tidy(() => m.logits(tf.tensor2d([[0, 4, 5, SEP_ID, 7, 7, 8]], [1, 7], "int32"), 4, 1).arraySync());
  const d = tf.tidy(() => m.logits(tf.tensor2d([[0, 4, 5, SEP_ID, 6, 7, 8]], [1, 7], "int32"), 4, 1).arraySync());
  assert.notDeepEqual(c, d);
  m.dispose();
});

test("teacher-forced NLL equals the sum of step-by-step scorer log-probabilities", async () => {
  const m = createGenDecoder(tiny, 4);
  const query = Int32Array.from([4, 5]), target = Int32Array.from([6, 7, 8]);
  const { sum, tokens } = await pairNll(m, [{ query, target }]);
  const score = modelScorer(m, query);
  let lp = 0;
  for (let t = 0; t < target.length; t++) lp += (await score([target.subarray(0, t)]))[0][target[t]];
  assert.equal(tokens[0], 3);
  assert.ok(Math.abs(sum[0] + lp) < 1e-4, `${sum[0]} vs ${-lp}`);
  m.dispose();
});

test("training learns a query → span mapping and constrained beam search then retrieves the span", async () => {
  // Documents: doc i = [2+i, 10+i, 11+i, 12+i] style spans over V = 24; query [2+i] → target = doc i's last three tokens.
  const cfg: GenConfig = { layers: 1, dModel: 16, heads: 2, vocabSize: 24, queryLen: 2, targetLen: 3 };
  const docs = [0, 1, 2, 3].map((i) => [10 + i, 14 + ((i + 1) % 4), 18 + ((i + 2) % 4)]);
  const pairs = [0, 1, 2, 3].map((i) => ({ query: Int32Array.from([2 + i]), target: Int32Array.from(docs[i]), doc: i, queryIndex: i }));
  const m = createGenDecoder(cfg, 7);
  const before0 = await pairNll(m, pairs);
  const res = await trainGenerator(m, [...pairs, ...pairs, ...pairs, ...pairs], {
    batchSize: 16, epochs: 60, seed: 1, schedule: { kind: "constant", peakLr: 1e-2, warmupSteps: 5, totalSteps: 0 },
  });
  assert.equal(res.steps, 60);
  const after = await pairNll(m, pairs);
  const avg = (x: { sum: Float64Array; tokens: Float64Array }) => x.sum.reduce((a, b) => a + b, 0) / x.tokens.reduce((a, b) => a + b, 0);
  // Untrained: about ln 24 = 3.18 per token; trained: near 0.
  assert.ok(avg(before0) > 2.5, `before ${avg(before0)}`);
  assert.ok(avg(after) < 0.3, `after ${avg(after)}`);
  const idx = buildNgramIndex(docs);
  for (let i = 0; i < 4; i++) {
    const stats = { prefixes: 0, flops: 0 };
    const out = await constrainedBeamSearch(idx, modelScorer(m, [2 + i], stats), { beam: 1, maxLen: 3 });
    assert.deepEqual(Array.from(out.ngrams[out.final[0]].tokens), docs[i]);
    assert.equal(stats.prefixes, out.prefixesScored);
    assert.equal(stats.flops, beamSearchFlops(cfg, [1, 1, 1]));
  }
  m.dispose();
});
