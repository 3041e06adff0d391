/**
 * BERT (Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers for Language
 * Understanding") as a cross-encoder, in tfjs, with Hugging Face `BertModel` weight names so a
 * checkpoint loads without renaming:
 *
 *   x₀ = LN(E_word[ids] + E_pos[0..T) + E_type[type_ids])                      (absolute positions)
 *   per layer (post-LN): x = LN(x + Attn(x)),  x = LN(x + W₂·act(W₁·x + b₁) + b₂)
 *   Attn: multi-head softmax(q·kᵀ/√dh + mask)·v, separate query/key/value projections, output dense
 *   score = classifier(tanh(W_p·x_[CLS] + b_p))                 (BertForSequenceClassification)
 *
 * Padded keys get an additive −1e9 (Hugging Face uses the float32 minimum; both give exactly zero
 * weight). Dropout is not applied (evaluation and our fine-tuning use none).
 */
import { tf } from "../backend/tf";
import { layerNorm } from "../model/blocks";
import type { BertConfig } from "./config";
import {
  EncoderWeightSpec,
  WeightLookup,
  activate,
  keyMaskBias,
  linear,
  mergeHeads,
  scaledDotAttention,
  splitHeads,
} from "./layers";

/** Names of BERT's embedding tables (excluded from the non-embedding count). */
export const BERT_EMBEDDING_NAMES = [
  "embeddings.word_embeddings.weight",
  "embeddings.position_embeddings.weight",
  "embeddings.token_type_embeddings.weight",
];

/**
 * The weights of a BERT cross-encoder in load order, with Hugging Face names (no `bert.` prefix)
 * and shapes. The pooler (`pooler.dense`) and the 1-logit `classifier` are optional: absent from
 * a checkpoint (e.g. BertForMaskedLM) they are initialised fresh, N(0, initializer_range²)
 * weights and zero biases, as Hugging Face's `BertPreTrainedModel._init_weights` does.
 */
export function bertWeightSpecs(c: BertConfig): EncoderWeightSpec[] {
  const d = c.hiddenSize,
    I = c.intermediateSize,
    std = c.initializerRange;
  const out: EncoderWeightSpec[] = [];
  const w = (name: string, shape: number[], role: EncoderWeightSpec["role"], optional = false) =>
    out.push({ name, shape, decay: true, init: "normal", role, optional, std, truncate: 0 });
  const b = (name: string, shape: number[], role: EncoderWeightSpec["role"], optional = false) =>
    out.push({ name, shape, decay: false, init: "zeros", role, optional, std, truncate: 0 });
  const g = (name: string, role: EncoderWeightSpec["role"]) =>
    out.push({ name, shape: [d], decay: false, init: "ones", role, optional: false, std, truncate: 0 });
  const ln = (p: string) => {
    g(p + ".weight", "encoder");
    b(p + ".bias", [d], "encoder");
  };
  w("embeddings.word_embeddings.weight", [c.vocabSize, d], "embedding");
  w("embeddings.position_embeddings.weight", [c.maxPositions, d], "embedding");
  w("embeddings.token_type_embeddings.weight", [c.typeVocabSize, d], "embedding");
  ln("embeddings.LayerNorm");
  for (let l = 0; l < c.numLayers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const n of ["query", "key", "value"]) {
      w(`${p}attention.self.${n}.weight`, [d, d], "encoder");
      b(`${p}attention.self.${n}.bias`, [d], "encoder");
    }
    w(`${p}attention.output.dense.weight`, [d, d], "encoder");
    b(`${p}attention.output.dense.bias`, [d], "encoder");
    ln(`${p}attention.output.LayerNorm`);
    w(`${p}intermediate.dense.weight`, [I, d], "encoder");
    b(`${p}intermediate.dense.bias`, [I], "encoder");
    w(`${p}output.dense.weight`, [d, I], "encoder");
    b(`${p}output.dense.bias`, [d], "encoder");
    ln(`${p}output.LayerNorm`);
  }
  w("pooler.dense.weight", [d, d], "head", true);
  b("pooler.dense.bias", [d], "head", true);
  w("classifier.weight", [1, d], "head", true);
  b("classifier.bias", [1], "head", true);
  return out;
}

