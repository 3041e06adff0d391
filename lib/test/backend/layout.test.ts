/**
 * The wasm `SplitV` and `Sum` patches (kernel patches 6 and 7 in backend/kernels.ts) against the
 * arithmetic they replace: splits equal the cpu backend's exactly; a sum over outer or middle axes
 * equals, bit for bit, the stock wasm kernel's sum of the transposed input over its innermost axes
 * (the same float32 order), and lies within the float32 error bound of the exact sum. Random and edge shapes.
 */
import { createRng } from "../../src/util/rng";
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadNative, selectBackend, tf } from "../../src/backend";
import { splitRows, sumMiddleAxis } from "../../src/backend/kernels";

/** n uniform values in [-2, 2) from the library's seeded generator. */
function randomValues(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 4 - 2);
}

async function onBackend<T>(name: string, f: () => Promise<T>): Promise<T> {
  await selectBackend({ prefer: name as "wasm" | "cpu" });
  return f();
}

test("splitRows and sumMiddleAxis by hand", () => {
  // x = [[1 2 3 4 5], [6 7 8 9 10]] split [2, 3] along the last axis
  const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const a = new Float32Array(4),
    b = new Float32Array(6);
  splitRows(x, 2, 5, [2, 3], 1, [a, b]);
  assert.deepEqual(Array.from(a), [1, 2, 6, 7]);
  assert.deepEqual(Array.from(b), [3, 4, 5, 8, 9, 10]);
  // x as [outer 1, reduce 2, inner 5]: column sums
  const out = new Float32Array(5);
  sumMiddleAxis(x, 1, 2, 5, out);
  assert.deepEqual(Array.from(out), [7, 9, 11, 13, 15]);
});

const SPLITS: Array<{ shape: number[]; splits: number | number[]; axis: number }> = [
  { shape: [7, 48], splits: 3, axis: 1 }, // the Q/K/V split
  { shape: [2, 5, 9], splits: [2, 3, 4], axis: -1 },
  { shape: [6, 4], splits: [1, -1], axis: 0 },
  { shape: [3, 4, 5], splits: 2, axis: 1 }, // inner > 1
  { shape: [3, 200], splits: 2, axis: 1 }, // wide parts (typed-array copies)
  { shape: [1, 1, 1], splits: 1, axis: 2 },
  { shape: [33, 31], splits: [30, 1], axis: 1 },
];

test("patched wasm SplitV equals the cpu split on random and edge shapes, float32 and int32", async () => {
  const sel = await selectBackend({ prefer: "wasm" });
  assert.ok(
    sel.patches.some((p) => p.startsWith("SplitV")),
    sel.patches.join("; "),
  );
  for (const [k, c] of SPLITS.entries()) {
    for (const dtype of ["float32", "int32"] as const) {
      const n = c.shape.reduce((p, q) => p * q, 1);
      const vals = randomValues(n, 7 + k).map((v) => (dtype === "int32" ? Math.round(v * 100) : v));
      const run = () => {
        const x = tf.tensor(vals, c.shape, dtype);
        const parts = tf.split(x, c.splits, c.axis);
        const out = parts.map((p) => ({ shape: p.shape, values: Array.from(p.dataSync()) }));
        tf.dispose([x, ...parts]);
        return Promise.resolve(out);
      };
      const wasm = await onBackend("wasm", run);
      const cpu = await onBackend("cpu", run);
      assert.deepEqual(wasm, cpu, `${JSON.stringify(c)} ${dtype}`);
    }
  }
});

const SUMS: Array<{ shape: number[]; axis: number | number[]; keepDims?: boolean }> = [
  { shape: [64, 16], axis: 0 }, // a bias gradient
  { shape: [8, 64, 16], axis: [0, 1] },
  { shape: [8, 64, 16], axis: 1, keepDims: true }, // mean pooling
  { shape: [3, 4, 5, 6], axis: [1, 2] },
  { shape: [33, 31], axis: -2 },
  { shape: [1, 1], axis: 0 },
  { shape: [1, 7], axis: 0 },
  { shape: [5, 1, 3], axis: 1 },
];

