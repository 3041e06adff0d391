import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, selectBackend } from "../../src/backend";
import {
  TIERS,
  tierConfig,
  countParams,
  trainFlopsPerExample,
  forwardFlopsPerExample,
  createCrossEncoder,
  countModelWeights,
  weightSpecs,
  readWeights,
  writeWeights,
  tierTable,
  exactMatchFlags,
} from "../../src/model";

/** The benchmark's small config (L=2, d=64; the engine comparison in bench/train.notes.md). */
const L2D64 = { layers: 2, dModel: 64, heads: 4, vocabSize: 8192, maxLen: 128, padId: 0 };

test("parameter formula, hand-worked for the research configs", () => {
  // L=2, d=64: N = 2(12·4096 + 13·64) + 3·64 + 1 = 2(49152 + 832) + 193 = 100161
  assert.equal(countParams(L2D64).nonEmbedding, 100161);
  // t6, L=1, d=128: N = 12·16384 + 13·128 + 3·128 + 1 = 196608 + 1664 + 385 = 198657
  assert.equal(countParams(tierConfig("t6", 8192, 128)).nonEmbedding, 198657);
  // t1, L=1, d=8: N = 12·64 + 13·8 + 3·8 + 1 = 768 + 104 + 25 = 897
  assert.equal(countParams(tierConfig("t1", 8192, 128)).nonEmbedding, 897);
  // t7, L=4, d=256: N = 4(12·65536 + 3328) + 769 = 4·789760 + 769 = 3159809
  assert.equal(countParams(tierConfig("t7", 8192, 128)).nonEmbedding, 3159809);
});

test("the mini grid's tiers: six sizes over ≥ 1.7 decades, the two largest forecast (worked by hand)", () => {
  const mini = ["t0", "t1", "t2", "t3", "t4", "t5"].map(
    (t) => countParams(tierConfig(t, 2233, 64)).nonEmbedding,
  );
  // L = 1: N = 12d² + 16d + 1 for d = 6, 8, 12, 16, 32, 64
  //   6: 432 + 96 + 1 = 529;  8: 768 + 128 + 1 = 897;  12: 1728 + 192 + 1 = 1921;  16: 3072 + 256 + 1 = 3329
  //   32: 12288 + 512 + 1 = 12801;  64: 49152 + 1024 + 1 = 50177
  assert.deepEqual(mini, [529, 897, 1921, 3329, 12801, 50177]);
  const decades = Math.log10(mini[5] / mini[0]); // log10(50177 / 529) = log10(94.85) = 1.977
  assert.ok(decades >= 1.7 && Math.abs(decades - 1.977) < 1e-3, `decades ${decades}`);
  // embeddings (V + T)d = (8192 + 128)·64 = 532480
  assert.equal(countParams(L2D64).embedding, 532480);
});

test("tier table: ≥7 tiers spanning ≥2.5 decades of non-embedding parameters, increasing", () => {
  assert.ok(TIERS.length >= 7);
  const rows = tierTable(4096, 64);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i].nonEmbedding > rows[i - 1].nonEmbedding);
  const decades = Math.log10(rows[rows.length - 1].nonEmbedding / rows[0].nonEmbedding);
  assert.ok(decades >= 2.5, `decades ${decades}`);
  // every tier's weight specs add up to the formula (t6–t8 are not allocated here: too big for a unit test)
  for (const t of TIERS) {
    const c = tierConfig(t, 4096, 64);
    const specs = weightSpecs(c);
    const total = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
    assert.equal(total, countParams(c).total, t.name);
  }
});

test("exact counts against the real weights of tiers t0–t7", async () => {
  await selectBackend({ prefer: "cpu" });
  for (const t of TIERS.slice(0, 8)) {
    const c = tierConfig(t, 300, 32);
    const m = createCrossEncoder(c, 1);
    const got = countModelWeights(m);
    const want = countParams(c);
    assert.equal(got.total, want.total, t.name);
    assert.equal(got.nonEmbedding, want.nonEmbedding, t.name);
    m.dispose();
  }
});

