/**
 * Reference check: the tfjs BERT and ModernBERT encoders loaded from tiny random
 * safetensors checkpoints give the same last hidden states and scores as the reference forward
 * passes, to 1e-4. The fixtures and the reference outputs are made by
 * scripts/make_pretrained_fixtures.py. NOTE: that reference is the project's own PyTorch
 * implementation of the published architectures (Hugging Face weight names), not the
 * `transformers` library, which is not installed here.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { tf, selectBackend } from "../../src/backend";
import { loadPretrainedEncoder, type PretrainedEncoder } from "../../src/pretrained";
import { encodeBatch, loadHfTokenizer, pairSegmentStart } from "../../src/data/tokenizer";

const FIX = path.join(__dirname, "..", "fixtures", "pretrained");
const TOL = 1e-4;

interface Reference {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  hidden_shape: [number, number, number];
  last_hidden_state: number[];
  logits?: number[];
  param_counts?: { total: number; embedding: number };
}

const readRef = (name: string): Reference =>
  JSON.parse(fs.readFileSync(path.join(FIX, name, "reference.json"), "utf8"));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Run the model on the reference inputs; returns hidden [B·T·d] and logits [B]. */
async function run(
  model: PretrainedEncoder,
  ref: Reference,
  explicit: boolean,
): Promise<{ hidden: Float32Array; logits: Float32Array }> {
  const out = tf.tidy(() => {
    const ids = tf.tensor2d(ref.input_ids, undefined, "int32");
    if (!explicit) return model.forward(ids);
    const mask = tf.tensor2d(ref.attention_mask, undefined, "float32");
    const types = ref.token_type_ids ? tf.tensor2d(ref.token_type_ids, undefined, "int32") : undefined;
    return model.forward(ids, mask, types);
  });
  const hidden = (await out.hidden.data()) as Float32Array;
  const logits = (await out.logits.data()) as Float32Array;
  out.hidden.dispose();
  out.logits.dispose();
  return { hidden, logits };
}

before(async () => {
  await selectBackend({ prefer: "cpu" });
});

for (const name of [
  "bert-tiny",
  "bert-tiny-sharded",
  "modernbert-tiny",
  "modernbert-tiny-bf16",
  "modernbert-tiny-f16-mlm",
]) {
  test(`${name}: hidden states and scores match the reference to 1e-4`, async () => {
    const ref = readRef(name);
    // The sharded folder has no tokenizer.json and BertConfig has no sep_token_id, so the [SEP]
    // id that starts segment 1 is passed (without it token types would all be 0).
    const model = loadPretrainedEncoder(
      path.join(FIX, name),
      name === "bert-tiny-sharded" ? { sepId: 3 } : {},
    );
    try {
      assert.deepEqual(
        [ref.input_ids.length, ref.input_ids[0].length, model.encoderConfig.hiddenSize],
        ref.hidden_shape,
      );
      // Explicit mask and token types from the fixture, and the defaults score() uses (mask = ids ≠ pad,
      // types = 1 after the first [SEP]): both must reproduce the reference.
      for (const explicit of [true, false]) {
        const got = await run(model, ref, explicit);
        const dh = maxAbsDiff(got.hidden, ref.last_hidden_state);
        console.log(
          `# ${name} (${explicit ? "explicit mask" : "derived mask"}): max |Δhidden| = ${dh.toExponential(2)}`,
        );
        assert.ok(dh <= TOL, `${name}: max |Δhidden| ${dh} > ${TOL}`);
        if (ref.logits) {
          const dl = maxAbsDiff(got.logits, ref.logits);
          console.log(`# ${name}: max |Δscore| = ${dl.toExponential(2)}`);
          assert.ok(dl <= TOL, `${name}: max |Δscore| ${dl} > ${TOL}`);
        }
      }
      // score() (the CrossEncoder interface the trainer calls) equals forward().logits.
      const s = tf.tidy(() => model.score(tf.tensor2d(ref.input_ids, undefined, "int32")));
      const viaForward = await run(model, ref, false);
      assert.deepEqual(Array.from(await s.data()), Array.from(viaForward.logits));
      s.dispose();
    } finally {
      model.dispose();
    }
  });
}

test("parameter counts read from the weights equal the reference script's counts", () => {
  // bert-tiny holds every weight of the cross-encoder (backbone, pooler, 1-logit classifier).
  // By hand, V=96, d=32, L=2, I=64, P=64, 2 types: embeddings (96+64+2)·32 = 5184; per layer
  // 4(32·32+32) + 2·2·32 + (64·32+64) + (32·64+32) = 4224 + 128 + 2112 + 2080 = 8544; embedding LN 64;
  // pooler 32·32+32 = 1056; classifier 33. Total 5184 + 64 + 2·8544 + 1056 + 33 = 23425.
  const bert = loadPretrainedEncoder(path.join(FIX, "bert-tiny"));
  const ref = readRef("bert-tiny").param_counts!;
  assert.equal(bert.counts.total, 23425);
  assert.deepEqual(bert.counts, {
    total: ref.total,
    embedding: ref.embedding,
    nonEmbedding: ref.total - ref.embedding,
  });
  let vars = 0;
  for (const v of bert.trainableVariables()) vars += v.size;
  assert.equal(vars, bert.counts.total);
  bert.dispose();
  for (const name of ["modernbert-tiny", "modernbert-tiny-bf16"]) {
    const m = loadPretrainedEncoder(path.join(FIX, name));
    const r = readRef(name).param_counts!;
    assert.deepEqual(m.counts, {
      total: r.total,
      embedding: r.embedding,
      nonEmbedding: r.total - r.embedding,
    });
    m.dispose();
  }
  // ModernBERT, no biases, V=272, d=32, L=3, I=48: embedding 272·32 = 8704; emb norm 32; layer 0:
  // Wqkv 3072 + Wo 1024 + mlp_norm 32 + Wi 3072 + Wo 1536 = 8736; layers 1, 2 add attn_norm: 8768 each;
  // final norm 32; head.dense 1024 + head.norm 32; classifier 33. Total 8704+32+8736+2·8768+32+1056+33 = 36129.
  const mb = loadPretrainedEncoder(path.join(FIX, "modernbert-tiny"));
  assert.equal(mb.counts.total, 36129);
  assert.equal(mb.counts.nonEmbedding, 36129 - 8704);
  mb.dispose();
});

