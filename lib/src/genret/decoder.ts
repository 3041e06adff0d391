/**
 * A small decoder-only transformer that generates document identifiers given a query (arXiv 2503.18941:
 * the paper fine-tunes T5 and LLaMA; LLaMA, decoder-only, does best, so the stand-in here is
 * decoder-only, GPT-2 shaped: Radford et al. 2019).
 *
 * Sequence layout (one row): [query tokens, left-padded to Lq] [SEP] [target tokens, right-padded
 * to S]. Targets start at the same position in every row, so one forward pass of a batch gives,
 * at positions Lq … Lq+S−1, the next-token distributions of the S target tokens (teacher forcing).
 * Padding keys are masked out of attention, as are future positions (causal mask).
 *
 * Architecture: token + learned position embeddings; L pre-LN blocks (LayerNorm → causal
 * multi-head attention with fused QKV → residual; LayerNorm → FFN d×4d, GELU, 4d×d → residual);
 * final LayerNorm; logits by the transposed token embedding (tied input/output embedding, as
 * GPT-2). Initialisation as the cross-encoder (model/crossencoder.ts): N(0, 0.02²), residual
 * output projections N(0, (0.02/√(2L))²), from the seeded {@link createRng}.
 *
 * Copy initialisation (`copyInit` = α > 0; the tier configs use α = 1): in every layer the value
 * and output projections start as W_V = √α·Q and W_O = √α·Qᵀ for a random orthogonal Q, so
 * W_V·W_O = α·I. An attention head then passes the (LayerNormed) embeddings of the positions it
 * attends to straight into the residual stream, and with tied embeddings the query's tokens raise
 * their own output logits: the copy path a generator of query-matching spans needs, present from
 * the first step instead of grown from the product of two small random matrices (the idea of
 * mimetic initialisation, Trockman & Kolter 2023: give products of attention weights a useful
 * structure at initialisation). Measured here: a 1 × 32 decoder trained 564 steps to repeat 4
 * query tokens reaches 0.04 nats per token on new queries with it and 2.7 without; on the `mini`
 * collection a t2 generator after 637 steps gives the positives' query words 6.8 nats (8.1
 * without; unigram 8.7) while random passages' content words get no cheaper.
 *
 * Accounting, in the style of model/tiers.ts (tiers: {@link GEN_TIERS} and the reranker tiers):
 *   N (non-embedding) = L·(12d² + 13d) + 2d         (no head: the output layer is tied)
 *   E (embedding)     = (V + T)·d
 *   forward FLOPs of a row of T tokens with logits at P positions
 *                     = 2·N·T + 4·L·T²·d + 2·V·d·P
 *   training FLOPs    = 3 × forward
 *   inference FLOPs of a query under beam search with a key/value cache
 *                     = 2N·Lq + 4L·Lq²·d  (the query, once)
 *                       + Σ_t k_t · (2N + 4L·(Lq + 1 + t)·d + 2Vd)  (k_t hypotheses scored at step t)
 * (the encoder–decoder's counts, encdec.ts, are in genParamCounts, genPrefillFlops and genTokenFlops).
 * The 2·V·d·P term is the output projection (tied weights are still a matmul); it dominates for
 * the smallest tiers and is reported separately so N stays Kaplan's non-embedding count.
 * Attention is counted over the full T×T score matrix, as computed (the causal mask zeroes half).
 */
import { tf } from "../backend/tf";
import { createRng } from "../util/rng";
import { TIERS, type Tier } from "../model/tiers";
import {
  countSpecWeights,
  initialWeightValues,
  layerNorm,
  preLnBlockSpecs,
  preLnBlocks,
  type WeightSpec,
} from "../model/blocks";
import { AdamW } from "../train/optimizer";
import { learningRate, type ScheduleConfig } from "../train/schedule";
import { SPECIAL_IDS } from "../data/tokenizer";
import { hasHostKernel, registerHostKernel, runHostKernel } from "../backend/kernels";
import type { GenPair } from "./pairs";
import type { NextTokenScorer } from "./beam";

/** Padding id of the generator's rows: the word tokenizer's [PAD] (data/tokenizer.ts), 0. */
export const PAD_ID: number = SPECIAL_IDS.pad;
/** Separator between query and target: the word tokenizer's [SEP], 3. */
export const SEP_ID: number = SPECIAL_IDS.sep;

/** Shape of one generator. */
export interface GenConfig {
  layers: number;
  dModel: number;
  heads: number;
  /** Vocabulary size V (words and docid codes). */
  vocabSize: number;
  /** Query tokens Lq (longer queries keep their last Lq tokens). */
  queryLen: number;
  /** Target tokens S. */
  targetLen: number;
  /**
   * Copy initialisation α (see the module comment): W_V·W_O = α·I in every layer at
   * initialisation; 0 or absent = the standard N(0, 0.02²) init. {@link genTierConfig} sets 1.
   */
  copyInit?: number;
  /**
   * Architecture ["decoder"]: decoder-only (this file), or "encoder-decoder" (encdec.ts: a
   * bidirectional encoder over the query, a causal decoder over the target with cross-attention
   * to the encoded query; `layers` decoder layers and `encoderLayers` encoder layers).
   */
  arch?: GenArch;
  /** Encoder layers of an encoder–decoder [= layers]. */
  encoderLayers?: number;
}

