/**
 * ModernBERT (Warner et al. 2024, "Smarter, Better, Faster, Longer: A Modern Bidirectional
 * Encoder for Fast, Memory Efficient, and Long Context Finetuning and Inference", arXiv
 * 2412.13663), the architecture of the Ettin encoders (17M…1B) that the reranker scaling paper
 * fine-tunes (arXiv 2603.04816). tfjs, with Hugging Face `ModernBertModel` weight names:
 *
 *   x₀ = LN_emb(E_tok[ids])                                      (no position embedding)
 *   layer i (pre-norm; the first layer's attention norm is the identity, LN_emb precedes it):
 *     h = i = 0 ? x : LN_attn(x);  [q k v] = h·Wqkvᵀ;  q, k ← RoPE(q, k; θ_i)
 *     x = x + Wo·softmax(q·kᵀ/√dh + mask_i)·v
 *     [a g] = LN_mlp(x)·Wiᵀ (halves);  x = x + Wo·(act(a) ⊙ g)                   (GeGLU)
 *   hidden = LN_final(x)
 *   score = classifier(LN_head(act(W_dense·pool(hidden))))   (ModernBertForSequenceClassification)
 *
 * Layer i is global iff i mod global_attn_every_n_layers = 0, or as listed by `layer_types` in
 * newer configs (θ = global_rope_theta, all real keys); otherwise local (θ = local_rope_theta, keys with |i − j| ≤ ⌊local_attention/2⌋). RoPE
 * (Su et al. 2021) in the rotate-half form: x·cos + rotate_half(x)·sin with angle p·θ^(−2j/dh)
 * repeated over both halves. Biases and LayerNorm shifts exist only where the config switches them
 * on (default: none). Pooling is the [CLS] vector or the mean over real tokens.
 */
import { tf } from "../backend/tf";
import { layerNorm } from "../model/blocks";
import type { ModernBertConfig } from "./config";
import {
  ATTENTION_MASK_NEG,
  EncoderWeightSpec,
  WeightLookup,
  activate,
  linear,
  mergeHeads,
  scaledDotAttention,
} from "./layers";

/** Name of ModernBERT's one embedding table. */
export const MODERNBERT_EMBEDDING_NAMES = ["embeddings.tok_embeddings.weight"];

/** True if layer `i` uses global attention (layer_types[i] = "full_attention"). */
export function isGlobalLayer(c: ModernBertConfig, i: number): boolean {
  return c.layerTypes[i] === "full_attention";
}

/**
 * The weights of a ModernBERT cross-encoder in load order, Hugging Face names (no `model.`
 * prefix) and shapes. `head.dense`, `head.norm` and the 1-logit `classifier` are optional: a
 * masked-LM checkpoint (Ettin) carries `head.*` (its MLM head, which Hugging Face also loads into
 * the classification head) but no classifier. Fresh weights follow Hugging Face's
 * `ModernBertPreTrainedModel._init_weights`: truncated normal at ±cutoff·σ with σ = initializer_range
 * / √(2L) for head.dense and σ = hidden_size^−½ for the classifier, zero biases, unit norms.
 */
