/**
 * The safetensors reader and writer: dtype decoding against hand-decoded bit patterns, round
 * trips, header validation, and the errors of a model folder (missing files, unknown dtypes,
 * shape mismatches, broken shard indexes), each naming the file, the tensor and both shapes.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  loadPretrainedEncoder,
  numberToBFloat16Bits,
  numberToFloat16Bits,
  openCheckpointWeights,
  planCheckpoint,
  readSafetensorsHeader,
  readTensorFloat32,
  writeSafetensors,
} from "../../src/pretrained";
import { InputError } from "../../src/util/fsutil";
import { selectBackend, tf } from "../../src/backend";

before(async () => {
  await selectBackend({ prefer: "cpu" });
});

const FIX = path.join(__dirname, "..", "fixtures", "pretrained");
const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-st-"));
  made.push(d);
  return d;
};
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** Copy a fixture folder into a fresh temporary folder. */
function copyFixture(name: string): string {
  const dir = tmp();
  for (const f of fs.readdirSync(path.join(FIX, name)))
    fs.copyFileSync(path.join(FIX, name, f), path.join(dir, f));
  return dir;
}

/** Rewrite a safetensors file's header through `edit` (data block unchanged). */
function editHeader(file: string, edit: (h: Record<string, any>) => void): void {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const h = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  edit(h);
  let hb = Buffer.from(JSON.stringify(h), "utf8");
  if (hb.length % 8) hb = Buffer.concat([hb, Buffer.alloc(8 - (hb.length % 8), 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  fs.writeFileSync(file, Buffer.concat([len, hb, buf.subarray(8 + n)]));
}

const throwsInput = (f: () => unknown, file: string, ...parts: string[]) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    assert.equal((e as InputError).file, file);
    for (const p of parts)
      assert.ok((e as Error).message.includes(p), `message "${(e as Error).message}" lacks "${p}"`);
    return true;
  });

test("dtypes.safetensors: F32, F16 and BF16 bit patterns decode to their hand-worked float32 values", () => {
  const file = path.join(FIX, "dtypes.safetensors");
  const h = readSafetensorsHeader(file);
  assert.deepEqual(Array.from(h.entries.keys()), ["f32", "f16", "bf16", "i64"]);
  assert.deepEqual(h.entries.get("f32")!.shape, [2, 3]);
  assert.equal(h.metadata.format, "pt");
  assert.equal(h.dataStart % 8, 0); // header padded to 8 bytes
  assert.deepEqual(Array.from(readTensorFloat32(h.entries.get("f32")!)), [
    1,
    -2.5,
    Math.fround(3.1415927),
    Math.fround(1e-40),
    Infinity,
    -0,
  ]);
  // binary16: 0x3C00 = 2^0 = 1; 0xC100 = −(1 + 256/1024)·2^(16−15) = −2.5; 0x7BFF = (1 + 1023/1024)·2^15 = 65504;
  // 0x0001 = subnormal 1·2^−24; 0x7C00 = +∞; 0x8000 = −0.
  assert.deepEqual(Array.from(readTensorFloat32(h.entries.get("f16")!)), [
    1,
    -2.5,
    65504,
    2 ** -24,
    Infinity,
    -0,
  ]);
  // bfloat16 = upper half of float32: 0x3F80 → 0x3F800000 = 1; 0xC020 → −2.5; 0x4049 → 2·(1 + 73/128) = 3.140625;
  // 0x0001 → 0x00010000 = 2^16·2^−149 = 2^−133 (float32 subnormal); 0xFF80 → −∞; 0x8000 → −0.
  assert.deepEqual(Array.from(readTensorFloat32(h.entries.get("bf16")!)), [
    1,
    -2.5,
    3.140625,
    2 ** -133,
    -Infinity,
    -0,
  ]);
  throwsInput(
    () => readTensorFloat32(h.entries.get("i64")!),
    file,
    'tensor "i64"',
    "dtype I64",
    "F32, F16, BF16",
  );
});

test("bit conversions: round to nearest even, overflow, subnormals", () => {
  for (const [x, bits] of [
    [1, 0x3c00],
    [-2.5, 0xc100],
    [65504, 0x7bff],
    [2 ** -24, 0x0001],
    [Infinity, 0x7c00],
    [-0, 0x8000],
  ] as const) {
    assert.equal(numberToFloat16Bits(x), bits);
    assert.equal(Object.is(float16BitsToNumber(bits), x) || float16BitsToNumber(bits) === x, true);
  }
  // 1 + 2^−11 lies halfway between 1 (mantissa 0, even) and 1 + 2^−10: ties to even → 0x3C00.
  assert.equal(numberToFloat16Bits(1 + 2 ** -11), 0x3c00);
  // 1 + 3·2^−11 lies halfway between mantissa 1 (odd) and 2 (even) → 0x3C02 = 1 + 2/1024.
  assert.equal(numberToFloat16Bits(1 + 3 * 2 ** -11), 0x3c02);
  // 65520 = halfway between 65504 and 2^16 (not representable) → rounds up to the even side, +∞.
  assert.equal(numberToFloat16Bits(65520), 0x7c00);
  assert.equal(numberToFloat16Bits(2 ** -26), 0); // below half the smallest subnormal
  // bfloat16 has 7 mantissa bits: 1 + 2^−8 is a tie → 1 (0x3F80); 1 + 3·2^−8 → 1 + 2^−6 (0x3F82).
  assert.equal(numberToBFloat16Bits(1 + 2 ** -8), 0x3f80);
  assert.equal(numberToBFloat16Bits(1 + 3 * 2 ** -8), 0x3f82);
  assert.equal(bfloat16BitsToNumber(0x3f82), 1.015625);
  assert.ok(Number.isNaN(float16BitsToNumber(numberToFloat16Bits(NaN))));
  assert.ok(Number.isNaN(bfloat16BitsToNumber(numberToBFloat16Bits(NaN))));
});

test("writer round trip: F32 exact, F16/BF16 equal to the rounded values, readable by the checkpoint reader", async () => {
  const dir = tmp();
  const file = path.join(dir, "model.safetensors");
  const data = Float32Array.from([0.1, -1.7, 3e-5, 1234.5678, 0, -0.25]);
  await writeSafetensors(
    file,
    [
      { name: "a", shape: [2, 3], data: () => data },
      { name: "b", shape: [6], data, dtype: "F16" },
      { name: "c", shape: [3, 2], data, dtype: "BF16" },
      { name: "s", shape: [], data: Float32Array.from([7]) },
    ],
    { format: "pt" },
  );
  const w = openCheckpointWeights(dir);
  assert.deepEqual(w.files, [file]);
  assert.deepEqual(Array.from(w.read("a")), Array.from(data));
  assert.deepEqual(
    Array.from(w.read("b")),
    Array.from(data, (x) => float16BitsToNumber(numberToFloat16Bits(x))),
  );
  assert.deepEqual(
    Array.from(w.read("c", [3, 2])),
    Array.from(data, (x) => bfloat16BitsToNumber(numberToBFloat16Bits(x))),
  );
  assert.deepEqual(Array.from(w.read("s", [])), [7]);
  // 0.1 in binary16 = 0x2E66 = (1 + 614/1024)·2^−4 = 0.0999755859375.
  assert.equal(w.read("b")[0], 0.0999755859375);
  throwsInput(() => w.read("c", [2, 3], "the test"), file, 'tensor "c"', "[3, 2]", "[2, 3]", "the test");
  throwsInput(() => w.read("zz"), file, 'tensor "zz" not found');
  assert.equal(readSafetensorsHeader(file).dataStart % 8, 0);
  // A failing write leaves the previous file untouched and no temporary file behind.
  const before = fs.readFileSync(file);
  await assert.rejects(
    writeSafetensors(file, [{ name: "x", shape: [3], data: Float32Array.from([1, 2]) }]),
    /has 2 values for shape \[3\]/,
  );
  assert.deepEqual(fs.readFileSync(file), before);
  assert.deepEqual(fs.readdirSync(dir), ["model.safetensors"]);
});

test("malformed files: missing, too short, bad header length, bad JSON, truncated data, wrong byte count", () => {
  const dir = tmp();
  const f = (n: string) => path.join(dir, n);
  throwsInput(
    () => readSafetensorsHeader(f("none.safetensors")),
    f("none.safetensors"),
    "cannot open",
    "ENOENT",
  );
  fs.writeFileSync(f("short.safetensors"), Buffer.from([1, 2, 3]));
  throwsInput(
    () => readSafetensorsHeader(f("short.safetensors")),
    f("short.safetensors"),
    "shorter than the 8-byte header length",
  );
  const big = Buffer.alloc(16);
  big.writeBigUInt64LE(1000n);
  fs.writeFileSync(f("big.safetensors"), big);
  throwsInput(
    () => readSafetensorsHeader(f("big.safetensors")),
    f("big.safetensors"),
    "header length 1000 exceeds",
  );
  const bad = Buffer.concat([Buffer.alloc(8), Buffer.from("{nope}  ")]);
  bad.writeBigUInt64LE(8n);
  fs.writeFileSync(f("json.safetensors"), bad);
  throwsInput(() => readSafetensorsHeader(f("json.safetensors")), f("json.safetensors"), "not valid JSON");
  // Truncated: drop the last 100 bytes of a real checkpoint; the last tensor now runs past the end.
  const src = fs.readFileSync(path.join(FIX, "bert-tiny", "model.safetensors"));
  fs.writeFileSync(f("trunc.safetensors"), src.subarray(0, src.length - 100));
  throwsInput(
    () => readSafetensorsHeader(f("trunc.safetensors")),
    f("trunc.safetensors"),
    'tensor "classifier.weight"',
    "past the end",
    "truncated",
  );
  // Byte count disagreeing with shape × dtype size.
  fs.copyFileSync(path.join(FIX, "bert-tiny", "model.safetensors"), f("count.safetensors"));
  editHeader(f("count.safetensors"), (h) => (h["bert.pooler.dense.bias"].shape = [33]));
  throwsInput(
    () => readSafetensorsHeader(f("count.safetensors")),
    f("count.safetensors"),
    'tensor "bert.pooler.dense.bias"',
    "128 data bytes",
    "[33] of F32 needs 132",
  );
});

test("model folder errors: missing folder, config, weights; unknown dtype; missing tensor; shape mismatch", () => {
  throwsInput(() => planCheckpoint("/nonexistent/model"), "/nonexistent/model", "model folder not found");
  const noCfg = copyFixture("bert-tiny");
  fs.rmSync(path.join(noCfg, "config.json"));
  throwsInput(
    () => planCheckpoint(noCfg),
    path.join(noCfg, "config.json"),
    "cannot read config.json",
    "ENOENT",
  );
  const noWeights = copyFixture("bert-tiny");
  fs.rmSync(path.join(noWeights, "model.safetensors"));
  fs.writeFileSync(path.join(noWeights, "pytorch_model.bin"), "x");
  throwsInput(
    () => planCheckpoint(noWeights),
    path.join(noWeights, "model.safetensors"),
    "neither model.safetensors nor model.safetensors.index.json",
    "pytorch_model.bin is not read",
  );

  // Unknown dtype (a name the format does not define) and a known non-float dtype on a needed tensor:
  // accepted in the header, rejected when the tensor is read, naming file, tensor and dtype.
  const unk = copyFixture("bert-tiny");
  const unkFile = path.join(unk, "model.safetensors");
  editHeader(unkFile, (h) => (h["bert.embeddings.LayerNorm.bias"].dtype = "Q4X"));
  const plan = planCheckpoint(unk);
  throwsInput(
    () => plan.weights.read("bert.embeddings.LayerNorm.bias"),
    unkFile,
    'tensor "bert.embeddings.LayerNorm.bias"',
    "unknown dtype Q4X",
  );
  const i32 = copyFixture("bert-tiny");
  editHeader(path.join(i32, "model.safetensors"), (h) => (h["bert.embeddings.LayerNorm.bias"].dtype = "I32"));
  const live = tf.memory().numTensors;
  throwsInput(
    () => loadPretrainedEncoder(i32),
    path.join(i32, "model.safetensors"),
    'tensor "bert.embeddings.LayerNorm.bias"',
    "dtype I32",
  );
  assert.equal(tf.memory().numTensors, live, "a failed load disposes the variables it had made");

  // Shape mismatch between config.json and the weights: both shapes and the tensor are named.
  const wide = copyFixture("bert-tiny");
  const cfgFile = path.join(wide, "config.json");
  fs.writeFileSync(
    cfgFile,
    JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, "utf8")), hidden_size: 48 }),
  );
  throwsInput(
    () => planCheckpoint(wide),
    path.join(wide, "model.safetensors"),
    'tensor "bert.embeddings.word_embeddings.weight"',
    "has shape [96, 32]",
    `config.json (${cfgFile}) needs [96, 48]`,
  );

  // A required tensor missing: the names tried are listed.
  const gone = copyFixture("modernbert-tiny");
  editHeader(path.join(gone, "model.safetensors"), (h) => delete h["model.layers.2.mlp_norm.weight"]);
  throwsInput(
    () => planCheckpoint(gone),
    path.join(gone, "model.safetensors"),
    'tensor "layers.2.mlp_norm.weight" not found',
    '"model.layers.2.mlp_norm.weight"',
  );

  // A 2-label classifier cannot be the 1-logit head unless replaced.
  const two = copyFixture("bert-tiny");
  editHeader(path.join(two, "model.safetensors"), (h) => {
    h["classifier.weight"].shape = [2, 16]; // same byte count, different shape
  });
  throwsInput(
    () => planCheckpoint(two),
    path.join(two, "model.safetensors"),
    'tensor "classifier.weight"',
    "[2, 16]",
    "[1, 32]",
    "freshHead: true",
  );
  assert.deepEqual(planCheckpoint(two, { freshHead: true }).unused, ["classifier.weight", "classifier.bias"]);

  // config.json with fewer layers than the weights: the extra layer's tensors are unused, an error
  // unless a partial load is asked for (it would train a cut-down model otherwise).
  const cut = copyFixture("bert-tiny");
  const cutCfg = path.join(cut, "config.json");
  fs.writeFileSync(
    cutCfg,
    JSON.stringify({ ...JSON.parse(fs.readFileSync(cutCfg, "utf8")), num_hidden_layers: 1 }),
  );
  throwsInput(
    () => planCheckpoint(cut),
    path.join(cut, "model.safetensors"),
    "tensor(s) of the checkpoint are not used by the model",
    "bert, 1 layers",
    '"bert.encoder.layer.1.',
    "partial: true",
  );
  const partial = planCheckpoint(cut, { partial: true });
  assert.ok(
    partial.unused.length > 0 && partial.unused.every((n) => n.startsWith("bert.encoder.layer.1.")),
    partial.unused.join(),
  );
  // a missing pooler is missing weights as well; heads of other tasks are not
  const nopool = copyFixture("bert-tiny-sharded");
  const idx = path.join(nopool, "model.safetensors.index.json");
  const index = JSON.parse(fs.readFileSync(idx, "utf8"));
  delete index.weight_map["pooler.dense.weight"];
  fs.writeFileSync(idx, JSON.stringify(index));
  editHeader(path.join(nopool, "model-00002-of-00002.safetensors"), (h) => delete h["pooler.dense.weight"]);
  throwsInput(
    () => planCheckpoint(nopool),
    idx,
    '"pooler.dense.weight"',
    "missing from the checkpoint",
    "partial: true",
  );
  assert.deepEqual(
    planCheckpoint(nopool, { partial: true })
      .sources.filter((x) => x.source === null)
      .map((x) => x.spec.name),
    ["pooler.dense.weight", "classifier.weight", "classifier.bias"],
  );
});