/** Generator architecture: decoder-only (LLaMA/GPT style) or encoder–decoder (T5 style). */
export type GenArch = "decoder" | "encoder-decoder";

/** A generator tier: a {@link Tier} shape and its architecture. */
export type GenTier = Tier & { arch?: GenArch };

/** Positions T = Lq + 1 + S of a full row. */
export function genMaxLen(c: GenConfig): number {
  return c.queryLen + 1 + c.targetLen;
}

/**
 * Generator tiers of the CPU size sweep: one layer, width 16 → 128 (3.3 k → 200 k non-embedding
 * parameters; g0–g3 have the shapes of the reranker tiers t3–t6). One layer because, at the `mini`
 * data scale (10 k query → span pairs, 3 epochs, from scratch), depth cost more in optimisation
 * than it gave in capacity: measured with 100 CGL queries, the two-layer 2 × 48 and 2 × 64 (the
 * reranker tiers t2 and t3 of the time) ended with higher training loss and CGL (0.003341,
 * 0.003249) than the one-layer 1 × 32 (0.003101), while one-layer models kept improving with width
 * (1 × 64: 0.003056; 1 × 128: 0.002890). The reranker tiers t0…t10 (model/tiers.ts) remain valid
 * names (the `paper` profile uses them).
 */
export const GEN_TIERS: readonly Tier[] = [
  { name: "g0", layers: 1, dModel: 16, heads: 2 },
  { name: "g1", layers: 1, dModel: 32, heads: 2 },
  { name: "g2", layers: 1, dModel: 64, heads: 4 },
  { name: "g3", layers: 1, dModel: 128, heads: 8 },
];

/**
 * Encoder–decoder tiers e0–e3 (T5 style, encdec.ts): one encoder and one decoder layer each, widths
 * 10, 21, 42 and 84 chosen so that the non-embedding count N = 28d² + 36d (see the module comment)
 * comes within 5 % of the decoder-only g0–g3 (3,160 / 13,104 / 50,904 / 200,592 against 3,312 /
 * 12,768 / 50,112 / 198,528): the two architectures are compared at matched N, as the paper
 * compares T5 and LLaMA by non-embedding parameters (arXiv 2503.18941). Head widths 5–14.
 */
export const ENCDEC_TIERS: readonly GenTier[] = [
  { name: "e0", layers: 1, dModel: 10, heads: 2, arch: "encoder-decoder" },
  { name: "e1", layers: 1, dModel: 21, heads: 3, arch: "encoder-decoder" },
  { name: "e2", layers: 1, dModel: 42, heads: 3, arch: "encoder-decoder" },
  { name: "e3", layers: 1, dModel: 84, heads: 6, arch: "encoder-decoder" },
];

/**
 * A generator tier by name: {@link GEN_TIERS}, {@link ENCDEC_TIERS}, then the reranker tiers
 * (model/tiers.ts, decoder-only); an unknown name throws with the names of the tables.
 */
export function getGenTier(name: string): GenTier {
  const g =
    GEN_TIERS.find((t) => t.name === name) ??
    ENCDEC_TIERS.find((t) => t.name === name) ??
    TIERS.find((t) => t.name === name);
  if (!g)
    throw new Error(
      `unknown tier "${name}" (generator tiers: ${GEN_TIERS.map((t) => t.name).join(", ")}; encoder–decoder tiers: ${ENCDEC_TIERS.map((t) => t.name).join(", ")}; reranker tiers: ${TIERS.map((t) => t.name).join(", ")})`,
    );
  return g;
}

/** Generator config of a tier ({@link getGenTier}), with copy initialisation α = 1. */
export function genTierConfig(
  tier: GenTier | string,
  vocabSize: number,
  queryLen: number,
  targetLen: number,
): GenConfig {
  const t = typeof tier === "string" ? getGenTier(tier) : tier;
  const c: GenConfig = {
    layers: t.layers,
    dModel: t.dModel,
    heads: t.heads,
    vocabSize,
    queryLen,
    targetLen,
    copyInit: 1,
  };
  if (t.arch === "encoder-decoder") {
    c.arch = "encoder-decoder";
    c.encoderLayers = t.layers;
  }
  return c;
}

/** True for an encoder–decoder config. */
export function isEncoderDecoder(c: GenConfig): boolean {
  return c.arch === "encoder-decoder";
}

/** Non-embedding parameters of an encoder (Le(12d² + 13d) + 2d) and a decoder with cross-attention (Ld(16d² + 19d) + 2d). */
function encDecParts(c: GenConfig): { encoder: number; decoder: number; crossKv: number } {
  const d = c.dModel,
    le = c.encoderLayers ?? c.layers;
  return {
    encoder: le * (12 * d * d + 13 * d) + 2 * d,
    decoder: c.layers * (16 * d * d + 19 * d) + 2 * d,
    // The cross-attention key/value projections (2d² + 2d per layer) act on the encoded query, not on generated tokens.
    crossKv: c.layers * (2 * d * d + 2 * d),
  };
}

/**
 * Parameter counts (see the module comment). Decoder-only: N = L(12d² + 13d) + 2d, E = (V + T)d.
 * Encoder–decoder (encdec.ts): N = Le(12d² + 13d) + 2d + Ld(16d² + 19d) + 2d (a decoder layer adds
 * cross-attention, 4d² + 4d, and its LayerNorm, 2d), E = (V + Lq + S)d (one tied token table, a
 * position table for each side).
 */
