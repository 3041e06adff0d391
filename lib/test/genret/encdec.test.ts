import { before, test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend } from "../../src/backend";
import { tf } from "../../src/backend/tf";
import { buildNgramIndex } from "../../src/genret/ngramindex";
import { constrainedBeamSearch } from "../../src/genret/beam";
import {
  ENCDEC_TIERS,
  GEN_TIERS,
  SEP_ID,
  genInferenceFlops,
  genParamCounts,
  genPrefillFlops,
  genTierConfig,
  genTokenFlops,
  genTrainFlopsPerPair,
  modelScorer,
  pairNll,
  trainGenerator,
  type GenConfig,
} from "../../src/genret/decoder";
import { createEncDecGenerator, createGenerator } from "../../src/genret/encdec";

before(async () => {
  await selectBackend();
});

const tiny: GenConfig = {
  layers: 1,
  encoderLayers: 1,
  dModel: 8,
  heads: 2,
  vocabSize: 20,
  queryLen: 3,
  targetLen: 4,
  arch: "encoder-decoder",
};

test("encoder–decoder parameters by hand equal the model's weights", () => {
  // Encoder 12·64 + 13·8 + 2·8 = 888; decoder 16·64 + 19·8 + 2·8 = 1192; N = 2080; E = (20 + 3 + 4)·8 = 216.
  assert.deepEqual(genParamCounts(tiny), { nonEmbedding: 2080, embedding: 216, total: 2296 });
  const m = createEncDecGenerator(tiny, 1);
  assert.deepEqual(m.countWeights(), { total: 2296, nonEmbedding: 2080 });
  assert.equal(
    m.variables.reduce((a, v) => a + v.size, 0),
    2296,
  );
  m.dispose();
  // Every tier: the built model has the counted weights, and e_i is within 5 % of g_i's N.
  ENCDEC_TIERS.forEach((t, i) => {
    const c = genTierConfig(t.name, 50, 4, 5);
    assert.equal(c.arch, "encoder-decoder");
    const model = createGenerator(c, 2);
    assert.equal(model.countWeights().nonEmbedding, genParamCounts(c).nonEmbedding);
    model.dispose();
    const g = genParamCounts(genTierConfig(GEN_TIERS[i].name, 50, 4, 5)).nonEmbedding;
    const e = genParamCounts(c).nonEmbedding;
    assert.ok(Math.abs(e / g - 1) < 0.05, `${t.name}: ${e} vs ${g}`);
  });
});

test("encoder–decoder FLOPs by hand: prefill, generated tokens, training pairs", () => {
  // Prefill: encoder 2·888·3 + 4·1·9·8 = 5616, cross keys/values 2·(2·64 + 2·8)·3 = 864 → 6480.
  assert.equal(genPrefillFlops(tiny), 6480);
  // Token at step t: 2·(1192 − 144) + 4·1·(t + 1)·8 + 4·1·3·8 + 2·20·8 = 2096 + 32(t + 1) + 96 + 320.
  assert.deepEqual([genTokenFlops(tiny, 0), genTokenFlops(tiny, 1)], [2544, 2576]);
  assert.equal(genInferenceFlops(tiny, [1, 2]), 6480 + 2544 + 2 * 2576);
  // Training: 3 × (6480 + 2·1048·4 + 4·16·8 + 4·4·3·8 + 2·20·8·4) = 3 × 17040.
  assert.equal(genTrainFlopsPerPair(tiny), 51120);
});

test("copy initialisation: W_V·W_O = I in the cross-attention and both self-attentions", () => {
  const m = createEncDecGenerator({ ...tiny, copyInit: 1 }, 3);
  const byName = (suffix: string) => m.variables.find((v) => v.name.includes(`_${suffix}_`))!;
  const d = tiny.dModel;
  const check = (wv: tf.Tensor, col: number, wo: tf.Tensor) => {
    const p = tf.tidy(() => tf.matMul(tf.slice(wv, [0, col], [d, d]), wo).arraySync() as number[][]);
    p.forEach((row, a) => row.forEach((v, b) => assert.ok(Math.abs(v - (a === b ? 1 : 0)) < 1e-5)));
  };
  check(byName("dec.l0.wc_kv"), d, byName("dec.l0.wc_o"));
  check(byName("dec.l0.w_qkv"), 2 * d, byName("dec.l0.w_o"));
  check(byName("enc.l0.w_qkv"), 2 * d, byName("enc.l0.w_o"));
  m.dispose();
});

test("encoder–decoder: causal in the target, reads the query, NLL equals step-by-step scoring", async () => {
  const m = createEncDecGenerator(tiny, 4);
  const run = (row: number[], from: number, count: number) =>
    tf.tidy(() => m.logits(tf.tensor2d([row], [1, row.length], "int32"), from, count).arraySync());
  // Logits at the SEP position and the first target position ignore later target tokens …
  assert.deepEqual(run([0, 4, 5, SEP_ID, 6, 7, 8], 3, 2), run([0, 4, 5, SEP_ID, 6, 9, 2], 3, 2));
  // … but depend on the query through the cross-attention.
  assert.notDeepEqual(run([0, 4, 5, SEP_ID, 6], 3, 1), run([0, 4, 9, SEP_ID, 6], 3, 1));
  const query = Int32Array.from([4, 5]),
    target = Int32Array.from([6, 7, 8]);
  const { sum } = await pairNll(m, [{ query, target }]);
  const score = modelScorer(m, query);
  let lp = 0;
  for (let t = 0; t < target.length; t++) lp += (await score([target.subarray(0, t)]))[0][target[t]];
  assert.ok(Math.abs(sum[0] + lp) < 1e-4, `${sum[0]} vs ${-lp}`);
  m.dispose();
});

test("encoder–decoder training learns a query → span mapping that beam search retrieves", async () => {
  const cfg: GenConfig = { ...tiny, dModel: 16, vocabSize: 24, queryLen: 2, targetLen: 3 };
  const docs = [0, 1, 2, 3].map((i) => [10 + i, 14 + ((i + 1) % 4), 18 + ((i + 2) % 4)]);
  const pairs = [0, 1, 2, 3].map((i) => ({
    query: Int32Array.from([2 + i]),
    target: Int32Array.from(docs[i]),
    doc: i,
    queryIndex: i,
  }));
  const m = createEncDecGenerator(cfg, 7);
  await trainGenerator(m, [...pairs, ...pairs, ...pairs, ...pairs], {
    batchSize: 16,
    epochs: 60,
    seed: 1,
    schedule: { kind: "constant", peakLr: 1e-2, warmupSteps: 5, totalSteps: 0 },
  });
  const after = await pairNll(m, pairs);
  const perToken = after.sum.reduce((a, b) => a + b, 0) / after.tokens.reduce((a, b) => a + b, 0);
  assert.ok(perToken < 0.3, `after ${perToken}`);
  const idx = buildNgramIndex(docs);
  for (let i = 0; i < 4; i++) {
    const out = await constrainedBeamSearch(idx, modelScorer(m, [2 + i]), { beam: 1, maxLen: 3 });
    assert.deepEqual(Array.from(out.ngrams[out.final[0]].tokens), docs[i]);
  }
  m.dispose();
});