test("safetensors: tensors whose bytes overlap are rejected, naming both", () => {
  const dir = copyFixture("bert-tiny");
  const file = path.join(dir, "model.safetensors");
  editHeader(file, (h) => {
    // point the LayerNorm bias at the LayerNorm weight's bytes (same length: d floats)
    h["bert.embeddings.LayerNorm.bias"].data_offsets = h["bert.embeddings.LayerNorm.weight"].data_offsets;
  });
  throwsInput(
    () => readSafetensorsHeader(file),
    file,
    "overlap",
    "bert.embeddings.LayerNorm",
    "forbids overlapping data",
  );
});

test("sharded index: merged entries, missing shard, tensor absent from its shard, broken JSON", () => {
  const w = openCheckpointWeights(path.join(FIX, "bert-tiny-sharded"));
  assert.equal(w.files.length, 2);
  assert.ok(w.has("embeddings.word_embeddings.weight") && w.has("pooler.dense.bias"));
  assert.notEqual(
    w.entries.get("embeddings.word_embeddings.weight")!.file,
    w.entries.get("pooler.dense.bias")!.file,
  );

  const a = copyFixture("bert-tiny-sharded");
  fs.rmSync(path.join(a, "model-00002-of-00002.safetensors"));
  throwsInput(
    () => openCheckpointWeights(a),
    path.join(a, "model-00002-of-00002.safetensors"),
    "shard listed in model.safetensors.index.json is missing",
  );

  const b = copyFixture("bert-tiny-sharded");
  const idxFile = path.join(b, "model.safetensors.index.json");
  const idx = JSON.parse(fs.readFileSync(idxFile, "utf8"));
  idx.weight_map["pooler.dense.bias"] = "model-00001-of-00002.safetensors";
  fs.writeFileSync(idxFile, JSON.stringify(idx));
  throwsInput(
    () => openCheckpointWeights(b),
    path.join(b, "model-00001-of-00002.safetensors"),
    'tensor "pooler.dense.bias"',
    "no such tensor",
  );

  fs.writeFileSync(idxFile, "{");
  throwsInput(() => openCheckpointWeights(b), idxFile, "not valid JSON");
});

