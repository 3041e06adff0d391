/**
 * The native kernels (native/, backend/native.ts) against the wasm kernels they replace: BatchMatMul
 * on random and edge shapes (sizes 1, odd, 31/33, every transpose pair, broadcast and rank-4
 * batches, an output that grows the wasm heap) on every instruction set this CPU runs, the portable
 * one included; a 50-step training run with native and with wasm kernels agreeing on the loss curve;
 * and the selection: `wasm` forced, `native` refused where the module cannot load (exit 2 on the
 * CLI), `auto` falling back to wasm with one line. Skipped, with the reason, where the module was
 * not built (no C++ compiler).
 */
import { createRng } from "../../src/util/rng";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { selectBackend, tf, loadNative, parseKernelsRequest } from "../../src/backend";
import { createCrossEncoder, tierConfig } from "../../src/model";
import { createOptimizer, trainStep } from "../../src/train/step";
import { AdamW } from "../../src/train/optimizer";

const native = loadNative();
const skip = "why" in native ? `native kernels ${native.why}` : false;
const ROOT = path.resolve(__dirname, "..", "..", "..");

/** n uniform values in [-1, 1) from the library's seeded generator. */
function randomValues(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

const CASES: Array<{ a: number[]; b: number[]; tA: boolean; tB: boolean }> = [];
for (const tA of [false, true])
  for (const tB of [false, true]) {
    const op = (rows: number, cols: number, t: boolean) => (t ? [cols, rows] : [rows, cols]);
    for (const [M, K, N] of [
      [1, 1, 1],
      [3, 7, 5],
      [31, 33, 17],
      [33, 31, 64],
      [64, 16, 48],
      [97, 300, 33],
      [8, 64, 8],
    ]) {
      CASES.push({ a: op(M, K, tA), b: op(K, N, tB), tA, tB });
      CASES.push({ a: [3, ...op(M, K, tA)], b: [3, ...op(K, N, tB)], tA, tB }); // equal batches
      CASES.push({ a: [2, 3, ...op(M, K, tA)], b: op(K, N, tB), tA, tB }); // b broadcast
      CASES.push({ a: op(M, K, tA), b: [2, ...op(K, N, tB)], tA, tB }); // a broadcast
    }
  }

async function matmulOn(kernels: string, c: (typeof CASES)[number], seed: number): Promise<Float32Array> {
  await selectBackend({ prefer: "wasm", kernels });
  const n = (s: number[]) => s.reduce((p, q) => p * q, 1);
  const a = tf.tensor(randomValues(n(c.a), seed), c.a),
    b = tf.tensor(randomValues(n(c.b), seed + 1), c.b);
  const out = tf.matMul(a, b, c.tA, c.tB);
  const v = out.dataSync() as Float32Array;
  tf.dispose([a, b, out]);
  return v;
}

test(
  "native BatchMatMul equals the wasm kernel on random and edge shapes, on every instruction set",
  { skip },
  async () => {
    const mod = (native as { mod: import("../../src/backend").NativeModule }).mod;
    const best = mod.isa();
    const isas = ["portable", "avx2", "avx512"].slice(0, ["portable", "avx2", "avx512"].indexOf(best) + 1);
    try {
      for (const isa of isas) {
        mod.setIsa(isa);
        for (const [i, c] of CASES.entries()) {
          const want = await matmulOn("wasm", c, 10 * i);
          const got = await matmulOn("native", c, 10 * i);
          assert.equal(got.length, want.length);
          // |a|, |b| ≤ 1: a float32 sum of K products differs by at most K·2⁻²³ per unit of Σ|a·b| ≤ K
          const K = c.tA ? c.a[c.a.length - 2] : c.a[c.a.length - 1];
          const tol = K * K * 2 ** -23;
          for (let j = 0; j < got.length; j++)
            assert.ok(
              Math.abs(got[j] - want[j]) <= tol,
              `${isa} ${JSON.stringify(c)}[${j}]: ${got[j]} vs ${want[j]}`,
            );
        }
      }
    } finally {
      mod.setIsa(best);
    }
  },
);

test("a native product whose output grows the wasm heap reads the grown heap", { skip }, async () => {
  await selectBackend({ prefer: "wasm", kernels: "native" });
  const heap = () =>
    (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
  const before = heap();
  // an output of (before / 4 + 1M) floats cannot fit in the heap as it is
  const rows = Math.ceil(before / 4 / 1024) + 1024;
  const a = tf.tensor2d(randomValues(rows * 3, 5), [rows, 3]),
    b = tf.tensor2d(randomValues(3 * 1024, 6), [3, 1024]);
  const out = tf.matMul(a, b);
  assert.ok(heap() > before, `heap grew: ${before} → ${heap()}`);
  const av = a.dataSync(),
    bv = b.dataSync(),
    ov = out.dataSync();
  for (const [i, j] of [
    [0, 0],
    [rows - 1, 1023],
    [rows >> 1, 517],
  ]) {
    const want = av[i * 3] * bv[j] + av[i * 3 + 1] * bv[1024 + j] + av[i * 3 + 2] * bv[2048 + j];
    assert.ok(
      Math.abs(ov[i * 1024 + j] - want) < 1e-5,
      `out[${i}, ${j}] = ${ov[i * 1024 + j]}, want ${want}`,
    );
  }
  tf.dispose([a, b, out]);
});

async function lossCurve(kernels: string, steps: number): Promise<number[]> {
  const sel = await selectBackend({ prefer: "wasm", kernels });
  assert.equal(sel.kernels.startsWith("native"), kernels === "native", sel.kernels);
  const config = { ...tierConfig("t3", 300, 32, 0, 3), pooling: "mean" as const, matchEmbedding: true };
  const model = createCrossEncoder(config, 7);
  const opt = createOptimizer(model);
  const n = 22,
    T = 32;
  const ids = new Int32Array(n * T);
  const r = randomValues(n * T, 9);
  for (let i = 0; i < n; i++) {
    ids[i * T] = 2;
    for (let t = 1; t < T - 4; t++) ids[i * T + t] = 5 + Math.floor((r[i * T + t] + 1) * 20);
    ids[i * T + 6] = 3;
    ids[i * T + T - 5] = 3;
  }
  const labels = new Float32Array(n).map((_, i) => (i % 11 === 0 ? 1 : 0));
  const losses: number[] = [];
  for (let s = 0; s < steps; s++)
    losses.push((await trainStep(model, opt, "listwise", { ids, labels, n, seqLen: T }, 11, 3e-3)).loss);
  opt.dispose();
  model.dispose();
  return losses;
}

test(
  "50 training steps with native and with wasm kernels agree on the loss curve to 1e-4",
  { skip },
  async () => {
    const wasm = await lossCurve("wasm", 50);
    const nat = await lossCurve("native", 50);
    assert.ok(wasm[49] < wasm[0] - 0.05, `the run learns: ${wasm[0]} → ${wasm[49]}`);
    nat.forEach((l, i) =>
      assert.ok(Math.abs(l - wasm[i]) <= 1e-4, `step ${i}: native ${l}, wasm ${wasm[i]}`),
    );
  },
);

test("kernel requests: parsed, native refused on another backend", async () => {
  assert.equal(parseKernelsRequest(undefined), "auto");
  assert.equal(parseKernelsRequest(" Native "), "native");
  assert.throws(() => parseKernelsRequest("fast"), /native, wasm or auto/);
  await assert.rejects(selectBackend({ prefer: "cpu", kernels: "native" }), /wasm backend/);
  const sel = await selectBackend({ prefer: "wasm", kernels: "wasm" });
  assert.equal(sel.kernels, "wasm");
});

test("without the module: auto runs on wasm saying so once, and --kernels native exits 2", () => {
  const env = { ...process.env, SCALERANK_NATIVE_MODULE: path.join(ROOT, "native", "no-such.node") };
  const probe = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      'const b = require("./lib/src/backend"); b.selectBackend({ prefer: "wasm" }).then((s) => b.selectBackend({ prefer: "wasm" })).then((s) => console.log("KERNELS " + s.kernels))',
    ],
    { cwd: ROOT, env, encoding: "utf8" },
  );
  assert.equal(probe.status, 0, probe.stderr);
  assert.match(probe.stdout, /KERNELS wasm/);
  assert.equal(probe.stderr.match(/native kernels not built/g)?.length, 1, probe.stderr);
  const cli = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/train.ts", "--profile", "smoke", "--kernels", "native"],
    { cwd: ROOT, env, encoding: "utf8" },
  );
  assert.equal(cli.status, 2, cli.stdout + cli.stderr);
  assert.match(cli.stderr, /kernels.*not built/);
});

