/**
 * Memory of training the largest `mini` tier: peak RSS, and whether anything grows
 * across steps. Trains the tier on the real `mini` trainer data (the embedded collection, the
 * profile's sequence length and batch) with the objective's real batches for a number of steps,
 * sampling after each step:
 *   - RSS (`process.memoryUsage().rss`),
 *   - live tfjs tensors and their bytes (`tf.memory()`),
 *   - the wasm heap size where the backend has one (it only ever grows; growth means a leak or
 *     fragmentation).
 * A checkpoint evaluation (rerank the eval candidates, as the trainer does) runs after a third of
 * the steps; its larger batches grow the wasm heap once (wasm memory never shrinks). Growth across
 * steps is measured on the last half of the steps, after that evaluation: the least-squares slope
 * of RSS in KiB per step, and the growth of live tensors, their bytes and the wasm heap.
 *
 * With the native kernels built, the same runs use them too (a `kernels` column), and one long
 * listwise run of MEMORY_LONG_STEPS (2,000) native steps checks that RSS stays flat (its change
 * over the last half, in %, within ±5 %).
 *
 *   npm run bench -- memory            # t4, listwise and pointwise, 80 steps each (+ the long run)
 *   node --import tsx bench/memory.bench.ts [tier] [steps]
 */
import * as lib from "scalerank";
import { printTable, writeBench, peakRssMiB, type BenchRow } from "./common";

const MiB = 1024 * 1024;

/** Least-squares slope of y over x. */
function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length,
    mx = x.reduce((a, b) => a + b, 0) / n,
    my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

/** Size of the wasm backend's heap in bytes, or null on other backends. */
function wasmHeapBytes(): number | null {
  const b = lib.tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8 ? b.wasm.HEAPU8.length : null;
}

async function measure(
  data: lib.TrainerData,
  tier: string,
  objective: lib.Objective,
  steps: number,
): Promise<BenchRow> {
  const cfg = lib.PROFILE_TRAIN_CONFIGS.mini;
  const mc = lib.scratchModelConfig(tier, data, cfg.train); // the model the trainer builds for this tier
  const model = lib.createCrossEncoder(mc, 1);
  const opt = lib.createOptimizer(model, cfg.train.adamw);
  const isGroup = objective !== "pointwise";
  const cursor = new lib.BatchCursor(
    data,
    isGroup ? "group" : "row",
    isGroup ? cfg.train.groupsPerStep : cfg.train.pairsPerStep,
    1,
  );
  const evalAt = Math.floor(steps / 3),
    from = Math.floor(steps / 2);
  const xs: number[] = [],
    rss: number[] = [],
    tensors: number[] = [];
  let heap0: number | null = null,
    bytes0 = 0;
  for (let s = 1; s <= steps; s++) {
    await lib.trainStep(model, opt, objective, cursor.next(), data.groupSize, 1e-4);
    if (s === evalAt) await lib.evaluateModel(model, data);
    const m = lib.tf.memory();
    if (s === from) {
      heap0 = wasmHeapBytes();
      bytes0 = m.numBytes;
    }
    if (s >= from) {
      xs.push(s);
      rss.push(process.memoryUsage().rss);
      tensors.push(m.numTensors);
    }
  }
  const heap1 = wasmHeapBytes();
  const bytes1 = lib.tf.memory().numBytes;
  opt.dispose();
  model.dispose();
  return {
    kernels: lib.currentBackend()?.kernels ?? "",
    tier,
    objective,
    steps,
    "nonEmbedding params": lib.countParams(mc).nonEmbedding,
    "RSS at step steps/2 MiB": Math.round(rss[0] / MiB),
    "RSS at end MiB": Math.round(rss[rss.length - 1] / MiB),
    "RSS slope KiB/step": Math.round((slope(xs, rss) / 1024) * 10) / 10,
    "RSS change %": Math.round(((rss[rss.length - 1] - rss[0]) / rss[0]) * 1000) / 10,
    "tensors min..max": `${Math.min(...tensors)}..${Math.max(...tensors)}`,
    "tensor bytes growth": bytes1 - bytes0,
    "wasm heap growth MiB":
      heap0 === null || heap1 === null ? "n/a" : Math.round(((heap1 - heap0) / MiB) * 10) / 10,
  };
}

async function main(): Promise<void> {
  const tier = process.argv[2] ?? "t4";
  const steps = Number(process.argv[3] ?? 80);
  const sel = await lib.selectBackend();
  const cfg = lib.PROFILE_TRAIN_CONFIGS.mini;
  const data = await lib.prepareTrainerData("mini", cfg);
  const rows: BenchRow[] = [];
  const native = "mod" in lib.loadNative();
  for (const kernels of native ? ["wasm", "native"] : ["wasm"]) {
    if (sel.backend === "wasm") await lib.selectBackend({ kernels });
    for (const objective of ["listwise", "pointwise"] as const)
      rows.push(await measure(data, tier, objective, steps));
  }
  if (native && sel.backend === "wasm") {
    await lib.selectBackend({ kernels: "native" });
    rows.push(await measure(data, tier, "listwise", Number(process.env.MEMORY_LONG_STEPS ?? 2000)));
  }
  const peak = Math.round(peakRssMiB());
  printTable(
    `training memory, tier ${tier} of the mini profile (${sel.backend}); peak RSS of the process ${peak} MiB`,
    rows,
  );
  writeBench("memory", rows, {
    backend: sel.backend,
    peakRssMiB: peak,
    seqLen: data.seqLen,
    note: "A checkpoint evaluation runs at steps/3; RSS, tensors, tensor bytes and the wasm heap are compared over the last half of the steps. Flat tensors, zero tensor-byte and heap growth and a near-zero RSS slope mean no growth across steps.",
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