test("load report: loaded, freshly initialised and unused tensors; fresh heads are seeded", async () => {
  // The MLM checkpoint has head.dense/head.norm (loaded, as Hugging Face does) and decoder.bias
  // (unused) but no classifier (initialised fresh).
  const dir = path.join(FIX, "modernbert-tiny-f16-mlm");
  const a = loadPretrainedEncoder(dir, { seed: 1 });
  assert.deepEqual(a.report.initialized, ["classifier.weight", "classifier.bias"]);
  assert.deepEqual(a.report.unused, ["decoder.bias"]);
  assert.ok(
    a.report.loaded.some(
      (l) => l.name === "head.dense.weight" && l.source === "head.dense.weight" && l.dtype === "F16",
    ),
  );
  assert.ok(
    a.report.loaded.some(
      (l) => l.name === "layers.1.attn.Wqkv.weight" && l.source === "model.layers.1.attn.Wqkv.weight",
    ),
  );
  const b = loadPretrainedEncoder(dir, { seed: 1 });
  const c = loadPretrainedEncoder(dir, { seed: 2 });
  const ids = readRef("modernbert-tiny-f16-mlm").input_ids;
  const score = async (m: PretrainedEncoder) => {
    const t = tf.tidy(() => m.score(tf.tensor2d(ids, undefined, "int32")));
    const v = Array.from(await t.data());
    t.dispose();
    return v;
  };
  const [sa, sb, sc] = [await score(a), await score(b), await score(c)];
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  for (const s of sa) assert.ok(Number.isFinite(s));
  // Fresh bias is zero and the classifier weight has std ≈ d^-½ (truncated at 2σ), max |w| ≤ 2σ.
  const w = (await a.weights.get("classifier.weight")!.data()) as Float32Array;
  const sigma = 32 ** -0.5;
  for (const x of w) assert.ok(Math.abs(x) <= 2 * sigma + 1e-7);
  assert.deepEqual(Array.from(await a.weights.get("classifier.bias")!.data()), [0]);
  // freshHead replaces an existing classifier.
  const f = loadPretrainedEncoder(path.join(FIX, "bert-tiny"), { freshHead: true });
  assert.deepEqual(f.report.initialized, ["classifier.weight", "classifier.bias"]);
  assert.deepEqual(f.report.unused, ["classifier.weight", "classifier.bias"]);
  // The sharded BertModel layout has a pooler but no classifier; no prefix.
  const s = loadPretrainedEncoder(path.join(FIX, "bert-tiny-sharded"));
  assert.equal(s.sepId, null); // no tokenizer.json, no sep_token_id: token types stay 0, and the report says so
  assert.equal(s.report.notes.length, 1);
  assert.match(s.report.notes[0], /no sep_token_id in config\.json and no tokenizer\.json/);
  assert.deepEqual(f.report.notes, []);
  assert.equal(f.sepId, 3); // bert-tiny: "[SEP]" of its tokenizer.json
  assert.deepEqual(s.report.initialized, ["classifier.weight", "classifier.bias"]);
  assert.ok(s.report.loaded.some((l) => l.source === "pooler.dense.weight"));
  for (const m of [a, b, c, f, s]) m.dispose();
});

test('a literal "[SEP]" in the query text: segments follow the pair template, as Hugging Face\'s token_type_ids do', async () => {
  await selectBackend({ prefer: "wasm" });
  const folder = path.join(FIX, "bert-tiny");
  const tok = loadHfTokenizer(path.join(folder, "tokenizer.json"));
  const q = "a [SEP] b",
    d = "c d";
  const qIds = tok.encode(q);
  assert.ok(
    qIds.includes(tok.sepId),
    "the tokenizer turns the literal into the special [SEP] id, as transformers does",
  );
  // transformers' pair template: token_type_ids = [0] * len([CLS] q [SEP]) + [1] * len(d [SEP])
  const T = 16;
  const b = encodeBatch(tok, [[q, d]], T);
  const n = b.lengths[0],
    start = 2 + qIds.length;
  assert.equal(pairSegmentStart(qIds.length, T), start);
  assert.deepEqual(
    Array.from(b.typeIds.subarray(0, n)),
    Array.from({ length: n }, (_, j) => (j >= start ? 1 : 0)),
  );
  const model = loadPretrainedEncoder(folder);
  const [viaStart, viaTypes, viaFirstSep] = await Promise.all(
    [0, 1, 2].map(async (k) => {
      const t = tf.tidy(() => {
        const ids = tf.tensor2d(b.ids, [1, T], "int32");
        if (k === 0) return model.score(ids, tf.tensor1d([start], "int32"));
        if (k === 1)
          return model.scoreWithMask(
            ids,
            tf.cast(tf.notEqual(ids, 0), "float32") as tf.Tensor2D,
            tf.tensor2d(b.typeIds, [1, T], "int32"),
          );
        return model.score(ids);
      });
      const v = (await t.data())[0];
      t.dispose();
      return v;
    }),
  );
  assert.equal(viaStart, viaTypes);
  assert.notEqual(viaFirstSep, viaTypes); // deriving segments from the first [SEP] would put "b" in segment 1
  model.dispose();
});
