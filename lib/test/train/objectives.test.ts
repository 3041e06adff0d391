import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, selectBackend } from "../../src/backend";
import {
  pointwiseBceLoss,
  pairwiseRankNetLoss,
  listwiseListNetLoss,
  objectiveLoss,
  parseObjective,
} from "../../src/train";

const close = (a: number, b: number, tol = 1e-5, what = "") =>
  assert.ok(Math.abs(a - b) < tol, `${what} ${a} vs ${b}`);
async function valueAndGrad(
  f: (s: tf.Tensor) => tf.Scalar,
  s: number[],
  shape: number[],
): Promise<{ v: number; g: number[] }> {
  const x = tf.tensor(s, shape);
  const { value, grad } = tf.valueAndGrad(f)(x);
  const out = { v: (await value.data())[0], g: Array.from(await grad.data()) };
  tf.dispose([x, value, grad]);
  return out;
}

test("pointwise BCE: value and gradient worked by hand", async () => {
  await selectBackend({ prefer: "cpu" });
  // s = [2, −1], y = [1, 0]
  // softplus(2) − 2 = log(1 + e^−2) = 0.126928 ; softplus(−1) = log(1 + e^−1) = 0.313262 ; mean = 0.220095
  // ∂L/∂s = (σ(s) − y)/2 = [(0.880797 − 1)/2, 0.268941/2] = [−0.059601, 0.134471]
  const y = tf.tensor1d([1, 0]);
  const r = await valueAndGrad((s) => pointwiseBceLoss(s as tf.Tensor1D, y), [2, -1], [2]);
  close(r.v, 0.220095, 1e-5, "loss");
  close(r.g[0], -0.059601, 1e-5, "g0");
  close(r.g[1], 0.134471, 1e-5, "g1");
  // no overflow for large logits: s = 100, y = 0 → loss 100
  close((await pointwiseBceLoss(tf.tensor1d([100]), tf.tensor1d([0])).data())[0], 100, 1e-4, "large");
});

test("pairwise RankNet: value and gradient worked by hand", async () => {
  await selectBackend({ prefer: "cpu" });
  // one group s = [1, 0, 2], y = [1, 0, 0]: pairs (0≻1): log(1+e^−1) = 0.313262 ; (0≻2): log(1+e^1) = 1.313262
  // mean over 2 pairs = 0.813262
  // gradients: σ(−1) = 0.268941, σ(1) = 0.731059 ; ∂/∂s0 = −(0.268941 + 0.731059)/2 = −0.5
  // ∂/∂s1 = 0.268941/2 = 0.134471 ; ∂/∂s2 = 0.731059/2 = 0.365529
  const y = tf.tensor2d([[1, 0, 0]]);
  const r = await valueAndGrad((s) => pairwiseRankNetLoss(s as tf.Tensor2D, y), [1, 0, 2], [1, 3]);
  close(r.v, 0.813262, 1e-5, "loss");
  close(r.g[0], -0.5, 1e-5, "g0");
  close(r.g[1], 0.134471, 1e-5, "g1");
  close(r.g[2], 0.365529, 1e-5, "g2");
  // graded labels [2, 1, 0] with equal scores: 3 preferred pairs, each log 2 → mean 0.693147
  close(
    (await pairwiseRankNetLoss(tf.tensor2d([[0, 0, 0]]), tf.tensor2d([[2, 1, 0]])).data())[0],
    0.693147,
    1e-5,
    "graded",
  );
  // pairs never cross groups: group 2 has no positive, so only group 1's 2 pairs count (same value as above)
  close(
    (
      await pairwiseRankNetLoss(
        tf.tensor2d([
          [1, 0, 2],
          [5, -5, 0],
        ]),
        tf.tensor2d([
          [1, 0, 0],
          [0, 0, 0],
        ]),
      ).data()
    )[0],
    0.813262,
    1e-5,
    "groups",
  );
});

test("listwise ListNet: value and gradient worked by hand", async () => {
  await selectBackend({ prefer: "cpu" });
  // s = [2, 0], y = [1, 0]: target = softmax(y) = [e/(e+1), 1/(e+1)] = [0.731059, 0.268941]
  // log softmax(s) = [2 − log(e²+1), −log(e²+1)] = [−0.126928, −2.126928]
  // loss = 0.731059·0.126928 + 0.268941·2.126928 = 0.092793 + 0.572018 = 0.664811
  // ∂L/∂s = softmax(s) − target = [0.880797 − 0.731059, 0.119203 − 0.268941] = [0.149738, −0.149738]
  const y = tf.tensor2d([[1, 0]]);
  const r = await valueAndGrad((s) => listwiseListNetLoss(s as tf.Tensor2D, y), [2, 0], [1, 2]);
  close(r.v, 0.664811, 1e-5, "loss");
  close(r.g[0], 0.149738, 1e-5, "g0");
  close(r.g[1], -0.149738, 1e-5, "g1");
  // mean over groups: second group s = [0, 0] gives log 2 = 0.693147 → (0.664811 + 0.693147)/2 = 0.678979
  close(
    (
      await listwiseListNetLoss(
        tf.tensor2d([
          [2, 0],
          [0, 0],
        ]),
        tf.tensor2d([
          [1, 0],
          [1, 0],
        ]),
      ).data()
    )[0],
    0.678979,
    1e-5,
    "2 groups",
  );
  // 1 positive + 10 negatives, equal scores: −Σ target_i log(1/11) = log 11 = 2.397895
  const lab = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  close(
    (await listwiseListNetLoss(tf.zeros([1, 11]) as tf.Tensor2D, tf.tensor2d([lab])).data())[0],
    2.397895,
    1e-5,
    "uniform",
  );
});

test("objectiveLoss reshapes flat batches into groups; names parse", async () => {
  await selectBackend({ prefer: "cpu" });
  // two groups of 2 flattened: [2, 0 | 0, 0] with labels [1, 0 | 1, 0] → listwise 0.678979 (above)
  const s = tf.tensor1d([2, 0, 0, 0]),
    y = tf.tensor1d([1, 0, 1, 0]);
  close((await objectiveLoss("listwise", s, y, 2).data())[0], 0.678979, 1e-5, "listwise");
  // pairwise: group1 pair diff 2 → log(1+e^−2) = 0.126928 ; group2 diff 0 → 0.693147 ; mean 0.410038
  close((await objectiveLoss("pairwise", s, y, 2).data())[0], 0.410038, 1e-5, "pairwise");
  assert.throws(
    () => objectiveLoss("pairwise", tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 0, 0]), 2),
    /whole number of groups/,
  );
  assert.equal(parseObjective("bce"), "pointwise");
  assert.equal(parseObjective("ListNet"), "listwise");
  assert.throws(() => parseObjective("lambdarank"), /unknown objective/);
});
