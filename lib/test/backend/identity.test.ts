/**
 * The wasm `Identity` patch shares the input's buffer instead of copying it (kernel patch 5 in
 * backend/kernels.ts): a clone has the same data id, outlives its source, and a training step's
 * gradients are unchanged, with no tensor left behind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend, tf } from "../../src/backend";

test("a wasm clone shares its source's buffer, and outlives it", async () => {
  const sel = await selectBackend({ prefer: "wasm" });
  assert.ok(
    sel.patches.some((p) => p.startsWith("Identity")),
    sel.patches.join("; "),
  );
  const backend = tf.backend() as unknown as { numDataIds(): number; refCount(id: object): number };
  const before = backend.numDataIds();
  const x = tf.tensor1d([1, 2, 3, 4]);
  const y = tf.clone(x);
  assert.equal(y.dataId, x.dataId, "same buffer");
  assert.equal(backend.numDataIds() - before, 1, "one buffer, not two");
  assert.equal(backend.refCount(x.dataId), 2);
  x.dispose();
  assert.deepEqual(Array.from(await y.data()), [1, 2, 3, 4], "the clone outlives its source");
  y.dispose();
  assert.equal(backend.numDataIds(), before, "both gone: the buffer is freed");
});

test("gradients through saved (cloned) tensors are those of the formula, with nothing leaked", async () => {
  await selectBackend({ prefer: "wasm" });
  const n0 = tf.memory().numTensors;
  // f(w) = Σ exp(w)·w: exp saves its output for the gradient; df/dw = exp(w)·(w + 1)
  const init = tf.tensor1d([0.5, -1, 2]);
  const w = tf.variable(init);
  const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(tf.exp(w), w)) as tf.Scalar, [w]);
  const g = Array.from(await grads[w.name].data());
  [0.5, -1, 2].forEach((v, i) =>
    assert.ok(Math.abs(g[i] - Math.exp(v) * (v + 1)) < 1e-5, `dw[${i}] = ${g[i]}`),
  );
  tf.dispose([value, grads[w.name], w, init]);
  assert.equal(tf.memory().numTensors, n0);
});
