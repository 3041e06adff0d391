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
import { compareSteps, relativeDifference, runGrid, stepOnBackend } from "../../src/train";
import { createGenDecoder, genTierConfig } from "../../src/genret";

/** True when a WebGPU adapter exists; else the test is marked skipped, saying why. */
async function haveWebGpu(t: { skip(message: string): void }): Promise<boolean> {
  const probe = await probeWebGpu();
  if (!probe.ok) t.skip(`no WebGPU adapter here: ${probe.detail}`);
  return probe.ok;
}

for (const objective of ["pointwise", "pairwise", "listwise"] as const) {
  test(`one ${objective} training step on webgpu equals wasm: loss, gradients, updated weights`, async (t) => {
    if (!(await haveWebGpu(t))) return;
    const ref = await stepOnBackend("wasm", objective);
    const gpu = await stepOnBackend("webgpu", objective);
    assert.equal(gpu.backend, "webgpu");
    const c = compareSteps(gpu, ref);
    assert.ok(c.lossRelative <= 1e-5, `loss ${gpu.loss} vs ${ref.loss}`);
    assert.ok(c.gradientRelative < 1e-4, `gradients differ by ${c.gradientRelative} (relative)`);
    assert.ok(c.weightRelative < 1e-4, `weights after the step differ by ${c.weightRelative}`);
    // a gradient that is 0 in exact arithmetic is float noise on both backends
    assert.ok(c.zeroGradientMax < 1e-4, `a zero gradient reaches ${c.zeroGradientMax} of the largest`);
    if (objective !== "pointwise")
      assert.ok(c.zeroGradients >= 1, "the head bias has no gradient under a group softmax");
  });
}

test("a smoke run on webgpu gives the wasm run's records", async (t) => {
  if (!(await haveWebGpu(t))) return;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "webgpu-grid-"));
  const run = async (backend: string) => {
    process.env.SCALERANK_BACKEND = backend;
    process.env.SCALERANK_KERNELS = backend === "wasm" ? "wasm" : "auto"; // the composed ops are the reference
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
  delete process.env.SCALERANK_KERNELS;
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
  await selectBackend({ prefer: "wasm", kernels: "wasm" });
  const ref = await logits();
  await selectBackend({ prefer: "webgpu" });
  const gpu = await logits();
  assert.equal(gpu.length, ref.length);
  assert.ok(relativeDifference(gpu, ref) < 1e-5, `logits differ by ${relativeDifference(gpu, ref)}`);
});
