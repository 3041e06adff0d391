import { before, test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend, useHostKernels } from "../../src/backend";
import { createRng } from "../../src/util/rng";
import { tf } from "../../src/backend/tf";
import { buildNgramIndex } from "../../src/genret/ngramindex";
import { constrainedBeamSearch, generativeRetrievalRun } from "../../src/genret/beam";
import {
  SEP_ID,
  batchedModelScorer,
  createGenDecoder,
  encodePairs,
  genForwardFlops,
  genInferenceFlops,
  genPrefillFlops,
  genTokenFlops,
  genMaxLen,
  genParamCounts,
  genTierConfig,
  modelScorer,
  pairNll,
  softmaxXent,
  softmaxXentReference,
  trainGenerator,
  type GenConfig,
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
  // With a key/value cache: prefill of the Lq = 3 query tokens = 2·888·3 + 4·1·9·8 = 5328 + 288 = 5616;
  // a generated token at step t = 2·888 + 4·1·(3 + 1 + t)·8 + 2·20·8 = 1776 + 32·(4 + t) + 320:
  // t = 0 → 2224, t = 1 → 2256. One hypothesis at step 0 and 2 at step 1: 5616 + 2224 + 2·2256 = 12352.
  assert.equal(genPrefillFlops(tiny), 5616);
  assert.deepEqual([genTokenFlops(tiny, 0), genTokenFlops(tiny, 1)], [2224, 2256]);
  assert.equal(genInferenceFlops(tiny, [1, 2]), 12352);
  assert.equal(genMaxLen(tiny), 8);
  const t0 = genTierConfig("t0", 100, 8, 10);
  assert.deepEqual([t0.layers, t0.dModel, t0.heads], [1, 6, 1]);
  // Generator tier g3 = 1 × 128: N = 12·128² + 13·128 + 2·128 = 196608 + 1664 + 256 = 198528,
  // and the model built from it has exactly that many non-embedding weights.
  const g3 = genTierConfig("g3", 50, 4, 5);
  assert.deepEqual([g3.layers, g3.dModel, g3.heads, g3.copyInit], [1, 128, 8, 1]);
  assert.equal(genParamCounts(g3).nonEmbedding, 198528);
  const g3Model = createGenDecoder(g3, 1);
  assert.equal(g3Model.countWeights().nonEmbedding, 198528);
  g3Model.dispose();
  // g0–g3 have the reranker tiers' t3–t6 shapes; unknown names list both tables.
  for (let i = 0; i < 4; i++)
    assert.deepEqual(genTierConfig(`g${i}`, 100, 8, 10), genTierConfig(`t${i + 3}`, 100, 8, 10));
  assert.throws(
    () => genTierConfig("g9", 100, 8, 10),
    /unknown tier "g9" \(generator tiers: g0, g1, g2, g3; encoder–decoder tiers: e0, e1, e2, e3; reranker tiers: t0, .*t10\)/,
  );
});

test("row layout: left-padded query, SEP, target shifted by one", () => {
  const b = encodePairs(tiny, [
    { query: Int32Array.from([5, 6]), target: Int32Array.from([7, 8]) },
    { query: Int32Array.from([2, 3, 4, 5]), target: Int32Array.from([9, 10, 11, 12, 13]) },
  ]);
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
  const c = tf.tidy(() =>
    m.logits(tf.tensor2d([[0, 4, 5, SEP_ID, 7, 7, 8]], [1, 7], "int32"), 4, 1).arraySync(),
  );
  const d = tf.tidy(() =>
    m.logits(tf.tensor2d([[0, 4, 5, SEP_ID, 6, 7, 8]], [1, 7], "int32"), 4, 1).arraySync(),
  );
  assert.notDeepEqual(c, d);
  m.dispose();
});