export function modernBertWeightSpecs(c: ModernBertConfig): EncoderWeightSpec[] {
  const d = c.hiddenSize,
    I = c.intermediateSize,
    cut = c.initializerCutoffFactor;
  const out: EncoderWeightSpec[] = [];
  const w = (
    name: string,
    shape: number[],
    role: EncoderWeightSpec["role"],
    optional = false,
    std = c.initializerRange,
  ) => out.push({ name, shape, decay: true, init: "normal", role, optional, std, truncate: cut });
  const b = (name: string, shape: number[], role: EncoderWeightSpec["role"], optional = false) =>
    out.push({ name, shape, decay: false, init: "zeros", role, optional, std: 0, truncate: 0 });
  const norm = (p: string, role: EncoderWeightSpec["role"] = "encoder", optional = false) => {
    out.push({
      name: p + ".weight",
      shape: [d],
      decay: false,
      init: "ones",
      role,
      optional,
      std: 0,
      truncate: 0,
    });
    if (c.normBias) b(p + ".bias", [d], role, optional);
  };
  w("embeddings.tok_embeddings.weight", [c.vocabSize, d], "embedding");
  norm("embeddings.norm");
  for (let l = 0; l < c.numLayers; l++) {
    const p = `layers.${l}.`;
    if (l !== 0) norm(p + "attn_norm");
    w(p + "attn.Wqkv.weight", [3 * d, d], "encoder");
    if (c.attentionBias) b(p + "attn.Wqkv.bias", [3 * d], "encoder");
    w(p + "attn.Wo.weight", [d, d], "encoder");
    if (c.attentionBias) b(p + "attn.Wo.bias", [d], "encoder");
    norm(p + "mlp_norm");
    w(p + "mlp.Wi.weight", [2 * I, d], "encoder");
    if (c.mlpBias) b(p + "mlp.Wi.bias", [2 * I], "encoder");
    w(p + "mlp.Wo.weight", [d, I], "encoder");
    if (c.mlpBias) b(p + "mlp.Wo.bias", [d], "encoder");
  }
  norm("final_norm");
  w("head.dense.weight", [d, d], "head", true, c.initializerRange / Math.sqrt(2 * c.numLayers));
  if (c.classifierBias) b("head.dense.bias", [d], "head", true);
  norm("head.norm", "head", true);
  w("classifier.weight", [1, d], "head", true, d ** -0.5);
  b("classifier.bias", [1], "head", true);
  return out;
}

const ropeCache = new Map<string, { cos: Float32Array; sin: Float32Array }>();

/**
 * Rotary tables [T, dh] for base θ: angle(p, j) = p · θ^(−2(j mod dh/2)/dh), computed with
 * float32 rounding of the inverse frequency and of the product (as the float32 reference does),
 * then cos and sin.
 */
export function rotaryTables(T: number, dh: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const key = `${T}/${dh}/${theta}`;
  const hit = ropeCache.get(key);
  if (hit) return hit;
  const half = dh / 2;
  const inv = new Float32Array(half);
  for (let j = 0; j < half; j++)
    inv[j] = Math.fround(1 / Math.fround(Math.pow(theta, Math.fround((2 * j) / dh))));
  const cos = new Float32Array(T * dh),
    sin = new Float32Array(T * dh);
  for (let p = 0; p < T; p++) {
    for (let j = 0; j < half; j++) {
      const a = Math.fround(p * inv[j]);
      cos[p * dh + j] = cos[p * dh + j + half] = Math.cos(a);
      sin[p * dh + j] = sin[p * dh + j + half] = Math.sin(a);
    }
  }
  const t = { cos, sin };
  if (ropeCache.size > 64) ropeCache.clear();
  ropeCache.set(key, t);
  return t;
}

/** x·cos + rotate_half(x)·sin for x [B, H, T, dh], rotate_half(x) = [−x₂, x₁] (halves of the last axis). */
export function applyRotary(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  const [x1, x2] = tf.split(x, 2, 3);
  const rot = tf.concat([tf.neg(x2), x1], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rot, sin)) as tf.Tensor4D;
}

/**
 * Additive attention bias [B, 1, T, T] for a local layer: 0 where the key is real and
 * |i − j| ≤ ⌊window/2⌋, −1e9 elsewhere (a row with no allowed key is uniformly masked, as in
 * Hugging Face's masked_fill).
 */
export function slidingWindowBias(mask: tf.Tensor2D, window: number): tf.Tensor4D {
  const [B, T] = mask.shape;
  const half = Math.floor(window / 2);
  const band = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) band[i * T + j] = Math.abs(i - j) <= half ? 1 : 0;
  const allowed = tf.mul(tf.reshape(tf.cast(mask, "float32"), [B, 1, 1, T]), tf.tensor4d(band, [1, 1, T, T]));
  return tf.mul(tf.sub(1, allowed), ATTENTION_MASK_NEG) as tf.Tensor4D;
}

