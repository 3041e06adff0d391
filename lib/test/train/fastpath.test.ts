/**
 * The optimised training path (wasm kernel patches, host kernels for exact-match flags and AdamW)
 * against the unoptimised reference: the cpu backend's stock kernels with every host kernel
 * switched off (`useHostKernels(false)`), i.e. the op-by-op definitions exactMatchFlagsReference
 * and AdamW.applyReference. Outputs, the loss and every gradient agree to 1e-5.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, selectBackend, useHostKernels } from "../../src/backend";
import {
  createCrossEncoder,
  exactMatchFlags,
  exactMatchFlagsReference,
  tierConfig,
  type ModelConfig,
} from "../../src/model";
import { AdamW, createOptimizer, objectiveLoss } from "../../src/train";

/** Deterministic rows `[CLS] q [SEP] d [SEP] [PAD]…` with repeated ids across the two segments. */
function batchIds(n: number, T: number, V: number): Int32Array {
  const ids = new Int32Array(n * T);
  for (let b = 0; b < n; b++) {
    const len = T - (b % 4),
      q = 2 + (b % 3);
    ids[b * T] = 2;
    // ids repeat with period 9 in t, so query tokens recur in the document (exact matches) and some do not
    for (let t = 1; t < len; t++)
      ids[b * T + t] = 5 + ((b * 7 + t * 5 + (t > 8 ? b : 0)) % Math.min(V - 5, 9));
    ids[b * T + 1 + q] = 3;
    ids[b * T + len - 1] = 3;
  }
  return ids;
}

async function lossAndGrads(
  c: ModelConfig,
  ids: Int32Array,
  n: number,
  T: number,
  objective: "pointwise" | "listwise",
) {
  const model = createCrossEncoder(c, 11);
  const vars = model.specs.map((s) => model.weights.get(s.name)!);
  const labels = new Float32Array(n).map((_, i) => (i % 11 === 0 ? 1 : 0));
  const { value, grads } = tf.tidy(() => {
    const idsT = tf.tensor2d(ids, [n, T], "int32");
    return tf.variableGrads(() => objectiveLoss(objective, model.score(idsT), tf.tensor1d(labels), 11), vars);
  });
  const scores = tf.tidy(() => model.score(tf.tensor2d(ids, [n, T], "int32")));
  const out = {
    loss: (await value.data())[0],
    scores: Array.from(await scores.data()),
    grads: await Promise.all(
      model.specs.map(async (s) => Array.from(await grads[model.weights.get(s.name)!.name].data())),
    ),
  };
  tf.dispose([value, scores, ...Object.values(grads)]);
  model.dispose();
  return out;
}

function assertClose(a: number[], b: number[], tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  assert.ok(worst <= tol, `${what}: max |optimised − reference| = ${worst}`);
}

test("optimised wasm path equals the op-by-op cpu reference: scores, loss and every gradient (1e-5)", async () => {
  // A mini-profile model (segment + exact-match embeddings, mean pooling) of 2 layers and 3 heads,
  // and a bench-like one (4 heads, no exact match): 22 rows (2 groups of 11) of 16 tokens.
  const layered: ModelConfig = {
    layers: 2,
    dModel: 48,
    heads: 3,
    vocabSize: 60,
    maxLen: 16,
    padId: 0,
    sepId: 3,
  };
  const mini = { ...layered, matchEmbedding: true, pooling: "mean" as const };
  const bench: ModelConfig = {
    layers: 2,
    dModel: 32,
    heads: 4,
    vocabSize: 60,
    maxLen: 16,
    padId: 0,
    sepId: 3,
  };
  const n = 22,
    T = 16;
  const ids = batchIds(n, T, 60);
  for (const [c, objective] of [
    [mini, "listwise"],
    [bench, "pointwise"],
  ] as const) {
    await selectBackend({ prefer: "cpu" });
    useHostKernels(false);
    const ref = await lossAndGrads(c, ids, n, T, objective);
    useHostKernels(true);
    await selectBackend({ prefer: "wasm" });
    const opt = await lossAndGrads(c, ids, n, T, objective);
    assert.ok(Math.abs(opt.loss - ref.loss) <= 1e-5, `loss ${opt.loss} vs ${ref.loss}`);
    assertClose(opt.scores, ref.scores, 1e-5, "scores");
    ref.grads.forEach((g, i) => assertClose(opt.grads[i], g, 1e-5, `gradient ${i}`));
    // the gradients are not all zero (the comparison would be empty otherwise)
    assert.ok(ref.grads.some((g) => g.some((x) => Math.abs(x) > 1e-4)));
  }
});

