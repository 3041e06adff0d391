/**
 * Pairwise objective: RankNet ("ranknet" in the paper's records).
 *
 * What: for every pair of documents of the same query where one is more relevant than the other,
 * a logistic loss on the score difference pushes the more relevant one above.
 *
 * Formula, over a batch of G query groups of K documents (scores s_{g,i}, labels y_{g,i}):
 *   P = {(g, i, j) : y_{g,i} > y_{g,j}}
 *   L = (1/|P|) Σ_{(g,i,j)∈P} softplus(−(s_{g,i} − s_{g,j})) = (1/|P|) Σ log(1 + e^{−(s_{g,i} − s_{g,j})})
 * With 1 positive and 10 negatives per group there are 10 pairs per group.
 *
 * Gradient: for a pair (i ≻ j), ∂/∂s_i = −σ(−(s_i − s_j))/|P| and ∂/∂s_j = +σ(−(s_i − s_j))/|P|;
 * a document's gradient sums over the pairs it is in.
 *
 * Batch semantics: a batch is G whole query groups (the paper: 16 groups of 1 + 10 per step,
 * arXiv 2603.04816, training setup); pairs never cross groups.
 *
 * Source: Burges et al. 2005, "Learning to Rank using Gradient Descent" (RankNet, with target
 * probability 1 for the preferred document); sentence-transformers' `RankNetLoss` is the same
 * logistic pair loss.
 */
import { tf } from "../backend/tf";

/** Mean RankNet loss over all preferred pairs of each group; `scores`, `labels`: [G, K]. */
export function pairwiseRankNetLoss(scores: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const [G, K] = scores.shape;
    // diff[g, i, j] = s_i − s_j ; pref[g, i, j] = 1 if y_i > y_j.
    const diff = tf.sub(tf.reshape(scores, [G, K, 1]), tf.reshape(scores, [G, 1, K]));
    const pref = tf.cast(tf.greater(tf.reshape(labels, [G, K, 1]), tf.reshape(labels, [G, 1, K])), "float32");
    const z = tf.neg(diff);
    const softplus = tf.add(tf.relu(z), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    const nPairs = tf.maximum(tf.sum(pref), 1);
    return tf.div(tf.sum(tf.mul(pref, softplus)), nPairs) as tf.Scalar;
  });
}
