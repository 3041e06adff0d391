/**
 * tfjs building blocks shared by the pretrained encoders (BERT, ModernBERT). Weight matrices keep
 * the Hugging Face (PyTorch `nn.Linear`) layout [out, in], so a checkpoint tensor becomes a
 * variable unchanged and y = x·Wᵀ + b is `matMul(x, W, false, true)`.
 */
import { tf } from "../backend/tf";
import { geluErf, type WeightSpec } from "../model/blocks";
import type { EncoderActivation } from "./config";

/** Large negative additive attention bias for keys that may not be attended to. */
export const ATTENTION_MASK_NEG = -1e9;

/** One weight of a pretrained encoder (a {@link WeightSpec} with its role and fresh-init rule). */
export interface EncoderWeightSpec extends WeightSpec {
  /** Embedding tables (excluded from the non-embedding count N), encoder body, or the scoring head. */
  role: "embedding" | "encoder" | "head";
  /** May be absent from a checkpoint (head weights): then initialised fresh. */
  optional: boolean;
  /** Standard deviation of a fresh "normal" init. */
  std: number;
  /** Fresh "normal" init is truncated at ±truncate·std (0: not truncated). */
  truncate: number;
}

/** Look up a weight by its (Hugging Face, prefix-free) name. */
export type WeightLookup = (name: string) => tf.Tensor;

/**
 * Activation by Hugging Face name: "gelu" x·Φ(x) = x/2·(1 + erf(x/√2)) (Hendrycks & Gimpel 2016);
 * "gelu_new"/"gelu_pytorch_tanh" x/2·(1 + tanh(√(2/π)(x + 0.044715x³))); "relu"; "silu"/"swish"
 * x·σ(x); "tanh".
 */
export function activate(name: EncoderActivation, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case "gelu":
      return geluErf(x);
    case "gelu_new":
    case "gelu_pytorch_tanh": {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    }
    case "relu":
      return tf.relu(x);
    case "silu":
    case "swish":
      return tf.mul(x, tf.sigmoid(x));
    case "tanh":
      return tf.tanh(x);
  }
}

/** y = x·Wᵀ + b for x [N, in], W [out, in] (PyTorch layout), b [out] or null. */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor | null): tf.Tensor2D {
  const y = tf.matMul(x, w as tf.Tensor2D, false, true);
  return (b ? tf.add(y, b) : y) as tf.Tensor2D;
}

/** [B·T, d] → [B, H, T, d/H]. */
export function splitHeads(x: tf.Tensor, B: number, T: number, H: number): tf.Tensor4D {
  const dh = x.shape[x.shape.length - 1]! / H;
  return tf.transpose(tf.reshape(x, [B, T, H, dh]), [0, 2, 1, 3]);
}

/** [B, H, T, dh] → [B·T, H·dh]. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor2D {
  const [B, H, T, dh] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B * T, H * dh]);
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017): softmax(q·kᵀ/√dh + bias)·v, with an
 * additive bias broadcast to [B, H, T, T] (0 where attending is allowed, {@link ATTENTION_MASK_NEG}
 * elsewhere).
 */
export function scaledDotAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  bias: tf.Tensor,
): tf.Tensor4D {
  const dh = q.shape[3];
  const s = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), bias);
  return tf.matMul(tf.softmax(s), v);
}

/**
 * Additive bias [B, 1, 1, T] from a 0/1 key mask [B, T]: (1 − mask)·NEG, as Hugging Face's
 * extended attention mask.
 */
export function keyMaskBias(mask: tf.Tensor2D): tf.Tensor4D {
  const [B, T] = mask.shape;
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, "float32")), ATTENTION_MASK_NEG), [B, 1, 1, T]);
}
