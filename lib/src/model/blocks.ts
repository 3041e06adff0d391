/**
 * The building blocks shared by every transformer in the library: the from-scratch cross-encoder
 * (model/crossencoder), the generative-retrieval decoder (genret/decoder) and the pretrained
 * encoders (pretrained/). One implementation each, so the architectures cannot drift apart.
 *
 * Sources: LayerNorm (Ba et al. 2016); GELU with the exact erf (Hendrycks & Gimpel 2016);
 * pre-LN transformer blocks (Xiong et al. 2020, as in GPT-2 and nanoGPT); residual-scaled init
 * std 0.02/√(2L) (GPT-2).
 */
import { tf } from "../backend/tf";
import type { Rng } from "../util/rng";
import { fusedBiasGelu, fusedLayerNorm, fusedOpsActive, fusedSelfAttention } from "./fused";

/** One named weight: shape, whether weight decay applies (matrices yes; biases, gains, no), init. */
export interface WeightSpec {
  name: string;
  shape: number[];
  decay: boolean;
  init: "normal" | "normal-residual" | "zeros" | "ones";
}

/**
 * Weights of a spec list: the total number Σ ∏shape, and the non-embedding number (the total
 * without the weights named in `embedding`: Kaplan et al. 2020's N).
 */
export function countSpecWeights(
  specs: readonly WeightSpec[],
  embedding: ReadonlySet<string>,
): { total: number; nonEmbedding: number } {
  let total = 0,
    emb = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    total += n;
    if (embedding.has(s.name)) emb += n;
  }
  return { total, nonEmbedding: total - emb };
}

/** Standard deviation of "normal" initialisation. */
export const INIT_STD = 0.02;

/**
 * LayerNorm over the last axis: (x − mean) / √(var + eps) · g + b, with the biased variance as
 * PyTorch's `layer_norm`. `b` null = no shift (ModernBERT's norm_bias false).
 */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor | null, eps = 1e-5): tf.Tensor {
  if (b && fusedOpsActive()) return fusedLayerNorm(x, g, b, eps);
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  const y = tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g);
  return b ? tf.add(y, b) : y;
}

/** GELU with the exact erf: x·Φ(x) = x/2 · (1 + erf(x/√2)). */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/**
 * The 12 weights of pre-LN block `l` of width d (names prefixed `l<l>.`): ln1, fused QKV, output
 * projection, ln2, and the 4d GELU feed-forward.
 */
export function preLnBlockSpecs(l: number, d: number): WeightSpec[] {
  const p = `l${l}.`;
  return [
    { name: p + "ln1_g", shape: [d], decay: false, init: "ones" },
    { name: p + "ln1_b", shape: [d], decay: false, init: "zeros" },
    { name: p + "w_qkv", shape: [d, 3 * d], decay: true, init: "normal" },
    { name: p + "b_qkv", shape: [3 * d], decay: false, init: "zeros" },
    { name: p + "w_o", shape: [d, d], decay: true, init: "normal-residual" },
    { name: p + "b_o", shape: [d], decay: false, init: "zeros" },
    { name: p + "ln2_g", shape: [d], decay: false, init: "ones" },
    { name: p + "ln2_b", shape: [d], decay: false, init: "zeros" },
    { name: p + "w_1", shape: [d, 4 * d], decay: true, init: "normal" },
    { name: p + "b_1", shape: [4 * d], decay: false, init: "zeros" },
    { name: p + "w_2", shape: [4 * d, d], decay: true, init: "normal-residual" },
    { name: p + "b_2", shape: [d], decay: false, init: "zeros" },
  ];
}

/**
 * Seeded initial values of one weight: ones, zeros, N(0, 0.02²), or N(0, (0.02/√(2L))²) for
 * "normal-residual" (pass `layers` = L). Draws from `rng` only for the normal kinds, in order.
 */
export function initialWeightValues(s: WeightSpec, rng: Rng, layers: number): Float32Array {
  const n = s.shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  if (s.init === "ones") v.fill(1);
  else if (s.init !== "zeros") {
    const std = s.init === "normal" ? INIT_STD : INIT_STD / Math.sqrt(2 * layers);
    for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
  }
  return v;
}