test("streaming: one tensor of a 2.2 GB (sparse) file is read without reading the rest", () => {
  // A reader that loaded the whole file would fail here (Node refuses readFile above 2 GiB); the header
  // is parsed alone and the small tensor is read with one positioned read at offset 8 + N + 2.2e9.
  const file = path.join(tmp(), "big.safetensors");
  const big = 2_200_000_000;
  const header = {
    big: { dtype: "F32", shape: [big / 4], data_offsets: [0, big] },
    small: { dtype: "BF16", shape: [2], data_offsets: [big, big + 4] },
  };
  let hb = Buffer.from(JSON.stringify(header));
  if (hb.length % 8) hb = Buffer.concat([hb, Buffer.alloc(8 - (hb.length % 8), 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, Buffer.concat([len, hb]));
    fs.ftruncateSync(fd, 8 + hb.length + big + 4); // sparse: no blocks are written for the big tensor
    fs.writeSync(fd, Buffer.from([0x80, 0x3f, 0x20, 0xc0]), 0, 4, 8 + hb.length + big); // BF16 1.0, −2.5
  } finally {
    fs.closeSync(fd);
  }
  try {
    const h = readSafetensorsHeader(file);
    assert.equal(h.entries.get("big")!.byteLength, big);
    assert.deepEqual(Array.from(readTensorFloat32(h.entries.get("small")!)), [1, -2.5]);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