export function genParamCounts(c: GenConfig): { nonEmbedding: number; embedding: number; total: number } {
  const d = c.dModel;
  if (isEncoderDecoder(c)) {
    const p = encDecParts(c);
    const nonEmbedding = p.encoder + p.decoder;
    const embedding = (c.vocabSize + c.queryLen + c.targetLen) * d;
    return { nonEmbedding, embedding, total: nonEmbedding + embedding };
  }
  const nonEmbedding = c.layers * (12 * d * d + 13 * d) + 2 * d;
  const embedding = (c.vocabSize + genMaxLen(c)) * d;
  return { nonEmbedding, embedding, total: nonEmbedding + embedding };
}

/**
 * FLOPs of the query, once per query before generation (the "prefill"). Decoder-only: the Lq query
 * positions through every layer, 2N·Lq + 4L·Lq²·d. Encoder–decoder: the encoder over the query,
 * 2N_enc·Lq + 4Le·Lq²·d, and every decoder layer's cross-attention keys and values of it,
 * 2·Ld(2d² + 2d)·Lq.
 */
export function genPrefillFlops(c: GenConfig): number {
  const d = c.dModel,
    Lq = c.queryLen;
  if (isEncoderDecoder(c)) {
    const p = encDecParts(c),
      le = c.encoderLayers ?? c.layers;
    return 2 * p.encoder * Lq + 4 * le * Lq * Lq * d + 2 * p.crossKv * Lq;
  }
  return 2 * genParamCounts(c).nonEmbedding * Lq + 4 * c.layers * Lq * Lq * d;
}

/**
 * FLOPs of one generated token of one hypothesis with a key/value cache, at step t (t tokens
 * generated before it; the token processed is SEP at t = 0, else the hypothesis's last token),
 * logits over the vocabulary included. Decoder-only: 2N + 4L·(Lq + 1 + t)·d + 2Vd (every weight once,
 * QKᵀ and A·V over the Lq + 1 + t cached positions, the tied output layer). Encoder–decoder:
 * 2(N_dec − Ld(2d² + 2d)) + 4Ld·(t + 1)·d + 4Ld·Lq·d + 2Vd (the decoder's weights but the cross
 * keys/values, self-attention over t + 1 positions, cross-attention over the Lq encoded ones).
 * Kaplan et al. 2020 (§2.1) count 2N + 2·n_layer·n_ctx·d per token; we count QKᵀ and A·V both.
 */
export function genTokenFlops(c: GenConfig, t: number): number {
  const d = c.dModel,
    out = 2 * c.vocabSize * d;
  if (isEncoderDecoder(c)) {
    const p = encDecParts(c);
    return 2 * (p.decoder - p.crossKv) + 4 * c.layers * (t + 1) * d + 4 * c.layers * c.queryLen * d + out;
  }
  return 2 * genParamCounts(c).nonEmbedding + 4 * c.layers * (c.queryLen + 1 + t) * d + out;
}

/**
 * Inference FLOPs of one query under beam search with a key/value cache (the measure of the
 * inference-scaling law): the prefill once, then at every step t each of the `prefixesPerStep[t]`
 * scored hypotheses costs one generated token, C = prefill + Σ_t k_t · token(t) ({@link
 * genPrefillFlops}, {@link genTokenFlops}). With beam B and S steps, C ≈ prefill + B·S·(2N + 2Vd):
 * linear in the beam. The beam search of this library re-runs every prefix instead (no cache:
 * simpler, and the same log-probabilities); the cached count is what a deployed generator spends.
 */
export function genInferenceFlops(c: GenConfig, prefixesPerStep: readonly number[]): number {
  let f = genPrefillFlops(c);
  prefixesPerStep.forEach((k, t) => {
    f += k * genTokenFlops(c, t);
  });
  return f;
}

/** Forward FLOPs of one row of `seqLen` tokens with logits at `logitPositions`: 2NT + 4LT²d + 2VdP. */
export function genForwardFlops(c: GenConfig, seqLen: number, logitPositions: number): number {
  const n = genParamCounts(c).nonEmbedding;
  return (
    2 * n * seqLen + 4 * c.layers * seqLen * seqLen * c.dModel + 2 * c.vocabSize * c.dModel * logitPositions
  );
}

/**
 * Training FLOPs of one (query → target) row: 3 × forward with logits at the S target positions.
 * Decoder-only: forward(Lq + S, S). Encoder–decoder: the prefill ({@link genPrefillFlops}) and the
 * S decoder positions, 2(N_dec − Ld(2d² + 2d))·S + 4Ld·S²·d + 4Ld·S·Lq·d + 2VdS (full score matrices,
 * as computed).
 */
export function genTrainFlopsPerPair(c: GenConfig): number {
  if (!isEncoderDecoder(c)) return 3 * genForwardFlops(c, genMaxLen(c) - 1, c.targetLen);
  const S = c.targetLen,
    d = c.dModel,
    p = encDecParts(c);
  const dec =
    2 * (p.decoder - p.crossKv) * S +
    4 * c.layers * S * S * d +
    4 * c.layers * S * c.queryLen * d +
    2 * c.vocabSize * d * S;
  return 3 * (genPrefillFlops(c) + dec);
}