const KERNELS = "mod" in loadNative() ? ["wasm", "native"] : ["wasm"];

test("patched wasm Sum over outer and middle axes equals the stock kernel bit for bit (JS and native)", async () => {
  for (const kernels of KERNELS) {
    await selectBackend({ prefer: "wasm", kernels });
    for (const [k, c] of SUMS.entries()) {
      const n = c.shape.reduce((p, q) => p * q, 1);
      const x = tf.tensor(randomValues(n, 100 + k), c.shape);
      const got = tf.sum(x, c.axis, c.keepDims);
      // the stock path: move the reduced axes innermost, then sum them (no transpose inside the kernel)
      const axes = tf.util.parseAxisParam(c.axis, c.shape);
      const kept = c.shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const moved = tf.transpose(x, [...kept, ...axes]);
      const stock = tf.sum(
        moved,
        axes.map((_, i) => kept.length + i),
      );
      const expectShape = c.keepDims ? c.shape.map((s, i) => (axes.includes(i) ? 1 : s)) : stock.shape;
      assert.deepEqual(got.shape, expectShape, JSON.stringify(c));
      assert.deepEqual(Array.from(got.dataSync()), Array.from(stock.dataSync()), JSON.stringify(c));
      tf.dispose([x, got, moved, stock]);
    }
  }
});

test("patched wasm Sum is within the float32 summation bound of the exact sum; its gradient (a bias gradient) is unchanged", async () => {
  await selectBackend({ prefer: "wasm" });
  for (const [k, c] of SUMS.entries()) {
    const n = c.shape.reduce((p, q) => p * q, 1);
    const vals = randomValues(n, 200 + k);
    const x = tf.tensor(vals, c.shape);
    const s = tf.sum(x, c.axis);
    const got = s.dataSync();
    // exact (float64) sums and Σ|x| per output, by walking every element's output index
    const axes = tf.util.parseAxisParam(c.axis, c.shape);
    const exact = new Float64Array(got.length),
      abs = new Float64Array(got.length);
    const rank = c.shape.length;
    const stride = (dims: number[], i: number) => dims.slice(i + 1).reduce((p, q) => p * q, 1);
    const outDims = c.shape.filter((_, i) => !axes.includes(i));
    for (let e = 0; e < n; e++) {
      let o = 0,
        od = 0;
      for (let i = 0; i < rank; i++) {
        const idx = Math.floor(e / stride(c.shape, i)) % c.shape[i];
        if (!axes.includes(i)) o += idx * stride(outDims, od++);
      }
      exact[o] += vals[e];
      abs[o] += Math.abs(vals[e]);
    }
    const reduce = n / got.length;
    got.forEach((v, i) => {
      const bound = reduce * 2 ** -24 * abs[i] + 1e-7;
      assert.ok(Math.abs(v - exact[i]) <= bound, `${JSON.stringify(c)}[${i}]: ${v} vs ${exact[i]}`);
    });
    tf.dispose([x, s]);
  }
  // d/db Σ (x + b)² over [rows, d] = 2·Σ_rows (x + b): the broadcast-add gradient sums over rows
  const n0 = tf.memory().numTensors;
  const xv = randomValues(12 * 5, 3);
  const x = tf.tensor2d(xv, [12, 5]);
  const b0 = tf.tensor1d([0.1, -0.2, 0.3, 0, 1]);
  const b = tf.variable(b0);
  const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(tf.add(x, b))) as tf.Scalar, [b]);
  const g = Array.from(grads[b.name].dataSync());
  const bv = [0.1, -0.2, 0.3, 0, 1];
  for (let j = 0; j < 5; j++) {
    let want = 0;
    for (let i = 0; i < 12; i++) want += 2 * (xv[i * 5 + j] + bv[j]);
    assert.ok(Math.abs(g[j] - want) < 1e-4, `db[${j}] = ${g[j]}, want ${want}`);
  }
  tf.dispose([x, b0, b, value, grads[b.name]]);
  assert.equal(tf.memory().numTensors, n0);
});
