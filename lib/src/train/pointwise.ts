/**
 * Pointwise objective: binary cross-entropy on logits ("bce" in the paper's records).
 *
 * What: each (query, document) pair is a binary classification example; the model's logit s is
 * pushed up for relevant pairs (y = 1) and down for non-relevant ones (y = 0).
 *
 * Formula, over a batch of n pairs:
 *   L = (1/n) Σ_i [ softplus(s_i) − y_i·s_i ],  softplus(s) = max(s, 0) + log(1 + e^{−|s|})
 * which equals −(1/n) Σ_i [ y_i log σ(s_i) + (1 − y_i) log(1 − σ(s_i)) ] but never overflows.
 *
 * Gradient: ∂L/∂s_i = (σ(s_i) − y_i) / n.
 *
 * Batch semantics: a batch is n independent pairs drawn from the pointwise view of the training
 * groups (the paper's pointwise runs use 128 pairs per step; Seetharaman et al., arXiv
 * 2603.04816, training setup).
 *
 * Source: standard logistic loss; matches PyTorch `BCEWithLogitsLoss` and sentence-transformers'
 * `BinaryCrossEntropyLoss`, whose name ("bce") the paper's records use.
 */
import { tf } from "../backend/tf";

/** Mean binary cross-entropy of logits `scores` [n] against labels `labels` [n] in {0, 1}. */
export function pointwiseBceLoss(scores: tf.Tensor1D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const softplus = tf.add(tf.relu(scores), tf.log1p(tf.exp(tf.neg(tf.abs(scores)))));
    return tf.mean(tf.sub(softplus, tf.mul(labels, scores))) as tf.Scalar;
  });
}