function genWeightSpecs(c: GenConfig): WeightSpec[] {
  const d = c.dModel;
  const s: WeightSpec[] = [
    { name: "tok_emb", shape: [c.vocabSize, d], decay: true, init: "normal" },
    { name: "pos_emb", shape: [genMaxLen(c), d], decay: true, init: "normal" },
  ];
  for (let l = 0; l < c.layers; l++) s.push(...preLnBlockSpecs(l, d));
  s.push(
    { name: "lnf_g", shape: [d], decay: false, init: "ones" },
    { name: "lnf_b", shape: [d], decay: false, init: "zeros" },
  );
  return s;
}

/** A generator instance. */
export interface GenDecoder {
  config: GenConfig;
  /** Variables in a fixed order with their weight-decay flags. */
  variables: tf.Variable[];
  decay: boolean[];
  /** Logits [B, P, V] at positions `from … from+P−1` for ids [B, T'] (T' ≤ maxLen). Call in tf.tidy. */
  logits(ids: tf.Tensor2D, from: number, count: number): tf.Tensor3D;
  /** Number of weights: total and without the two embedding tables. */
  countWeights(): { total: number; nonEmbedding: number };
  dispose(): void;
}

let varCounter = 0;

/**
 * A random d × d orthogonal matrix (rows): Gram–Schmidt on rows of N(0, 1) draws from `rng`
 * (the rows of a Gaussian matrix are independent almost surely). Q·Qᵀ = I to float precision.
 */
export function randomOrthogonal(d: number, rng: ReturnType<typeof createRng>): Float32Array[] {
  const rows: Float64Array[] = [];
  for (let i = 0; i < d; i++) {
    const r = Float64Array.from({ length: d }, () => rng.normal());
    // Twice (re-orthogonalisation) for accuracy.
    for (let pass = 0; pass < 2; pass++) {
      for (const u of rows) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += r[j] * u[j];
        for (let j = 0; j < d; j++) r[j] -= dot * u[j];
      }
    }
    let nn = 0;
    for (const x of r) nn += x * x;
    nn = Math.sqrt(nn);
    for (let j = 0; j < d; j++) r[j] /= nn;
    rows.push(r);
  }
  return rows.map((r) => Float32Array.from(r));
}

/** Build a generator with seeded weights (see the module comment). */
export function createGenDecoder(config: GenConfig, seed: number): GenDecoder {
  if (config.dModel % config.heads !== 0)
    throw new Error(`dModel ${config.dModel} is not divisible by heads ${config.heads}`);
  const specs = genWeightSpecs(config);
  const rng = createRng(seed);
  const W = new Map<string, tf.Variable>();
  const d0 = config.dModel;
  const alpha = config.copyInit ?? 0;
  if (!(alpha >= 0)) throw new RangeError(`copyInit must be >= 0, got ${alpha}`);
  let q: Float32Array[] = [];
  for (const s of specs) {
    const v = initialWeightValues(s, rng, config.layers);
    if (alpha > 0 && s.name.endsWith("w_qkv")) {
      // Copy initialisation (module comment): W_V = √α·Q (columns 2d…3d of the fused QKV), then
      // W_O = √α·Qᵀ below, for one random orthogonal Q per layer.
      q = randomOrthogonal(d0, rng);
      const ra = Math.sqrt(alpha);
      for (let a = 0; a < d0; a++) for (let b = 0; b < d0; b++) v[a * 3 * d0 + 2 * d0 + b] = q[a][b] * ra;
    }
    if (alpha > 0 && s.name.endsWith("w_o")) {
      const ra = Math.sqrt(alpha);
      for (let a = 0; a < d0; a++) for (let b = 0; b < d0; b++) v[a * d0 + b] = q[b][a] * ra;
    }
    W.set(
      s.name,
      tf.tidy(() => tf.variable(tf.tensor(v, s.shape, "float32"), true, `gen_${s.name}_${varCounter++}`)),
    );
  }
  const w = (name: string) => W.get(name)!;
  const d = config.dModel,
    H = config.heads,
    maxLen = genMaxLen(config);
  const logits = (ids: tf.Tensor2D, from: number, count: number): tf.Tensor3D => {
    const [B, T] = ids.shape;
    if (T > maxLen) throw new Error(`sequence length ${T} exceeds ${maxLen}`);
    if (from < 0 || from + count > T)
      throw new Error(`logit positions ${from}..${from + count - 1} outside 0..${T - 1}`);
    const tok = tf.gather(w("tok_emb"), tf.reshape(ids, [B * T]));
    const pos = tf.slice(w("pos_emb"), [0, 0], [T, d]);
    let x = tf.reshape(tf.add(tf.reshape(tok, [B, T, d]), pos), [B * T, d]);
    // Mask [B, 1, T, T]: −1e9 for padded keys, −1e10 for keys after the query position (larger,
    // so that a padding position, whose past keys are all padding, still never sees the future).
    const causal = tf.tensor2d(
      Float32Array.from({ length: T * T }, (_, k) => (k % T > Math.floor(k / T) ? -1e10 : 0)),
      [T, T],
    );
    const padBias = tf.reshape(tf.mul(tf.cast(tf.equal(ids, PAD_ID), "float32"), -1e9), [B, 1, 1, T]);
    const mask = tf.add(padBias, tf.reshape(causal, [1, 1, T, T]));
    x = preLnBlocks(x, w, { layers: config.layers, B, T, heads: H, bias: mask });
    const sel = tf.reshape(tf.slice(tf.reshape(x, [B, T, d]), [0, from, 0], [B, count, d]), [B * count, d]);
    const hf = layerNorm(sel, w("lnf_g"), w("lnf_b"));
    return tf.reshape(tf.matMul(hf, w("tok_emb"), false, true), [B, count, config.vocabSize]) as tf.Tensor3D;
  };
  const variables = specs.map((s) => W.get(s.name)!);
  return {
    config,
    variables,
    decay: specs.map((s) => s.decay),
    logits,
    countWeights: () => countSpecWeights(specs, new Set(["tok_emb", "pos_emb"])),
    dispose: () => W.forEach((v) => v.dispose()),
  };
}

