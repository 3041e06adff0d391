/**
 * The fused ops (model/fused.ts, native kernels) against the composed ops they replace: forward
 * values and every input's gradient (through a random cotangent) on random inputs, on odd and
 * edge shapes; and one cross-encoder training step whose loss and every weight gradient match.
 * Tolerance: 1e-5 × max(1, the largest magnitude of the quantity compared): float32 sums taken in
 * another order, and fused multiply-adds, move the last bits (LayerNorm of one column: 2.3e-6 in
 * dx, which is 0 exactly). The fused GELU is checked against the exact (double) GELU as well: its
 * erfc keeps the tails, where the composed `tf.erf` path loses them (at u = −5 it is 4 % off).
 * Skipped, with the reason, where the native kernels are not built.
 */
import { before, test } from "node:test";
import { createRng } from "../../src/util/rng";
import assert from "node:assert/strict";
import { selectBackend, tf, loadNative, type NativeModule } from "../../src/backend";
import {
  fusedBiasGelu,
  fusedLayerNorm,
  fusedOpsActive,
  fusedSelfAttention,
  useFusedOps,
} from "../../src/model/fused";
import { geluErf, layerNorm, multiHeadAttention } from "../../src/model/blocks";
import { createCrossEncoder, tierConfig, type ModelConfig } from "../../src/model";
import { objectiveLoss } from "../../src/train/objectives";

const native = loadNative();
before(async () => {
  if (!("why" in native)) await selectBackend({ prefer: "wasm", kernels: "native" });
});
const skip = "why" in native ? `native kernels ${native.why}` : false;

/** A tensor of uniform values in [−scale, scale) from the library's seeded generator. */
function rand(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((p, q) => p * q, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale),
    shape,
  );
}

function close(got: tf.Tensor, want: tf.Tensor, what: string, rel = 1e-5): void {
  assert.deepEqual(got.shape, want.shape, what);
  const g = got.dataSync(),
    w = want.dataSync();
  let scale = 0;
  for (const x of w) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]));
  assert.ok(worst <= rel * Math.max(scale, 1), `${what}: max |Δ| ${worst} > ${rel} × max(1, ${scale})`);
}

