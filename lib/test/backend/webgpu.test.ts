/**
 * The GPU path (WebGPU through Dawn) against the wasm backend, on whatever adapter this machine
 * has — a software one (SwiftShader / llvmpipe) on a CPU-only machine: one training step (loss,
 * every gradient and the AdamW update) for each objective, a whole `smoke` run's records, and the
 * generative decoder's forward pass. Without an adapter the tests are skipped and say why.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { probeWebGpu, selectBackend, tf } from "../../src/backend";
import { createCrossEncoder, tierConfig } from "../../src/model";
import { createOptimizer, objectiveLoss, runGrid } from "../../src/train";
import { createGenDecoder, genTierConfig } from "../../src/genret";
import type { Objective } from "../../src/records";

/** True when a WebGPU adapter exists; else the test is marked skipped, saying why. */
async function haveWebGpu(t: { skip(message: string): void }): Promise<boolean> {
  const probe = await probeWebGpu();
  if (!probe.ok) t.skip(`no WebGPU adapter here: ${probe.detail}`);
  return probe.ok;
}

/** Largest |a − b| over the largest |b| (so a gradient of scale 1e-3 is compared at its own scale). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    m = 1e-30;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

/** Rows `[CLS] q [SEP] d [SEP]` with query tokens repeated in the passage (exact matches). */
function batchIds(n: number, T: number, V: number): Int32Array {
  const ids = new Int32Array(n * T);
  for (let b = 0; b < n; b++) {
    ids[b * T] = 2;
    for (let t = 1; t < T - (b % 3); t++) ids[b * T + t] = 5 + ((b * 7 + t * 5) % Math.min(V - 5, 9));
    ids[b * T + 3] = 3;
    ids[b * T + T - 1 - (b % 3)] = 3;
  }
  return ids;
}

/** Loss, every gradient and every weight after one AdamW step, on the backend selected now. */
async function oneStep(objective: Objective) {
  const c = tierConfig("t1", 40, 24, 0, 3);
  const model = createCrossEncoder(c, 7);
  const opt = createOptimizer(model);
  const vars = opt.params as tf.Variable[];
  const n = 22,
    T = 24;
  const labels = new Float32Array(n).map((_, i) => (i % 11 === 0 ? 1 : 0));
  const ids = batchIds(n, T, 40);
  const { value, grads } = tf.tidy(() =>
    tf.variableGrads(
      () => objectiveLoss(objective, model.score(tf.tensor2d(ids, [n, T], "int32")), tf.tensor1d(labels), 11),
      vars,
    ),
  );
  const loss = (await value.data())[0];
  const g = await Promise.all(vars.map(async (v) => Float32Array.from(await grads[v.name].data())));
  opt
    .apply(
      vars.map((v) => grads[v.name]),
      1e-3,
    )
    .dispose();
  const w = await Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return { loss, g, w };
}

for (const objective of ["pointwise", "pairwise", "listwise"] as const) {
  test(`one ${objective} training step on webgpu equals wasm: loss, gradients, updated weights`, async (t) => {
    if (!(await haveWebGpu(t))) return;
    await selectBackend({ prefer: "wasm" });
    const ref = await oneStep(objective);
    const sel = await selectBackend({ prefer: "webgpu" });
    assert.equal(sel.backend, "webgpu");
    const gpu = await oneStep(objective);
    assert.ok(
      Math.abs(gpu.loss - ref.loss) <= 1e-5 * Math.max(1, Math.abs(ref.loss)),
      `loss ${gpu.loss} vs ${ref.loss}`,
    );
    const scale = Math.max(...ref.g.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    const maxAbs = (v: Float32Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    ref.g.forEach((g, i) => {
      // a gradient that is 0 in exact arithmetic (the head bias under a group softmax) is float
      // noise on both backends: it must stay below 1e-4 of the largest gradient on both
      if (maxAbs(g) < 1e-4 * scale) assert.ok(maxAbs(gpu.g[i]) < 1e-4 * scale, `gradient ${i} is not ~0`);
      else
        assert.ok(relDiff(gpu.g[i], g) < 1e-4, `gradient ${i}: relative difference ${relDiff(gpu.g[i], g)}`);
    });
    // AdamW's first step moves a weight by about lr·sign(g): where g is noise its sign is arbitrary
    ref.w.forEach((w, i) => {
      if (maxAbs(ref.g[i]) >= 1e-4 * scale)
        assert.ok(relDiff(gpu.w[i], w) < 1e-5, `weights ${i} after the step`);
    });
  });
}

test("a smoke run on webgpu gives the wasm run's records", async (t) => {
  if (!(await haveWebGpu(t))) return;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "webgpu-grid-"));
  const run = async (backend: string) => {
    process.env.SCALERANK_BACKEND = backend;
    const g = await runGrid({
      profile: "smoke",
      tiers: ["t0"],
      objectives: ["listwise"],
      jobs: 1,
      root: path.join(root, backend),
    });
    return g.records;
  };
  const ref = await run("wasm"),
    gpu = await run("webgpu");
  delete process.env.SCALERANK_BACKEND;
  assert.equal(gpu.length, ref.length);
  assert.ok(ref.length >= 3, `${ref.length} checkpoints`);
  ref.forEach((r, i) => {
    assert.equal(gpu[i].step, r.step);
    assert.equal(gpu[i].backend, "webgpu");
    for (const [m, v] of Object.entries(r.metrics))
      assert.ok(Math.abs(gpu[i].metrics[m] - v) < 1e-4, `step ${r.step} ${m}: ${gpu[i].metrics[m]} vs ${v}`);
  });
  fs.rmSync(root, { recursive: true, force: true });
});

test("the generative decoder's forward pass on webgpu equals wasm", async (t) => {
  if (!(await haveWebGpu(t))) return;
  const logits = async () => {
    const m = createGenDecoder(genTierConfig("g1", 60, 6, 5), 3);
    const ids = Int32Array.from({ length: 4 * 12 }, (_, i) => 4 + ((i * 7) % 50));
    const out = tf.tidy(() => m.logits(tf.tensor2d(ids, [4, 12], "int32"), 6, 5));
    const v = Float32Array.from(await out.data());
    out.dispose();
    m.dispose();
    return v;
  };
  await selectBackend({ prefer: "wasm" });
  const ref = await logits();
  await selectBackend({ prefer: "webgpu" });
  const gpu = await logits();
  assert.equal(gpu.length, ref.length);
  assert.ok(relDiff(gpu, ref) < 1e-5, `logits differ by ${relDiff(gpu, ref)}`);
});