/** Rows of (query → target) pairs: ids [n, Lq + S] (the last target token is never an input). */
export interface GenBatch {
  /** Inputs [n, Lq + S]: left-padded query, SEP, target without its last token. */
  inputs: Int32Array;
  /** Targets [n, S] (PAD beyond the target's length). */
  targets: Int32Array;
  /** 1 where a target token is real, 0 for padding, [n, S]. */
  mask: Float32Array;
  n: number;
}

/**
 * Encode pairs as rows (see the module comment). Queries longer than Lq keep their last Lq
 * tokens; targets longer than S are cut to S.
 */
export function encodePairs(c: GenConfig, pairs: ReadonlyArray<Pick<GenPair, "query" | "target">>): GenBatch {
  const Lq = c.queryLen,
    S = c.targetLen,
    T = Lq + S;
  const n = pairs.length;
  const inputs = new Int32Array(n * T).fill(PAD_ID);
  const targets = new Int32Array(n * S).fill(PAD_ID);
  const mask = new Float32Array(n * S);
  pairs.forEach((p, r) => {
    const q = p.query.length > Lq ? p.query.subarray(p.query.length - Lq) : p.query;
    inputs.set(q, r * T + (Lq - q.length));
    inputs[r * T + Lq] = SEP_ID;
    const t = p.target.length > S ? p.target.subarray(0, S) : p.target;
    if (t.length === 0) throw new RangeError(`pair ${r}: empty target`);
    inputs.set(t.subarray(0, Math.min(t.length, S - 1)), r * T + Lq + 1);
    targets.set(t, r * S);
    mask.fill(1, r * S, r * S + t.length);
  });
  return { inputs, targets, mask, n };
}

const XENT_KERNEL = "ScalerankSoftmaxXent";
/**
 * Fused softmax cross-entropy host kernel: inputs `logits` [R, V] (float32) and `targets` [R]
 * (int32); outputs `nll` [R] = logsumexp(z_r) − z_r[y_r] and, with attribute `withGrad` = 1, also
 * `grad` [R, V] = softmax(z_r) − onehot(y_r), the gradient of nll_r with respect to z_r. One pass
 * over the logits for the loss and one for the gradient, where the op-by-op path
 * ({@link softmaxXentReference}: log-softmax, gather and their gradients) makes about ten over an
 * R × V matrix that dominates the step time of the small tiers (V ≈ 8k words).
 */
registerHostKernel({
  kernelName: XENT_KERNEL,
  outputs: (inputs, attrs) => {
    const [R, V] = inputs.logits.shape;
    const out: Array<{ shape: number[]; dtype: "float32" }> = [{ shape: [R], dtype: "float32" }];
    if (attrs.withGrad) out.push({ shape: [R, V], dtype: "float32" });
    return out;
  },
  run: ({ logits, targets }, out, attrs) => {
    const V = attrs.V as number,
      R = targets.length;
    const nll = out[0] as Float32Array,
      grad = out[1] as Float32Array | undefined;
    for (let r = 0; r < R; r++) {
      const o = r * V,
        y = targets[r];
      if (!(y >= 0 && y < V)) throw new RangeError(`softmax cross-entropy: target ${y} outside 0..${V - 1}`);
      let mx = -Infinity;
      for (let j = 0; j < V; j++) if (logits[o + j] > mx) mx = logits[o + j];
      let sum = 0;
      if (grad) {
        for (let j = 0; j < V; j++) sum += grad[o + j] = Math.exp(logits[o + j] - mx);
        const inv = 1 / sum;
        for (let j = 0; j < V; j++) grad[o + j] *= inv;
        grad[o + y] -= 1;
      } else {
        for (let j = 0; j < V; j++) sum += Math.exp(logits[o + j] - mx);
      }
      nll[r] = Math.log(sum) + mx - logits[o + y];
    }
  },
});

const SCALE_ROWS_KERNEL = "ScalerankScaleRows";
/** Host kernel: out[r, j] = x[r, j] · s[r] for x [R, V] and s [R] (the cross-entropy gradient times dy). */
registerHostKernel({
  kernelName: SCALE_ROWS_KERNEL,
  outputs: (inputs) => [{ shape: [...inputs.x.shape], dtype: "float32" }],
  run: ({ x, s }, [out]) => {
    const R = s.length,
      V = x.length / R;
    for (let r = 0; r < R; r++) {
      const o = r * V,
        f = s[r];
      for (let j = 0; j < V; j++) out[o + j] = x[o + j] * f;
    }
  },
});