/**
 * Token-type ids of `[CLS] q [SEP] d [SEP]` rows: 0 up to and including the first `sepId`, 1
 * after it, 0 on padding. type = min(1, cumsum(isSep) − isSep) · mask.
 */
export function segmentIdsAfterFirstSep(ids: tf.Tensor2D, mask: tf.Tensor2D, sepId: number): tf.Tensor2D {
  const isSep = tf.cast(tf.equal(ids, sepId), "float32");
  const after = tf.minimum(tf.sub(tf.cumsum(isSep, 1), isSep), 1);
  return tf.cast(tf.mul(after, tf.cast(mask, "float32")), "int32") as tf.Tensor2D;
}

/**
 * BERT forward pass: last hidden state [B, T, d] and the relevance logit [B].
 * @param ids token ids [B, T] (int32); @param mask 1 for real tokens, 0 for padding [B, T];
 * @param typeIds segment ids [B, T] (int32).
 */
export function bertForward(
  c: BertConfig,
  W: WeightLookup,
  ids: tf.Tensor2D,
  mask: tf.Tensor2D,
  typeIds: tf.Tensor2D,
): { hidden: tf.Tensor3D; logits: tf.Tensor1D } {
  const [B, T] = ids.shape;
  const d = c.hiddenSize,
    H = c.numHeads,
    eps = c.layerNormEps;
  if (T > c.maxPositions)
    throw new Error(`sequence length ${T} exceeds max_position_embeddings ${c.maxPositions}`);
  const ln = (x: tf.Tensor, p: string) => layerNorm(x, W(p + ".weight"), W(p + ".bias"), eps);
  const dense = (x: tf.Tensor2D, p: string) => linear(x, W(p + ".weight"), W(p + ".bias"));
  const word = tf.gather(W("embeddings.word_embeddings.weight"), tf.reshape(ids, [B * T]));
  const type = tf.gather(W("embeddings.token_type_embeddings.weight"), tf.reshape(typeIds, [B * T]));
  const pos = tf.slice(W("embeddings.position_embeddings.weight"), [0, 0], [T, d]);
  const emb = tf.add(tf.reshape(tf.add(word, type), [B, T, d]), pos);
  let x = ln(tf.reshape(emb, [B * T, d]), "embeddings.LayerNorm") as tf.Tensor2D;
  const bias = keyMaskBias(mask);
  for (let l = 0; l < c.numLayers; l++) {
    const p = `encoder.layer.${l}.`;
    const q = splitHeads(dense(x, p + "attention.self.query"), B, T, H);
    const k = splitHeads(dense(x, p + "attention.self.key"), B, T, H);
    const v = splitHeads(dense(x, p + "attention.self.value"), B, T, H);
    const a = dense(mergeHeads(scaledDotAttention(q, k, v, bias)), p + "attention.output.dense");
    x = ln(tf.add(x, a), p + "attention.output.LayerNorm") as tf.Tensor2D;
    const f = dense(
      activate(c.hiddenAct, dense(x, p + "intermediate.dense")) as tf.Tensor2D,
      p + "output.dense",
    );
    x = ln(tf.add(x, f), p + "output.LayerNorm") as tf.Tensor2D;
  }
  const hidden = tf.reshape(x, [B, T, d]) as tf.Tensor3D;
  const cls = tf.reshape(tf.slice(hidden, [0, 0, 0], [B, 1, d]), [B, d]) as tf.Tensor2D;
  const pooled = tf.tanh(dense(cls, "pooler.dense")) as tf.Tensor2D;
  const logits = tf.reshape(dense(pooled, "classifier"), [B]) as tf.Tensor1D;
  return { hidden, logits };
}
