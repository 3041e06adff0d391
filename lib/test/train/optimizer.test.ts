import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, selectBackend } from "../../src/backend";
import { AdamW, learningRate } from "../../src/train";

test("AdamW first and second step worked by hand, decay only where flagged", async () => {
  await selectBackend({ prefer: "cpu" });
  const a = tf.variable(tf.tensor1d([2])),
    b = tf.variable(tf.tensor1d([2]));
  const opt = new AdamW([a, b], [true, false], {
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
    clipNorm: 0,
  });
  // step 1, g = 0.5: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25 → m̂/√v̂ = 1
  // a: 2 − 0.1·(1 + 0.01·2) = 1.898 ; b (no decay): 2 − 0.1 = 1.9
  opt.apply([tf.tensor1d([0.5]), tf.tensor1d([0.5])], 0.1).dispose();
  assert.ok(Math.abs((await a.data())[0] - 1.898) < 1e-6);
  assert.ok(Math.abs((await b.data())[0] - 1.9) < 1e-6);
  // step 2, g = −0.5 on b: m = 0.9·0.05 − 0.05 = −0.005, v = 0.999·0.00025 + 0.00025 = 0.00049975
  // m̂ = −0.005/0.19 = −0.0263158, v̂ = 0.00049975/0.001999 = 0.25 → update −0.0526316 ; b = 1.9 + 0.1·0.0526316 = 1.9052632
  opt.apply([tf.tensor1d([0]), tf.tensor1d([-0.5])], 0.1).dispose();
  assert.ok(Math.abs((await b.data())[0] - 1.9052632) < 1e-5, String((await b.data())[0]));
  // state round trip
  const st = await opt.getState();
  const c = tf.variable(tf.tensor1d([0])),
    d = tf.variable(tf.tensor1d([0]));
  const opt2 = new AdamW([c, d], [true, false]);
  opt2.setState(st);
  assert.equal(opt2.step, 2);
  assert.deepEqual(Array.from((await opt2.getState()).v[1]), Array.from(st.v[1]));
});

test("global-norm clipping scales gradients by clip/‖g‖", async () => {
  await selectBackend({ prefer: "cpu" });
  // g = [3, 4] has norm 5; clip 1 → [0.6, 0.8]. With β₁ = 0 and β₂ → 0 (v̂ = g²) the step is sign(g)·lr,
  // so check the moments instead: m (β₁ = 0.9) = 0.1·g_clipped = [0.06, 0.08].
  const p = tf.variable(tf.tensor1d([0, 0]));
  const opt = new AdamW([p], [false], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, clipNorm: 1 });
  const norm = opt.apply([tf.tensor1d([3, 4])], 0.1);
  assert.ok(Math.abs((await norm.data())[0] - 5) < 1e-6);
  const m = (await opt.getState()).m[0];
  assert.ok(Math.abs(m[0] - 0.06) < 1e-7 && Math.abs(m[1] - 0.08) < 1e-7);
});

test("schedules: warmup, inverse-sqrt, linear, cosine (hand values)", () => {
  const base = { peakLr: 1e-3, warmupSteps: 100, totalSteps: 1100 };
  assert.equal(learningRate({ ...base, kind: "constant" }, 50), 5e-4); // 1e-3·50/100
  assert.equal(learningRate({ ...base, kind: "constant" }, 900), 1e-3);
  assert.ok(Math.abs(learningRate({ ...base, kind: "inverse-sqrt" }, 400) - 5e-4) < 1e-12); // 1e-3·√(100/400)
  assert.ok(Math.abs(learningRate({ ...base, kind: "linear" }, 600) - 5e-4) < 1e-12); // halfway through decay
  assert.ok(Math.abs(learningRate({ ...base, kind: "cosine" }, 600) - 5e-4) < 1e-12); // (1 + cos(π/2))/2 = 0.5
  assert.ok(Math.abs(learningRate({ ...base, kind: "cosine" }, 1100)) < 1e-12);
});

test("AdamW state holds exactly two tensors per parameter and dispose frees them", async () => {
  await selectBackend({ prefer: "cpu" });
  const ps = [tf.variable(tf.ones([3, 2])), tf.variable(tf.ones([4]))];
  const before = tf.memory().numTensors;
  const opt = new AdamW(ps, [true, false]);
  assert.equal(tf.memory().numTensors - before, 4);
  opt.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(ps);
});