/**
 * Op-by-op softmax cross-entropy: −log softmax(z_r)[y_r] for logits [R, V] and int32 targets [R],
 * gathered from the flat log-softmax at r·V + y_r (no one-hot matrix). The reference that the
 * fused host kernel must match; used on backends without host kernels.
 */
export function softmaxXentReference(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [R, V] = logits.shape;
  const logp = tf.logSoftmax(logits);
  const flatIdx = tf.add(
    tf.mul(tf.range(0, R, 1, "int32"), tf.scalar(V, "int32")),
    tf.cast(targets, "int32"),
  );
  return tf.neg(tf.gather(tf.reshape(logp, [R * V]), flatIdx)) as tf.Tensor1D;
}

/**
 * Softmax cross-entropy per row, −log softmax(z_r)[y_r], differentiable with respect to the logits:
 * the fused host kernel where the backend has it (its gradient softmax − onehot saved in the
 * forward pass; `withGrad` false skips it when no gradient is wanted), else
 * {@link softmaxXentReference}. Call inside tf.tidy.
 */
export function softmaxXent(logits: tf.Tensor2D, targets: tf.Tensor1D, withGrad = true): tf.Tensor1D {
  if (!hasHostKernel(XENT_KERNEL)) return softmaxXentReference(logits, targets);
  const V = logits.shape[1];
  const y = tf.cast(targets, "int32");
  if (!withGrad)
    return runHostKernel(XENT_KERNEL, { logits, targets: y }, { V, withGrad: 0 })[0] as tf.Tensor1D;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const z = args[0] as tf.Tensor,
      save = args[1] as tf.GradSaveFunc;
    const [nll, grad] = runHostKernel(XENT_KERNEL, { logits: z, targets: y }, { V, withGrad: 1 });
    save([grad]);
    return {
      value: nll,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        hasHostKernel(SCALE_ROWS_KERNEL)
          ? runHostKernel(SCALE_ROWS_KERNEL, { x: saved[0], s: dy })[0]
          : tf.mul(saved[0], tf.reshape(dy, [-1, 1])),
    };
  });
  return f(logits) as tf.Tensor1D;
}

/**
 * Teacher-forced negative log-likelihood per row: sum over real target tokens of −log p(token)
 * and the number of those tokens, tensors [n]. `withGrad` false when no gradient will be taken
 * (evaluation). Call inside tf.tidy.
 */
export function rowNll(
  model: GenDecoder,
  inputs: tf.Tensor2D,
  targets: tf.Tensor2D,
  mask: tf.Tensor2D,
  withGrad = true,
): { sum: tf.Tensor1D; tokens: tf.Tensor1D } {
  const { queryLen: Lq, targetLen: S, vocabSize: V } = model.config;
  const n = inputs.shape[0];
  const z = tf.reshape(model.logits(inputs, Lq, S), [n * S, V]) as tf.Tensor2D;
  const nll = tf.reshape(softmaxXent(z, tf.reshape(targets, [n * S]) as tf.Tensor1D, withGrad), [n, S]);
  return { sum: tf.sum(tf.mul(nll, mask), 1) as tf.Tensor1D, tokens: tf.sum(mask, 1) as tf.Tensor1D };
}

/** Training settings of the generator (defaults in brackets). */
export interface GenTrainConfig {
  /** Pairs per step [32]. */
  batchSize: number;
  /** Passes over the pairs [1, as the paper]. */
  epochs: number;
  /** Learning-rate schedule [inverse-sqrt, peak 1e-3, 50 warmup steps]. */
  schedule: ScheduleConfig;
  /** Seed of the shuffling. */
  seed: number;
  /** Called after every step with the step number and the batch's token-averaged loss. */
  onStep?: (step: number, loss: number) => void;
}

/** Default generator training settings. */
export const DEFAULT_GEN_TRAIN: GenTrainConfig = {
  batchSize: 32,
  epochs: 1,
  schedule: { kind: "inverse-sqrt", peakLr: 1e-3, warmupSteps: 50, totalSteps: 0 },
  seed: 1,
};

/**
 * Train the generator on (query → target) pairs with teacher forcing: the loss of a batch is the
 * token-averaged NLL Σ(−log p)/Σ(real target tokens), minimised with AdamW (train/optimizer.ts)
 * under the schedule. Returns the per-step losses and the training FLOPs spent.
 */
