import { test } from "node:test";
import assert from "node:assert/strict";
import {
  loadNative,
  tf,
  selectBackend,
  detectBackends,
  parseBackendRequest,
  gpuAdvice,
  scatterAddRows,
  probeNativeTensorflow,
} from "../../src/backend";
import { createCrossEncoder } from "../../src/model";
import { createOptimizer, trainStep } from "../../src/train";

test("scatterAddRows adds rows into their segments (hand-worked)", () => {
  // x rows: [1,2], [3,4], [5,6]; ids 2, 0, 2 ; 3 segments:
  // seg0 = [3,4]; seg1 = [0,0]; seg2 = [1+5, 2+6] = [6,8]
  const out = new Float32Array(6);
  scatterAddRows([1, 2, 3, 4, 5, 6], [2, 0, 2], 2, out);
  assert.deepEqual(Array.from(out), [3, 4, 0, 0, 6, 8]);
  // an out-of-range id is dropped, as in TensorFlow
  scatterAddRows([1, 2, 3, 4], [5, 1], 2, out);
  assert.deepEqual(Array.from(out), [0, 0, 3, 4, 0, 0]);
});

test("detection lists the five engines and explains the native ones", async () => {
  const probes = await detectBackends();
  assert.deepEqual(probes.map((p) => p.id).sort(), ["cpu", "tfjs-node", "tfjs-node-gpu", "wasm", "webgpu"]);
  const cpu = probes.find((p) => p.id === "cpu")!;
  assert.equal(cpu.available, true);
  assert.equal(probes.find((p) => p.id === "wasm")!.available, true);
  for (const p of probes) assert.ok(p.detail.length > 0, p.id);
  // best first: ranks descend
  for (let i = 1; i < probes.length; i++) assert.ok(probes[i - 1].rank >= probes[i].rank);
  // here neither native package is really installed; the probe says why instead of loading it
  const nat = probeNativeTensorflow("@tensorflow/tfjs-node-gpu");
  assert.equal(nat.ok, false);
  assert.match(nat.detail, /not installed|alias|binding/);
  assert.match(gpuAdvice(probes), /tfjs-node-gpu|GPU engine is available/);
});

test("backend requests are parsed, unknown names rejected", () => {
  assert.equal(parseBackendRequest("WASM"), "wasm");
  assert.equal(parseBackendRequest("tensorflow"), "tfjs-node");
  assert.throws(() => parseBackendRequest("tpu"), /unknown backend "tpu"/);
});

async function threeSteps(
  backend: string,
  kernels?: string,
): Promise<{ losses: number[]; tensors: number[]; grads: number[] }> {
  const sel = await selectBackend({ prefer: backend, kernels });
  assert.equal(sel.backend, backend);
  assert.equal(tf.getBackend(), backend);
  const model = createCrossEncoder(
    { layers: 1, dModel: 16, heads: 2, vocabSize: 50, maxLen: 12, padId: 0 },
    7,
  );
  const opt = createOptimizer(model);
  // 2 groups of 11 (1 positive first), deterministic ids with some padding (id 0) at the end.
  const n = 22,
    T = 12;
  const ids = new Int32Array(n * T);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < T; t++) ids[i * T + t] = t >= 9 + (i % 3) ? 0 : 1 + ((i * 13 + t * 7) % 49);
  const labels = new Float32Array(n);
  labels[0] = labels[11] = 1;
  const losses: number[] = [],
    tensors: number[] = [],
    grads: number[] = [];
  for (let s = 0; s < 3; s++) {
    for (const obj of ["pointwise", "pairwise", "listwise"] as const) {
      const r = await trainStep(model, opt, obj, { ids, labels, n, seqLen: T }, 11, 1e-2);
      losses.push(r.loss);
      grads.push(r.gradNorm);
      tensors.push(tf.memory().numTensors);
    }
  }
  opt.dispose();
  model.dispose();
  return { losses, tensors, grads };
}

test("a training step runs on wasm and cpu with identical losses and no tensor leak", async () => {
  const w = await threeSteps("wasm", "wasm");
  const c = await threeSteps("cpu");
  // the native kernels and fused ops, where built: no leak either, and the same losses to 1e-4
  // (their GELU keeps the erf tails that tf.erf's approximation loses, exp and sums differ in the last bits)
  const n = "mod" in loadNative() ? await threeSteps("wasm", "native") : null;
  if (n)
    n.losses.forEach((l, i) =>
      assert.ok(
        Math.abs(l - c.losses[i]) < 1e-4 * Math.max(1, Math.abs(c.losses[i])),
        `native step ${i}: ${l} vs ${c.losses[i]}`,
      ),
    );
  for (const r of n ? [w, c, n] : [w, c]) {
    for (const l of r.losses) assert.ok(Number.isFinite(l));
    // live tensors are flat across steps (the first step allocates nothing that survives)
    assert.ok(
      r.tensors.every((x) => x === r.tensors[0]),
      `tensors ${r.tensors}`,
    );
  }
  // float32 sums in another order on each backend, compounded over 9 Adam steps at lr 1e-2: relative 1e-5
  for (let i = 0; i < w.losses.length; i++)
    assert.ok(
      Math.abs(w.losses[i] - c.losses[i]) < 1e-5 * Math.max(1, Math.abs(c.losses[i])),
      `step ${i}: wasm ${w.losses[i]} cpu ${c.losses[i]}`,
    );
  for (let i = 0; i < w.grads.length; i++)
    assert.ok(Math.abs(w.grads[i] - c.grads[i]) < 1e-4 * Math.max(1, c.grads[i]));
  // the pairwise loss (entries 1, 4, 7) goes down on the repeated batch
  assert.ok(
    w.losses[7] < w.losses[4] && w.losses[4] < w.losses[1],
    `pairwise losses ${w.losses[1]}, ${w.losses[4]}, ${w.losses[7]}`,
  );
});

test("patched wasm BatchMatMul with transposes equals the cpu result", async () => {
  const a = Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i));
  const b = Array.from({ length: 2 * 5 * 4 }, (_, i) => Math.cos(i));
  const run = async (bk: string) => {
    await selectBackend({ prefer: bk });
    const r = tf.tidy(() => {
      const A = tf.tensor3d(a, [2, 3, 4]),
        B = tf.tensor3d(b, [2, 5, 4]);
      const ab = tf.matMul(A, B, false, true); // [2,3,5]
      const atb = tf.matMul(tf.reshape(A, [2, 4, 3]), B, true, true); // [2,3,5]
      return tf.concat([ab.flatten(), atb.flatten()]);
    });
    const v = Array.from(await r.data());
    r.dispose();
    return v;
  };
  const w = await run("wasm"),
    c = await run("cpu");
  assert.equal(w.length, 60);
  for (let i = 0; i < w.length; i++) assert.ok(Math.abs(w[i] - c[i]) < 1e-5);
});