test("teacher-forced NLL equals the sum of step-by-step scorer log-probabilities", async () => {
  const m = createGenDecoder(tiny, 4);
  const query = Int32Array.from([4, 5]),
    target = Int32Array.from([6, 7, 8]);
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
  const pairs = [0, 1, 2, 3].map((i) => ({
    query: Int32Array.from([2 + i]),
    target: Int32Array.from(docs[i]),
    doc: i,
    queryIndex: i,
  }));
  const m = createGenDecoder(cfg, 7);
  const before0 = await pairNll(m, pairs);
  const res = await trainGenerator(m, [...pairs, ...pairs, ...pairs, ...pairs], {
    batchSize: 16,
    epochs: 60,
    seed: 1,
    schedule: { kind: "constant", peakLr: 1e-2, warmupSteps: 5, totalSteps: 0 },
  });
  assert.equal(res.steps, 60);
  const after = await pairNll(m, pairs);
  const avg = (x: { sum: Float64Array; tokens: Float64Array }) =>
    x.sum.reduce((a, b) => a + b, 0) / x.tokens.reduce((a, b) => a + b, 0);
  // Untrained: about ln 24 = 3.18 per token; trained: near 0.
  assert.ok(avg(before0) > 2.5, `before ${avg(before0)}`);
  assert.ok(avg(after) < 0.3, `after ${avg(after)}`);
  const idx = buildNgramIndex(docs);
  for (let i = 0; i < 4; i++) {
    const stats = { prefixes: 0, flops: 0, perStep: [] as number[] };
    const out = await constrainedBeamSearch(idx, modelScorer(m, [2 + i], stats), { beam: 1, maxLen: 3 });
    assert.deepEqual(Array.from(out.ngrams[out.final[0]].tokens), docs[i]);
    assert.equal(stats.prefixes, out.prefixesScored);
    assert.deepEqual(stats.perStep, [1, 1, 1]);
    assert.equal(stats.flops, genInferenceFlops(cfg, [1, 1, 1]));
  }
  m.dispose();
});

test("softmax cross-entropy: hand-worked value and gradient; the fused kernel matches the op-by-op reference", async () => {
  // z = [0, ln 3], y = 1: softmax = [1/4, 3/4]; nll = −ln(3/4) = ln(4/3); ∂nll/∂z = softmax − onehot = [1/4, −1/4].
  const z = tf.tensor2d([0, Math.log(3)], [1, 2]);
  const y = tf.tensor1d([1], "int32");
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++)
      assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  };
  close(await softmaxXent(z, y).data(), [Math.log(4 / 3)], 1e-6, "nll");
  close(
    await tf
      .grad((x: tf.Tensor) => tf.sum(softmaxXent(x as tf.Tensor2D, y)))(z)
      .data(),
    [0.25, -0.25],
    1e-6,
    "grad",
  );
  // Random logits [7, 13] with a wide range, targets and weights w: nll and ∂(Σ w·nll)/∂z agree.
  const r = createRng(5);
  const R = 7,
    V = 13;
  const zr = tf.tensor2d(
    Float32Array.from({ length: R * V }, () => 20 * (r.next() - 0.5)),
    [R, V],
  );
  const yr = tf.tensor1d(
    Int32Array.from({ length: R }, () => r.int(V)),
    "int32",
  );
  const w = tf.tensor1d(Float32Array.from({ length: R }, () => r.next()));
  const both = async (f: (a: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor1D) => ({
    v: await tf.tidy(() => f(zr, yr)).data(),
    g: await tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(f(x as tf.Tensor2D, yr), w)))(zr)).data(),
    noGrad: await tf.tidy(() => softmaxXent(zr, yr, false)).data(),
  });
  const fused = await both((a, b) => softmaxXent(a, b));
  useHostKernels(false);
  const ref = await both((a, b) => softmaxXentReference(a, b));
  const refViaSwitch = await both((a, b) => softmaxXent(a, b));
  useHostKernels(true);
  close(fused.v, ref.v, 1e-4, "nll");
  close(fused.noGrad, ref.v, 1e-4, "nll without gradient");
  close(fused.g, ref.g, 1e-5, "gradient");
  close(refViaSwitch.v, ref.v, 0, "fallback");
  [z, y, zr, yr, w].forEach((t) => t.dispose());
});

