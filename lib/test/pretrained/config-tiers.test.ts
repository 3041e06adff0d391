/**
 * config.json parsing (defaults, errors), the checkpoints' tokenizer.json files through the data
 * module's Hugging Face tokenizer (ids worked by hand), and the tier table of checkpoint folders.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { loadHfTokenizer } from "../../src/data/tokenizer";
import {
  ETTIN_SIZES,
  ettinTiers,
  isGlobalLayer,
  parseEncoderConfig,
  planCheckpoint,
  pretrainedTierTable,
  pretrainedTrainFlopsPerExample,
  readEncoderConfig,
} from "../../src/pretrained";
import { InputError } from "../../src/util/fsutil";

const FIX = path.join(__dirname, "..", "fixtures", "pretrained");

test("config.json: fields read, Hugging Face defaults for missing ones", () => {
  const b = readEncoderConfig(path.join(FIX, "bert-tiny", "config.json"));
  assert.equal(b.modelType, "bert");
  if (b.modelType !== "bert") return;
  assert.deepEqual(
    [b.vocabSize, b.hiddenSize, b.numLayers, b.numHeads, b.intermediateSize, b.maxPositions, b.typeVocabSize],
    [96, 32, 2, 4, 64, 64, 2],
  );
  assert.equal(b.numLabels, 1); // from id2label
  const m = parseEncoderConfig({ model_type: "modernbert" }, "x/config.json");
  assert.deepEqual(m, {
    modelType: "modernbert",
    vocabSize: 50368,
    hiddenSize: 768,
    intermediateSize: 1152,
    numLayers: 22,
    numHeads: 12,
    hiddenActivation: "gelu",
    maxPositions: 8192,
    normEps: 1e-5,
    normBias: false,
    attentionBias: false,
    mlpBias: false,
    globalRopeTheta: 160000,
    localRopeTheta: 10000,
    globalAttnEveryNLayers: 3,
    layerTypes: Array.from({ length: 22 }, (_, i) => (i % 3 === 0 ? "full_attention" : "sliding_attention")),
    localAttention: 128,
    classifierPooling: "cls",
    classifierBias: false,
    classifierActivation: "gelu",
    padTokenId: 50283,
    clsTokenId: 50281,
    sepTokenId: 50282,
    initializerRange: 0.02,
    initializerCutoffFactor: 2,
    numLabels: 2,
  });
  // local_rope_theta: null means "use the global theta" (as Hugging Face's attention does).
  const n = parseEncoderConfig(
    { model_type: "modernbert", global_rope_theta: 80000, local_rope_theta: null },
    "x",
  );
  assert.equal(n.modelType === "modernbert" && n.localRopeTheta, 80000);
  // Newer transformers: layer_types and rope_parameters replace the older fields and win over them.
  const v5 = parseEncoderConfig(
    {
      model_type: "modernbert",
      num_hidden_layers: 3,
      global_attn_every_n_layers: 3,
      global_rope_theta: 1,
      layer_types: ["sliding_attention", "full_attention", "sliding_attention"],
      rope_parameters: {
        full_attention: { rope_type: "default", rope_theta: 123 },
        sliding_attention: { rope_type: "default", rope_theta: 45 },
      },
    },
    "x",
  );
  assert.ok(v5.modelType === "modernbert");
  if (v5.modelType === "modernbert") {
    assert.deepEqual(
      [v5.layerTypes, v5.globalRopeTheta, v5.localRopeTheta],
      [["sliding_attention", "full_attention", "sliding_attention"], 123, 45],
    );
    assert.deepEqual(
      [0, 1, 2].map((i) => isGlobalLayer(v5, i)),
      [false, true, false],
    );
  }
  const bert = parseEncoderConfig({ model_type: "bert" }, "x");
  assert.equal(bert.modelType === "bert" && bert.layerNormEps, 1e-12);
});

test("config.json errors name the file and the field", () => {
  const bad = (raw: Record<string, unknown>, part: string) =>
    assert.throws(
      () => parseEncoderConfig(raw, "m/config.json"),
      (e: unknown) =>
        e instanceof InputError && e.message.startsWith("m/config.json:0: ") && e.message.includes(part),
    );
  bad({ model_type: "gpt2" }, 'model_type "gpt2" is not supported');
  bad(
    { model_type: "bert", hidden_size: 30, num_attention_heads: 4 },
    "hidden_size 30 is not divisible by num_attention_heads 4",
  );
  bad({ model_type: "bert", hidden_act: "mish" }, 'hidden_act "mish" is not supported');
  bad({ model_type: "bert", num_hidden_layers: 2.5 }, "num_hidden_layers must be an integer");
  bad({ model_type: "bert", position_embedding_type: "relative_key" }, 'only "absolute"');
  bad({ model_type: "modernbert", norm_bias: "no" }, "norm_bias must be true or false");
  bad({ model_type: "modernbert", classifier_pooling: "max" }, "classifier_pooling");
  bad(
    { model_type: "modernbert", num_hidden_layers: 2, layer_types: ["full_attention"] },
    "layer_types must list",
  );
  bad(
    { model_type: "modernbert", rope_parameters: { full_attention: { rope_type: "yarn", factor: 4 } } },
    'rope_type "yarn" is not supported',
  );
  assert.throws(
    () => readEncoderConfig("/nonexistent/config.json"),
    /\/nonexistent\/config\.json:0: cannot read config\.json/,
  );
});

test("tokenizer.json of the fixtures: WordPiece and byte-level BPE, ids worked by hand", () => {
  // bert-tiny vocabulary (make_pretrained_fixtures.py): [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then
  // the 5, what 6, is 7, cross 8, encoder 9, score 10, query 11, passage 12, rank 13, ##er 14, ##ing 15,
  // law 16, scaling 17, model 18, "," 19, "." 20, "?" 21, letters a–z 22–47, ##a–##z 48–73.
  // "What is a ranker?" → what is a rank ##er ? = 6 7 22 13 14 21 (lowercased; greedy longest match);
  // "Scaling laws." → scaling law ##s . = 17 16 66 20 (##s = 48 + 18).
  const bert = loadHfTokenizer(path.join(FIX, "bert-tiny", "tokenizer.json"));
  assert.deepEqual([bert.clsId, bert.sepId, bert.padId], [2, 3, 0]);
  assert.deepEqual(
    Array.from(bert.encodePair("What is a ranker?", "Scaling laws.", 32)),
    [2, 6, 7, 22, 13, 14, 21, 3, 17, 16, 66, 20, 3],
  );
  // Truncation to 10: budget 7 = 6 query tokens + 1 document token.
  assert.deepEqual(
    Array.from(bert.encodePair("What is a ranker?", "Scaling laws.", 10)),
    [2, 6, 7, 22, 13, 14, 21, 3, 17, 3],
  );
  // The file's own TemplateProcessing gives the same ids and type ids 1 on the second segment.
  const enc = bert.hf.encode("What is a ranker?", {
    text_pair: "Scaling laws.",
    return_token_type_ids: true,
  });
  assert.deepEqual(enc.ids, [2, 6, 7, 22, 13, 14, 21, 3, 17, 16, 66, 20, 3]);
  assert.deepEqual(enc.token_type_ids, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  // modernbert-tiny: byte b has id b; merges (rank order) h e → 256, l l → 257, Ġ w → 258, o r → 259,
  // Ġw or → 260, he ll → 261, hell o → 262; [PAD] 263, [CLS] 265, [SEP] 266.
  // "hello" → h e l l o → he l l o → he ll o → hell o → hello (262);
  // " world" → Ġ w o r l d → Ġw o r l d → Ġw or l d → Ġwor l d = 260 108 100.
  const bpe = loadHfTokenizer(path.join(FIX, "modernbert-tiny", "tokenizer.json"));
  assert.deepEqual([bpe.clsId, bpe.sepId, bpe.padId], [265, 266, 263]);
  assert.deepEqual(bpe.encode("hello world"), [262, 260, 108, 100]);
  assert.deepEqual(
    Array.from(bpe.encodePair("hello", "world", 16)),
    [265, 262, 266, 119, 259, 108, 100, 266],
  );
  const mcfg = readEncoderConfig(path.join(FIX, "modernbert-tiny", "config.json"));
  assert.equal(mcfg.padTokenId, bpe.padId);
});

test("tier table from checkpoint folders: counts from the headers, FLOPs by hand", () => {
  const rows = pretrainedTierTable(
    [
      { name: "bert-tiny", folder: path.join(FIX, "bert-tiny") },
      { name: "modernbert-tiny", folder: path.join(FIX, "modernbert-tiny"), nominalParams: 36e3 },
    ],
    16,
  );
  // bert-tiny: total 23425, embedding (96 + 64 + 2)·32 = 5184, N = 18241.
  // FLOPs = 6·N·T + 12·d·T·ΣT_l = 6·18241·16 + 12·32·16·(16 + 16) = 1751136 + 196608 = 1947744.
  assert.deepEqual(rows[0], {
    tier: "bert-tiny",
    layers: 2,
    dModel: 32,
    heads: 4,
    nonEmbedding: 18241,
    embedding: 5184,
    total: 23425,
    trainFlopsPerExample: 1947744,
    folder: path.join(FIX, "bert-tiny"),
    arch: "bert",
    nominalParams: null,
  });
  // modernbert-tiny: total 36129, embedding 272·32 = 8704, N = 27425; layers global, local (window 8 →
  // min(16, 2·4 + 1) = 9 keys), global: ΣT_l = 16 + 9 + 16 = 41.
  // FLOPs = 6·27425·16 + 12·32·16·41 = 2632800 + 251904 = 2884704.
  assert.deepEqual(
    [
      rows[1].nonEmbedding,
      rows[1].embedding,
      rows[1].total,
      rows[1].trainFlopsPerExample,
      rows[1].arch,
      rows[1].nominalParams,
    ],
    [27425, 8704, 36129, 2884704, "modernbert", 36e3],
  );
  // The header-only plan reads no tensor data but resolves every weight.
  const plan = planCheckpoint(path.join(FIX, "modernbert-tiny"));
  assert.equal(plan.prefix, "model.");
  assert.ok(plan.sources.every((s) => s.source !== null));
  assert.equal(pretrainedTrainFlopsPerExample(plan.config, 0, 4), 12 * 32 * 4 * (4 + 4 + 4)); // window 9 > T = 4
});

test("Ettin tiers: six sizes with the paper's nominal counts and the Hugging Face folder names", () => {
  assert.deepEqual(
    ETTIN_SIZES.map((s) => s.nominalParams),
    [17e6, 32e6, 68e6, 150e6, 400e6, 1e9],
  );
  const t = ettinTiers("/models");
  assert.deepEqual(t[0], {
    name: "ettin-17m",
    folder: path.join("/models", "ettin-encoder-17m"),
    nominalParams: 17e6,
  });
  assert.equal(t[5].folder, path.join("/models", "ettin-encoder-1b"));
  assert.throws(
    () => pretrainedTierTable(t.slice(0, 1), 128),
    (e: unknown) => e instanceof InputError && e.message.includes("model folder not found"),
  );
});