/** Values and input gradients of f under a fixed random cotangent. */
function valueAndGrads(f: (...x: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number) {
  const y = f(...inputs);
  const r = rand(y.shape, seed);
  const grads = tf.grads((...x: tf.Tensor[]) => tf.sum(tf.mul(f(...x), r)))(inputs);
  return { y, grads };
}

async function compare(
  name: string,
  fused: (...x: tf.Tensor[]) => tf.Tensor,
  composed: (...x: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  gradInputs = inputs.length,
) {
  await selectBackend({ prefer: "wasm", kernels: "native" });
  assert.ok(fusedOpsActive(), "fused ops active");
  const a = valueAndGrads(fused, inputs, 99);
  const b = valueAndGrads(composed, inputs, 99);
  close(a.y, b.y, `${name} value`);
  for (let i = 0; i < gradInputs; i++) close(a.grads[i], b.grads[i], `${name} d(input ${i})`);
}

test(
  "fused LayerNorm equals the composed one: values, dx, dg, db (ε 1e-5, and BERT's 1e-12)",
  { skip },
  async () => {
    for (const eps of [1e-5, 1e-12])
      for (const [R, d] of [
        [1, 1],
        [37, 16],
        [5, 33],
        [64, 256],
      ]) {
        const x = rand([R, d], 1, 3),
          g = rand([d], 2),
          b = rand([d], 3);
        await compare(
          `LayerNorm ${R}×${d} ε ${eps}`,
          (x, g, b) => fusedLayerNorm(x, g, b, eps),
          (x, g, b) => layerNormComposed(x, g, b, eps),
          [x, g, b],
        );
        tf.dispose([x, g, b]);
      }
  },
);

function layerNormComposed(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  useFusedOps(false);
  try {
    return layerNorm(x, g, b, eps);
  } finally {
    useFusedOps(true);
  }
}

test("fused bias + GELU equals the composed one, tails included: values, dz, db", { skip }, async () => {
  for (const [R, n] of [
    [1, 1],
    [33, 64],
    [7, 31],
  ]) {
    const z = rand([R, n], 4, 6), // u in [−7, 7]: both tails of erf
      b = rand([n], 5);
    await compare(`GELU ${R}×${n}`, fusedBiasGelu, (z, b) => geluErf(tf.add(z, b)), [z, b]);
    tf.dispose([z, b]);
  }
});

test(
  "fused GELU is within 2e-6·(1 + u²/4) relative of the exact GELU from u = −7 to 7",
  { skip },
  async () => {
    // (the float32 rounding of u and of u²/2 inside e^{−u²/2} alone moves the far tail by ~u²·1e-7)
    const us = Array.from({ length: 141 }, (_, i) => Math.fround(-7 + i * 0.1));
    const y = fusedBiasGelu(tf.tensor2d(us, [141, 1]), tf.tensor1d([0])).dataSync();
    us.forEach((u, i) => {
      const exact = 0.5 * u * (1 + erf(u / Math.SQRT2));
      const tol = 2e-6 * (1 + (u * u) / 4) * Math.abs(exact) + 1e-30;
      assert.ok(Math.abs(y[i] - exact) <= tol, `u = ${u}: ${y[i]} vs ${exact}`);
    });
  },
);

/** erf in double precision: the Maclaurin series below 3, the continued fraction of erfc above. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = ax,
      sum = ax;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f);
}

test(
  "fused self-attention equals the composed one with padding and causal masks: values, d(qkv)",
  { skip },
  async () => {
    for (const [B, T, H, dh] of [
      [3, 7, 2, 8],
      [2, 64, 2, 8],
      [1, 33, 4, 16],
      [2, 1, 1, 3],
    ]) {
      const d = H * dh;
      const qkv = rand([B * T, 3 * d], 6, 2);
      // padding: the last two keys of batch entry 0 (when T > 2); causal: u > t
      const pad = tf.tensor4d(
        Array.from({ length: B * T }, (_, i) => (i < T && T > 2 && i >= T - 2 ? -1e9 : 0)),
        [B, 1, 1, T],
      );
      const causal = tf.tensor4d(
        Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)),
        [1, 1, T, T],
      );
      for (const [label, bias] of [
        ["padding", pad],
        ["causal", causal],
      ] as const) {
        const composed = (x: tf.Tensor) => {
          const [q, k, v] = tf.split(x, 3, 1);
          return multiHeadAttention(q, k, v, { B, Tq: T, Tk: T, heads: H, bias });
        };
        await compare(
          `attention ${B}×${T}×${H}×${dh} ${label}`,
          (x) => fusedSelfAttention(x, bias, B, T, H)!,
          composed,
          [qkv],
        );
      }
      tf.dispose([qkv, pad, causal]);
    }
  },
);

const ISAS = ["portable", "avx2", "avx512"];

test(
  "a cross-encoder step with the fused ops has the composed step's loss and weight gradients, on every instruction set",
  { skip },
  async () => {
    await selectBackend({ prefer: "wasm", kernels: "native" });
    // with segment and exact-match embeddings; and with token + position embeddings only
    for (const config of [
      { ...tierConfig("t4", 200, 24, 0, 3), pooling: "mean" as const, matchEmbedding: true },
      { ...tierConfig("t2", 200, 24, 0, undefined), pooling: "mean" as const },
    ])
      await compareStep(config);
  },
);

async function compareStep(config: ModelConfig): Promise<void> {
  {
    const model = createCrossEncoder(config, 3);
    const n = 22,
      T = 24;
    const ids = new Int32Array(n * T).map((_, i) =>
      i % T === 0 ? 2 : i % T === 5 || i % T === T - 4 ? 3 : i % T > T - 4 ? 0 : 5 + ((i * 7919) % 150),
    );
    const labels = tf.tensor1d(new Float32Array(n).map((_, i) => (i % 11 === 0 ? 1 : 0)));
    const idsT = tf.tensor2d(ids, [n, T], "int32");
    const vars = [...model.weights.values()];
    const step = (fused: boolean) => {
      useFusedOps(fused);
      try {
        return tf.variableGrads(() => objectiveLoss("listwise", model.score(idsT), labels, 11), vars);
      } finally {
        useFusedOps(true);
      }
    };
    const b = step(false);
    // on every instruction set this CPU runs, the portable C++ included
    const mod = (native as { mod: NativeModule }).mod;
    const best = mod.isa();
    try {
      for (const isa of ISAS.slice(0, ISAS.indexOf(best) + 1)) {
        mod.setIsa(isa);
        const a = step(true);
        close(a.value, b.value, `${isa} loss`);
        for (const v of vars) close(a.grads[v.name], b.grads[v.name], `${isa} d ${v.name}`);
        tf.dispose([a.value, ...Object.values(a.grads)]);
      }
    } finally {
      mod.setIsa(best);
    }
    tf.dispose([b.value, ...Object.values(b.grads), idsT, labels]);
    model.dispose();
  }
}