test("native embedding gather, scatter-add and AdamW equal the JavaScript kernels", { skip }, async () => {
  const run = async (kernels: string) => {
    await selectBackend({ prefer: "wasm", kernels });
    const table = tf.tensor2d(randomValues(37 * 5, 1), [37, 5]);
    const ids = tf.tensor1d([0, 36, 3, 3, 17, 1], "int32");
    const rows = tf.gather(table, ids);
    // the gather's gradient is the scatter-add (UnsortedSegmentSum), out-of-range ids dropped
    const seg = tf.unsortedSegmentSum(
      tf.tensor2d(randomValues(6 * 5, 2), [6, 5]),
      tf.tensor1d([4, -1, 4, 36, 37, 0], "int32"),
      37,
    );
    const bad = (() => {
      try {
        tf.gather(table, tf.tensor1d([2, 37], "int32"));
        return "no error";
      } catch (e) {
        return (e as Error).message;
      }
    })();
    // AdamW through the optimizer: two steps on two parameters, one with weight decay

    const p = [
      tf.variable(tf.tensor1d(randomValues(33, 3))),
      tf.variable(tf.tensor2d(randomValues(12, 4), [3, 4])),
    ];
    const opt = new AdamW(p, [true, false]);
    for (let s = 0; s < 2; s++) {
      const g = [tf.tensor1d(randomValues(33, 5 + s)), tf.tensor2d(randomValues(12, 7 + s), [3, 4])];
      tf.dispose([opt.apply(g, 1e-2), ...g]);
    }
    const out = {
      rows: Array.from(rows.dataSync()),
      seg: Array.from(seg.dataSync()),
      bad,
      params: p.map((v) => Array.from(v.dataSync())),
    };
    opt.dispose();
    tf.dispose([table, ids, rows, seg, ...p]);
    return out;
  };
  const js = await run("wasm");
  const nat = await run("native");
  assert.deepEqual(nat.rows, js.rows, "gather");
  assert.deepEqual(nat.seg, js.seg, "scatter-add");
  assert.equal(nat.bad, js.bad, "out-of-range id");
  assert.match(nat.bad, /index value 37/);
  // the same float32 operations in the same order: identical parameters
  assert.deepEqual(nat.params, js.params, "AdamW");
});
