/**
 * Listwise objective: ListNet ("listnet" in the paper's records).
 *
 * What: the scores of a query's documents, turned into a probability distribution by a softmax,
 * are fitted to the distribution implied by the labels (cross-entropy between the two).
 *
 * Formula, over a batch of G query groups of K documents:
 *   L = (1/G) Σ_g − Σ_i softmax(y_g)_i · log softmax(s_g)_i
 * (ListNet's top-one probabilities with the exponential transform on both labels and scores).
 * With labels in {0, 1} and one positive among K = 11 the target puts e/(e + 10) ≈ 0.2137 on the
 * positive and 1/(e + 10) ≈ 0.0786 on each negative.
 *
 * Gradient: ∂L/∂s_{g,i} = (softmax(s_g)_i − softmax(y_g)_i) / G (the target sums to 1).
 *
 * Batch semantics: a batch is G whole query groups (the paper: 16 groups of 1 + 10 per step,
 * arXiv 2603.04816, training setup).
 *
 * Source: Cao et al. 2007, "Learning to Rank: From Pairwise Approach to Listwise Approach"
 * (ListNet, top-one probability); the formula as standard (arXiv 2603.04816 names ListNet) for the paper's
 * `listnet` runs.
 */
import { tf } from "../backend/tf";

/** Mean ListNet cross-entropy between softmax(labels) and softmax(scores); inputs [G, K]. */
export function listwiseListNetLoss(scores: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.softmax(labels);
    const logp = tf.logSoftmax(scores);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), 1))) as tf.Scalar;
  });
}