test("exact-match host kernel gives the reference's flags exactly (wasm and cpu)", async () => {
  const n = 9,
    T = 20;
  const ids = batchIds(n, T, 30);
  for (const bk of ["wasm", "cpu"]) {
    await selectBackend({ prefer: bk });
    const [fast, ref] = tf.tidy(() => {
      const idsT = tf.tensor2d(ids, [n, T], "int32");
      const seg = tf.minimum(
        tf.sub(tf.cumsum(tf.cast(tf.equal(idsT, 3), "int32"), 1), tf.cast(tf.equal(idsT, 3), "int32")),
        tf.scalar(1, "int32"),
      );
      return [exactMatchFlags(idsT, seg), exactMatchFlagsReference(idsT, seg)];
    });
    const f = Array.from(await fast.data()),
      r = Array.from(await ref.data());
    assert.deepEqual(f, r);
    assert.ok(r.some((x) => x === 1) && r.some((x) => x === 0));
    tf.dispose([fast, ref]);
  }
});

test("fused AdamW equals the op-by-op update over steps with clipping and decay (1e-5)", async () => {
  for (const bk of ["wasm", "cpu"]) {
    await selectBackend({ prefer: bk });
    const model = createCrossEncoder(tierConfig("t0", 40, 8, 0, 3), 5);
    const twin = createCrossEncoder(tierConfig("t0", 40, 8, 0, 3), 5);
    const cfg = { beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.01, clipNorm: 1.0 };
    const a = createOptimizer(model, cfg),
      b = createOptimizer(twin, cfg);
    b.fused = false;
    const before = tf.memory().numTensors;
    for (let s = 0; s < 3; s++) {
      // gradients with global norm ≫ 1 on step 0 (clipped) and < 1 afterwards
      const scale = s === 0 ? 3 : 0.01;
      const grads = a.params.map((p, i) =>
        tf.tidy(() => tf.mul(tf.sin(tf.add(tf.range(0, p.size).reshape(p.shape), i + s)), scale)),
      );
      const na = a.apply(grads, 1e-2),
        nb = b.apply(grads, 1e-2);
      assert.ok(
        Math.abs((await na.data())[0] - (await nb.data())[0]) <= 1e-5 * Math.max(1, (await nb.data())[0]),
        `norm ${bk} step ${s}`,
      );
      tf.dispose([na, nb, ...grads]);
      assert.equal(tf.memory().numTensors, before, "no tensors leak");
    }
    const sa = await a.getState(),
      sb = await b.getState();
    assert.equal(sa.step, 3);
    for (let i = 0; i < a.params.length; i++) {
      assertClose(Array.from(sa.m[i]), Array.from(sb.m[i]), 1e-5, `m ${i}`);
      assertClose(Array.from(sa.v[i]), Array.from(sb.v[i]), 1e-5, `v ${i}`);
      assertClose(
        Array.from(await a.params[i].data()),
        Array.from(await b.params[i].data()),
        1e-5,
        `param ${i}`,
      );
    }
    a.dispose();
    b.dispose();
    model.dispose();
    twin.dispose();
  }
  assert.ok(AdamW.prototype.applyReference !== undefined);
});

test("batched and broadcast matmuls with every transpose flag: patched wasm equals cpu", async () => {
  const vals = (s: number[], k: number) =>
    Array.from({ length: s.reduce((x, y) => x * y, 1) }, (_, i) => Math.sin(0.37 * i + k));
  const run = async (bk: string) => {
    await selectBackend({ prefer: bk });
    const out: number[] = [];
    for (const [tA, tB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]) {
      const r = tf.tidy(() => {
        const a = tf.tensor(vals(tA ? [2, 3, 5, 4] : [2, 3, 4, 5], 1), tA ? [2, 3, 5, 4] : [2, 3, 4, 5]);
        const b = tf.tensor(vals(tB ? [2, 3, 6, 5] : [2, 3, 5, 6], 2), tB ? [2, 3, 6, 5] : [2, 3, 5, 6]);
        const w = tf.tensor(vals(tB ? [6, 5] : [5, 6], 3), tB ? [6, 5] : [5, 6]);
        // rank-4 batched [2,3,4,6]; rank-3 batched × unbatched [6,4,6]
        return tf.concat([
          tf.matMul(a, b, tA, tB).flatten(),
          tf.matMul(tf.reshape(a, tA ? [6, 5, 4] : [6, 4, 5]), w, tA, tB).flatten(),
        ]);
      });
      out.push(...(await r.data()));
      r.dispose();
    }
    const g = tf.tidy(() =>
      tf.gather(tf.tensor2d(vals([7, 3], 4), [7, 3]), tf.tensor1d([6, 0, 2, 2], "int32")),
    );
    out.push(...(await g.data()));
    g.dispose();
    return out;
  };
  const w = await run("wasm"),
    c = await run("cpu");
  assert.equal(w.length, 4 * (144 + 144) + 12);
  assertClose(w, c, 1e-5, "matmul/gather");
});