export async function trainGenerator(
  model: GenDecoder,
  pairs: readonly GenPair[],
  config: GenTrainConfig = DEFAULT_GEN_TRAIN,
): Promise<{ losses: number[]; steps: number; flops: number }> {
  if (pairs.length === 0) throw new RangeError("trainGenerator: no pairs");
  const opt = new AdamW(model.variables, model.decay);
  const rng = createRng(config.seed);
  const losses: number[] = [];
  const { queryLen: Lq, targetLen: S } = model.config;
  let step = 0;
  try {
    for (let ep = 0; ep < config.epochs; ep++) {
      const order = rng.shuffle(pairs.map((_, i) => i));
      for (let s = 0; s < order.length; s += config.batchSize) {
        const b = encodePairs(
          model.config,
          order.slice(s, s + config.batchSize).map((i) => pairs[i]),
        );
        const { value, grads } = tf.tidy(() => {
          const inp = tf.tensor2d(b.inputs, [b.n, Lq + S], "int32");
          const tgt = tf.tensor2d(b.targets, [b.n, S], "int32");
          const msk = tf.tensor2d(b.mask, [b.n, S], "float32");
          return tf.variableGrads(() => {
            const r = rowNll(model, inp, tgt, msk);
            return tf.div(tf.sum(r.sum), tf.sum(r.tokens)) as tf.Scalar;
          }, model.variables);
        });
        step++;
        const norm = opt.apply(
          model.variables.map((v) => grads[v.name]),
          learningRate(config.schedule, step),
        );
        const loss = (await value.data())[0];
        value.dispose();
        norm.dispose();
        for (const k of Object.keys(grads)) grads[k].dispose();
        losses.push(loss);
        await new Promise((resolve) => setImmediate(resolve)); // a worker sees its parent go away between steps
        config.onStep?.(step, loss);
      }
    }
  } finally {
    opt.dispose();
  }
  return { losses, steps: step, flops: genTrainFlopsPerPair(model.config) * pairs.length * config.epochs };
}

/**
 * Teacher-forced NLL of many (query → target) rows without gradients: per row the summed NLL of
 * its real target tokens and their number, in chunks of `batchSize`.
 */
export async function pairNll(
  model: GenDecoder,
  pairs: ReadonlyArray<Pick<GenPair, "query" | "target">>,
  batchSize = 256,
): Promise<{ sum: Float64Array; tokens: Float64Array }> {
  const sum = new Float64Array(pairs.length),
    tokens = new Float64Array(pairs.length);
  const { queryLen: Lq, targetLen: S } = model.config;
  for (let s = 0; s < pairs.length; s += batchSize) {
    const b = encodePairs(model.config, pairs.slice(s, s + batchSize));
    const r = tf.tidy(() => {
      const o = rowNll(
        model,
        tf.tensor2d(b.inputs, [b.n, Lq + S], "int32"),
        tf.tensor2d(b.targets, [b.n, S], "int32"),
        tf.tensor2d(b.mask, [b.n, S], "float32"),
        false,
      );
      return [o.sum, o.tokens];
    });
    sum.set(await r[0].data(), s);
    tokens.set(await r[1].data(), s);
    r.forEach((t) => t.dispose());
  }
  return { sum, tokens };
}

/** What the scorers of {@link modelScorer} and {@link batchedModelScorer} count. */
export interface ScorerStats {
  /** Hypotheses scored. */
  prefixes: number;
  /** Inference FLOPs with a key/value cache ({@link genInferenceFlops}): a prefill per query, a token per hypothesis. */
  flops: number;
  /** Hypotheses scored at each step t (prefix length t), summed over queries. */
  perStep?: number[];
}

/** Rows [query, SEP, prefix] (query left-padded to Lq, its last Lq tokens) for one model call. */
function scorerRows(
  c: GenConfig,
  queries: readonly Int32Array[],
  prefixes: readonly Int32Array[],
): Int32Array {
  const Lq = c.queryLen,
    T = Lq + 1 + prefixes[0].length;
  const ids = new Int32Array(prefixes.length * T).fill(PAD_ID);
  prefixes.forEach((p, r) => {
    const q = queries[r].length > Lq ? queries[r].subarray(queries[r].length - Lq) : queries[r];
    ids.set(q, r * T + (Lq - q.length));
    ids[r * T + Lq] = SEP_ID;
    ids.set(p, r * T + Lq + 1);
  });
  return ids;
}