test("FLOPs per example: formula, hand-worked value and consistency with the weight shapes", () => {
  const c = L2D64;
  // 6·N·T + 12·L·T²·d = 6·100161·128 + 12·2·16384·64 = 76,923,648 + 25,165,824 = 102,089,472
  assert.equal(trainFlopsPerExample(c), 102089472);
  // ×32 examples = 3.267 GFLOP per step (the engine comparison's 3.27)
  assert.ok(Math.abs((trainFlopsPerExample(c) * 32) / 1e9 - 3.267) < 1e-3);
  assert.equal(forwardFlopsPerExample(c) * 3, trainFlopsPerExample(c));
  // The dense term counts each non-embedding parameter as one multiply-add per token: split it into
  // the weight matrices (the real matmuls) and the vectors (biases, LayerNorm), read from the specs.
  for (const t of TIERS) {
    const cc = tierConfig(t, 1000, 64),
      T = 64;
    let mats = 0,
      vecs = 0;
    for (const s of weightSpecs(cc)) {
      if (s.name === "tok_emb" || s.name === "pos_emb") continue;
      const n = s.shape.reduce((a, b) => a * b, 1);
      if (s.shape.length === 2) mats += n;
      else vecs += n;
    }
    const matmulFlops = 6 * T * mats + 12 * cc.layers * T * T * cc.dModel;
    assert.equal(trainFlopsPerExample(cc) - matmulFlops, 6 * T * vecs, t.name);
    assert.ok(vecs / (mats + vecs) < 0.2, t.name); // vectors are a small remainder
  }
});

test("padding is masked: padded sequence scores like the unpadded one; weights round-trip", async () => {
  await selectBackend({ prefer: "cpu" });
  const m = createCrossEncoder({ layers: 2, dModel: 16, heads: 2, vocabSize: 20, maxLen: 8, padId: 0 }, 3);
  // the head starts at zero (every score 0); give it weights so scores depend on the input
  m.weights.get("head_w")!.assign(tf.linspace(-1, 1, 16).reshape([16, 1]));
  const full = tf.tensor2d([[1, 5, 6, 2, 0, 0, 0, 0]], [1, 8], "int32");
  const short = tf.tensor2d([[1, 5, 6, 2]], [1, 4], "int32");
  const a = (await m.score(full).data())[0],
    b = (await m.score(short).data())[0];
  assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
  // a different non-pad token changes the score
  const c = (await m.score(tf.tensor2d([[1, 5, 7, 2]], [1, 4], "int32")).data())[0];
  assert.ok(Math.abs(c - b) > 1e-7);
  const w = await readWeights(m);
  const m2 = createCrossEncoder(m.config, 99);
  writeWeights(m2, w);
  assert.equal((await m2.score(short).data())[0], b);
  tf.dispose([full, short]);
  m.dispose();
  m2.dispose();
});

test("exact-match flags: a token is flagged when its id occurs in the other segment", async () => {
  await selectBackend({ prefer: "cpu" });
  // [CLS]=2 7 8 [SEP]=3 | 8 9 7 7 [SEP]=3 [PAD]=0 ; segments 0 0 0 0 | 1 1 1 1 1 1
  // 7 is in both segments → flagged everywhere it occurs; 8 likewise; 9 only in the passage → 0;
  // specials and padding never count (the two [SEP]s are in different segments but id 3 < 5).
  const ids = tf.tensor2d([[2, 7, 8, 3, 8, 9, 7, 7, 3, 0]], [1, 10], "int32");
  const seg = tf.tensor2d([[0, 0, 0, 0, 1, 1, 1, 1, 1, 1]], [1, 10], "int32");
  assert.deepEqual(Array.from(await exactMatchFlags(ids, seg).data()), [0, 1, 1, 0, 1, 0, 1, 1, 0, 0]);
  // with segment and match embeddings the counts add (2 + 2)·d embedding parameters, checked on real weights
  const c = {
    layers: 1,
    dModel: 8,
    heads: 2,
    vocabSize: 20,
    maxLen: 10,
    padId: 0,
    sepId: 3,
    matchEmbedding: true,
  };
  const m = createCrossEncoder(c, 1);
  assert.equal(countParams(c).embedding, (20 + 10 + 4) * 8);
  assert.equal(countModelWeights(m).total, countParams(c).total);
  assert.equal(countModelWeights(m).nonEmbedding, countParams(c).nonEmbedding);
  m.dispose();
});

test("creating and disposing a cross-encoder leaves no tensor behind (the weights' initial tensors are freed)", async () => {
  await selectBackend({ prefer: "cpu" });
  const before = tf.memory().numTensors;
  const m = createCrossEncoder({ ...tierConfig("t1", 40, 10), sepId: 3, matchEmbedding: true }, 5);
  assert.equal(tf.memory().numTensors - before, m.specs.length); // one tensor per weight, nothing else
  m.dispose();
  assert.equal(tf.memory().numTensors, before);
});