/**
 * ModernBERT forward pass: last hidden state [B, T, d] (after the final norm) and the relevance
 * logit [B]. @param ids token ids [B, T] (int32); @param mask 1 for real tokens, 0 for padding.
 */
export function modernBertForward(
  c: ModernBertConfig,
  W: WeightLookup,
  has: (name: string) => boolean,
  ids: tf.Tensor2D,
  mask: tf.Tensor2D,
): { hidden: tf.Tensor3D; logits: tf.Tensor1D } {
  const [B, T] = ids.shape;
  const d = c.hiddenSize,
    H = c.numHeads,
    dh = d / H;
  const opt = (name: string) => (has(name) ? W(name) : null);
  const ln = (x: tf.Tensor, p: string) => layerNorm(x, W(p + ".weight"), opt(p + ".bias"), c.normEps);
  const dense = (x: tf.Tensor2D, p: string) => linear(x, W(p + ".weight"), opt(p + ".bias"));
  let x = ln(
    tf.gather(W("embeddings.tok_embeddings.weight"), tf.reshape(ids, [B * T])),
    "embeddings.norm",
  ) as tf.Tensor2D;
  const maskF = tf.cast(mask, "float32") as tf.Tensor2D;
  const globalBias = tf.reshape(tf.mul(tf.sub(1, maskF), ATTENTION_MASK_NEG), [B, 1, 1, T]);
  const localBias = c.numLayers > 1 ? slidingWindowBias(maskF, c.localAttention) : null;
  const rope = (theta: number) => {
    const t = rotaryTables(T, dh, theta);
    return { cos: tf.tensor2d(t.cos, [T, dh]), sin: tf.tensor2d(t.sin, [T, dh]) };
  };
  const ropeGlobal = rope(c.globalRopeTheta);
  const ropeLocal = c.localRopeTheta === c.globalRopeTheta ? ropeGlobal : rope(c.localRopeTheta);
  for (let l = 0; l < c.numLayers; l++) {
    const p = `layers.${l}.`;
    const global = isGlobalLayer(c, l);
    const r = global ? ropeGlobal : ropeLocal;
    const h = l === 0 ? x : (ln(x, p + "attn_norm") as tf.Tensor2D);
    const qkv = dense(h, p + "attn.Wqkv");
    const [q, k, v] = tf
      .split(qkv, 3, 1)
      .map((t) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D);
    const a = scaledDotAttention(
      applyRotary(q, r.cos, r.sin),
      applyRotary(k, r.cos, r.sin),
      v,
      global ? globalBias : localBias!,
    );
    x = tf.add(x, dense(mergeHeads(a), p + "attn.Wo"));
    const [inp, gate] = tf.split(dense(ln(x, p + "mlp_norm") as tf.Tensor2D, p + "mlp.Wi"), 2, 1);
    x = tf.add(x, dense(tf.mul(activate(c.hiddenActivation, inp), gate) as tf.Tensor2D, p + "mlp.Wo"));
  }
  const hidden = tf.reshape(ln(x, "final_norm"), [B, T, d]) as tf.Tensor3D;
  let pooled: tf.Tensor2D;
  if (c.classifierPooling === "cls") pooled = tf.reshape(tf.slice(hidden, [0, 0, 0], [B, 1, d]), [B, d]);
  else {
    const m = tf.reshape(maskF, [B, T, 1]);
    pooled = tf.div(tf.sum(tf.mul(hidden, m), 1), tf.sum(m, 1)) as tf.Tensor2D;
  }
  const head = ln(activate(c.classifierActivation, dense(pooled, "head.dense")), "head.norm") as tf.Tensor2D;
  const logits = tf.reshape(dense(head, "classifier"), [B]) as tf.Tensor1D;
  return { hidden, logits };
}