/** Next-token log-probabilities [B·V] after equal-length prefixes, one model call. */
async function nextTokenLogProbs(
  model: GenDecoder,
  queries: readonly Int32Array[],
  prefixes: readonly Int32Array[],
): Promise<Float32Array> {
  const len = prefixes[0].length;
  if (prefixes.some((p) => p.length !== len))
    throw new RangeError("modelScorer: prefixes of one step must have equal length");
  if (len > model.config.targetLen)
    throw new RangeError(`prefix of ${len} tokens exceeds targetLen ${model.config.targetLen}`);
  const B = prefixes.length,
    T = model.config.queryLen + 1 + len,
    V = model.config.vocabSize;
  const ids = scorerRows(model.config, queries, prefixes);
  const out = tf.tidy(() =>
    tf.logSoftmax(tf.reshape(model.logits(tf.tensor2d(ids, [B, T], "int32"), T - 1, 1), [B, V])),
  );
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

/**
 * Log-probabilities of each prefix's candidate tokens only: log softmax(z_r)[t] = z_r[t] −
 * logsumexp(z_r), gathered in the graph, so that a step reads back Σ candidates numbers instead of
 * B·V (the read-back and its garbage were most of a beam sweep's time).
 */
async function candidateLogProbs(
  model: GenDecoder,
  queries: readonly Int32Array[],
  prefixes: readonly Int32Array[],
  candidates: readonly Int32Array[],
): Promise<Float32Array[]> {
  const B = prefixes.length,
    T = model.config.queryLen + 1 + prefixes[0].length,
    V = model.config.vocabSize;
  const ids = scorerRows(model.config, queries, prefixes);
  const offsets = [0];
  for (const c of candidates) offsets.push(offsets[offsets.length - 1] + c.length);
  const flat = new Int32Array(offsets[B]),
    rows = new Int32Array(offsets[B]);
  candidates.forEach((c, r) => {
    for (let k = 0; k < c.length; k++) {
      if (!(c[k] >= 0 && c[k] < V)) throw new RangeError(`candidate token ${c[k]} outside 0..${V - 1}`);
      flat[offsets[r] + k] = r * V + c[k];
      rows[offsets[r] + k] = r;
    }
  });
  const out = tf.tidy(() => {
    const z = tf.reshape(model.logits(tf.tensor2d(ids, [B, T], "int32"), T - 1, 1), [B, V]);
    const lse = tf.logSumExp(z, 1);
    return tf.sub(
      tf.gather(tf.reshape(z, [B * V]), tf.tensor1d(flat, "int32")),
      tf.gather(lse, tf.tensor1d(rows, "int32")),
    );
  });
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return candidates.map((_, r) => data.subarray(offsets[r], offsets[r + 1]));
}

function countScored(
  c: GenConfig,
  stats: ScorerStats | undefined,
  t: number,
  k: number,
  first: boolean,
): void {
  if (!stats) return;
  stats.prefixes += k;
  stats.flops += (first ? genPrefillFlops(c) : 0) + k * genTokenFlops(c, t);
  if (stats.perStep) stats.perStep[t] = (stats.perStep[t] ?? 0) + k;
}

/**
 * A {@link NextTokenScorer} for beam search: log-probabilities of the next token after
 * [query, SEP, prefix] for each prefix (prefixes of up to S tokens, all of one call of equal
 * length, as in a beam step). Counts the hypotheses and the inference FLOPs in `stats`.
 */
export function modelScorer(
  model: GenDecoder,
  query: ArrayLike<number>,
  stats?: ScorerStats,
): (prefixes: readonly Int32Array[]) => Promise<Float32Array[]> {
  const V = model.config.vocabSize;
  const q = Int32Array.from(query as ArrayLike<number>);
  let first = true;
  return async (prefixes) => {
    const data = await nextTokenLogProbs(
      model,
      prefixes.map(() => q),
      prefixes,
    );
    countScored(model.config, stats, prefixes[0]?.length ?? 0, prefixes.length, first);
    first = false;
    return prefixes.map((_, r) => data.slice(r * V, (r + 1) * V));
  };
}

/**
 * Scorers for many queries searched at once (beam.ts `generativeRetrievalRun` with `concurrency`):
 * the returned `scorerFor(query)` gives each query a {@link NextTokenScorer}; the requests of all
 * queries that arrive before the event loop turns are scored together, grouped by prefix length,
 * in model calls of at most `maxRows` rows, and only the candidates' log-probabilities are read
 * back (`scoresCandidates`). Each row is the row {@link modelScorer} builds, so the
 * log-probabilities are the same up to float rounding (z_t − logsumexp z against log-softmax).
 */
export function batchedModelScorer(
  model: GenDecoder,
  stats?: ScorerStats,
  maxRows = 1024,
): (query: ArrayLike<number>) => NextTokenScorer {
  type Request = {
    query: Int32Array;
    prefixes: readonly Int32Array[];
    candidates: readonly Int32Array[];
    resolve: (v: Float32Array[]) => void;
    reject: (e: unknown) => void;
  };
  let queue: Request[] = [];
  const flush = async () => {
    const batch = queue;
    queue = [];
    const byLen = new Map<number, Request[]>();
    for (const r of batch) {
      const len = r.prefixes[0]?.length ?? 0;
      byLen.set(len, [...(byLen.get(len) ?? []), r]);
    }
    for (const group of byLen.values()) {
      try {
        const rows = group.flatMap((r) => r.prefixes.map((p, j) => ({ q: r.query, p, c: r.candidates[j] })));
        const out: Float32Array[] = [];
        for (let s = 0; s < rows.length; s += maxRows) {
          const chunk = rows.slice(s, s + maxRows);
          const lps = await candidateLogProbs(
            model,
            chunk.map((x) => x.q),
            chunk.map((x) => x.p),
            chunk.map((x) => x.c),
          );
          out.push(...lps);
        }
        let o = 0;
        for (const r of group) {
          r.resolve(out.slice(o, o + r.prefixes.length));
          o += r.prefixes.length;
        }
      } catch (e) {
        for (const r of group) r.reject(e);
      }
    }
  };
  return (query) => {
    const q = Int32Array.from(query as ArrayLike<number>);
    let first = true;
    const scorer = (prefixes: readonly Int32Array[], candidates: readonly Int32Array[]) =>
      new Promise<Float32Array[]>((resolve, reject) => {
        if (prefixes.length === 0) return resolve([]);
        if (candidates.length !== prefixes.length)
          return reject(
            new RangeError(`${prefixes.length} prefixes but ${candidates.length} candidate lists`),
          );
        countScored(model.config, stats, prefixes[0].length, prefixes.length, first);
        first = false;
        if (queue.length === 0) setImmediate(() => void flush());
        queue.push({ query: q, prefixes, candidates, resolve, reject });
      });
    return Object.assign(scorer, { scoresCandidates: true as const });
  };
}