/** Shapes and attention bias for {@link preLnBlocks}. */
export interface BlockShape {
  layers: number;
  /** Batch size and sequence length: `x` is [B·T, d]. */
  B: number;
  T: number;
  heads: number;
  /** Additive attention bias broadcastable to [B, heads, T, T] (padding and/or causal masks). */
  bias: tf.Tensor;
}

/** Shapes of {@link multiHeadAttention}: batch B, query positions Tq, key positions Tk, heads. */
export interface AttentionShape {
  B: number;
  Tq: number;
  Tk: number;
  heads: number;
  /** Additive bias broadcastable to [B, heads, Tq, Tk] (padding and/or causal masks). */
  bias: tf.Tensor;
}

/**
 * Scaled dot-product attention over `heads` heads (Vaswani et al. 2017): q [B·Tq, d], k and v
 * [B·Tk, d] → softmax(QKᵀ/√d_h + bias)·V per head, heads concatenated back to [B·Tq, d]. Self-
 * attention passes the same positions as q, k, v; cross-attention passes the encoder's as k, v.
 * Call inside tf.tidy.
 */
export function multiHeadAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, s: AttentionShape): tf.Tensor {
  const { B, Tq, Tk, heads: H } = s;
  const d = q.shape[1] as number,
    dh = d / H;
  const split = (t: tf.Tensor, T: number) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]);
  const att = tf.softmax(
    tf.add(tf.mul(tf.matMul(split(q, Tq), split(k, Tk), false, true), 1 / Math.sqrt(dh)), s.bias),
  );
  return tf.reshape(tf.transpose(tf.matMul(att, split(v, Tk)), [0, 2, 1, 3]), [B * Tq, d]);
}

/** The feed-forward half of a pre-LN block: x + W_2·GELU(W_1·LN2(x) + b_1) + b_2 (weights `<p>ln2_*`, `<p>w_1` …). */
export function preLnFeedForward(x: tf.Tensor, w: (name: string) => tf.Tensor, p: string): tf.Tensor {
  const h2 = layerNorm(x, w(p + "ln2_g"), w(p + "ln2_b"));
  const z = tf.matMul(h2, w(p + "w_1"));
  const f = fusedOpsActive() ? fusedBiasGelu(z, w(p + "b_1")) : geluErf(tf.add(z, w(p + "b_1")));
  return tf.add(x, tf.add(tf.matMul(f, w(p + "w_2")), w(p + "b_2")));
}

/** {@link multiHeadAttention} of the packed `[q | k | v]` rows (the composed ops). */
function splitAttention(qkv: tf.Tensor, s: AttentionShape): tf.Tensor {
  const [q, k, v] = tf.split(qkv, 3, 1);
  return multiHeadAttention(q, k, v, s);
}

/**
 * Run `layers` pre-LN transformer blocks over x [B·T, d]: for each layer,
 * x ← x + W_o·softmax(QKᵀ/√d_h + bias)·V (Q, K, V from LN1(x)), then x ← x + W_2·GELU(W_1·LN2(x)).
 * Weights are looked up by the names of {@link preLnBlockSpecs}. Call inside tf.tidy.
 */
export function preLnBlocks(x: tf.Tensor, w: (name: string) => tf.Tensor, s: BlockShape): tf.Tensor {
  const { B, T, heads } = s;
  for (let l = 0; l < s.layers; l++) {
    const p = `l${l}.`;
    const h = layerNorm(x, w(p + "ln1_g"), w(p + "ln1_b"));
    const qkv = tf.add(tf.matMul(h, w(p + "w_qkv")), w(p + "b_qkv"));
    const fused = fusedOpsActive() ? fusedSelfAttention(qkv, s.bias, B, T, heads) : null;
    const ctx = fused ?? splitAttention(qkv, { B, Tq: T, Tk: T, heads, bias: s.bias });
    x = tf.add(x, tf.add(tf.matMul(ctx, w(p + "w_o")), w(p + "b_o")));
    x = preLnFeedForward(x, w, p);
  }
  return x;
}