test("copy initialisation: W_V·W_O = α·I in every layer, and it makes copying query tokens learnable fast", async () => {
  const cfg: GenConfig = {
    layers: 2,
    dModel: 16,
    heads: 2,
    vocabSize: 60,
    queryLen: 4,
    targetLen: 6,
    copyInit: 0.5,
  };
  const m = createGenDecoder(cfg, 3);
  const d = cfg.dModel;
  for (let l = 0; l < cfg.layers; l++) {
    const qkv = (await m.variables.find((v) => v.name.includes(`_l${l}.w_qkv_`))!.data()) as Float32Array;
    const wo = (await m.variables.find((v) => v.name.includes(`_l${l}.w_o_`))!.data()) as Float32Array;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += qkv[a * 3 * d + 2 * d + k] * wo[k * d + b];
        assert.ok(Math.abs(s - (a === b ? 0.5 : 0)) < 1e-5, `layer ${l} (W_V W_O)[${a},${b}] = ${s}`);
      }
    }
  }
  m.dispose();
  // Copy task (375 steps): query = 3 random tokens, target = q0 5 q1 5 q2 5; new queries at test time. Half the
  // target tokens are the filler 5 (learned at once); the other half can only come from the query:
  // ln 55 = 4.0 nats each without copying, so a model that does not copy stays near 2.0 per token.
  const r = createRng(2);
  const mk = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const q = Int32Array.from({ length: 3 }, () => 5 + r.int(55));
      return { query: q, target: Int32Array.from([q[0], 5, q[1], 5, q[2], 5]), doc: i, queryIndex: i };
    });
  const train = mk(2400),
    test = mk(100);
  const avg = (x: { sum: Float64Array; tokens: Float64Array }) =>
    x.sum.reduce((a, b) => a + b, 0) / x.tokens.reduce((a, b) => a + b, 0);
  const loss: Record<string, number> = {};
  for (const copyInit of [0, 1]) {
    const g = createGenDecoder(
      { layers: 1, dModel: 16, heads: 2, vocabSize: 60, queryLen: 4, targetLen: 6, copyInit },
      1,
    );
    await trainGenerator(g, train, {
      batchSize: 32,
      epochs: 5,
      seed: 1,
      schedule: { kind: "inverse-sqrt", peakLr: 3e-3, warmupSteps: 20, totalSteps: 0 },
    });
    loss[copyInit] = avg(await pairNll(g, test));
    g.dispose();
  }
  assert.ok(loss[1] < 0.5 && loss[0] > 1.5, `test loss with copy init ${loss[1]}, without ${loss[0]}`);
});

test("creating and disposing a decoder leaves no tensor behind", async () => {
  await selectBackend({ prefer: "cpu" });
  const before = tf.memory().numTensors;
  const m = createGenDecoder(tiny, 3);
  m.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("batched scorer: many queries searched at once give the runs and counts of one query at a time", async () => {
  const cfg: GenConfig = { layers: 1, dModel: 8, heads: 2, vocabSize: 24, queryLen: 3, targetLen: 4 };
  const m = createGenDecoder(cfg, 11);
  const rng = createRng(5);
  const docs = Array.from({ length: 12 }, () => Int32Array.from({ length: 9 }, () => 4 + rng.int(20)));
  const idx = buildNgramIndex(docs);
  const docnos = docs.map((_, i) => `d${i}`);
  const queries = Array.from({ length: 7 }, (_, i) => ({
    qid: `q${i}`,
    tokens: Int32Array.from({ length: 1 + (i % 3) }, () => 4 + rng.int(20)),
  }));
  const one = { prefixes: 0, flops: 0, perStep: [] as number[] };
  const many = { prefixes: 0, flops: 0, perStep: [] as number[] };
  const config = { beam: 4, maxLen: 4 };
  const a = await generativeRetrievalRun(idx, queries, (q) => modelScorer(m, q, one), docnos, config);
  // Chunks of 5 rows: every step of the 7 searches needs several model calls.
  const batched = batchedModelScorer(m, many, 5);
  const b = await generativeRetrievalRun(idx, queries, batched, docnos, { ...config, concurrency: 4 });
  for (const q of queries) {
    assert.deepEqual(b.run.get(q.qid)!.docnos, a.run.get(q.qid)!.docnos);
    const sa = a.run.get(q.qid)!.scores,
      sb = b.run.get(q.qid)!.scores;
    sa.forEach((v, i) => assert.ok(Math.abs(v - sb[i]) < 1e-4, `${q.qid}: ${v} vs ${sb[i]}`));
  }
  assert.deepEqual(many, one);
  assert.equal(b.prefixesScored, a.prefixesScored);
  m.dispose();
});
