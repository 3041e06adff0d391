/**
 * The GPU check: on a machine with a GPU (and no Node or network: `npm run gpu-pack` packs what it
 * needs into .device/), first the WebGPU correctness check against the wasm reference (one step
 * per objective: loss, gradients, AdamW update), then training throughput of the paper profile's
 * from-scratch tiers t5–t9 (and the Ettin shapes, from data/checkpoints/ettin-encoder-* config.json
 * files when they are present) on WebGPU, next to PyTorch on the same model in the same call
 * (bench/train_torch_peer.py, CUDA when PyTorch sees a GPU). Writes one JSON file.
 *
 *   node --import tsx bench/gpu_check.ts [--quick] [--out results/bench/gpu.json] [--python PY]
 *   bash .device/run.sh [--quick]      (what the GPU machine runs; $OUT/gpu.json)
 *
 * `--quick` (a CPU with a software adapter) measures t5 and t6 at T = 32, batch 8, two steps.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import {
  compareSteps,
  countParams,
  createCrossEncoder,
  createOptimizer,
  currentBackend,
  readEncoderConfig,
  probeWebGpu,
  selectBackend,
  stepOnBackend,
  tierConfig,
  trainFlopsPerExample,
  trainStep,
  writeJsonAtomic,
  ETTIN_SIZES,
  type ModelConfig,
} from "../lib/src";

interface Shape {
  name: string;
  layers: number;
  dModel: number;
  heads: number;
}

interface Args {
  quick: boolean;
  out: string;
  python: string;
  checkpoints: string;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, dflt: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
  };
  return {
    quick: argv.includes("--quick"),
    out: get("out", path.join("results", "bench", "gpu.json")),
    python: get("python", process.env.SCALERANK_PYTHON ?? "python3"),
    checkpoints: get("checkpoints", path.join("data", "checkpoints")),
  };
}

/** The Ettin shapes from their config.json files under `root` (missing folders are left out). */
function ettinShapes(root: string): Shape[] {
  return ETTIN_SIZES.flatMap(({ size }) => {
    const file = path.join(root, `ettin-encoder-${size}`, "config.json");
    if (!fs.existsSync(file)) return [];
    const c = readEncoderConfig(file);
    return [{ name: `ettin-${size}`, layers: c.numLayers, dModel: c.hiddenSize, heads: c.numHeads }];
  });
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];

/** Seconds per training step (median after warm-up) of a from-scratch model of `shape` on the selected backend. */
async function timeSteps(c: ModelConfig, B: number, T: number, steps: number): Promise<number> {
  const model = createCrossEncoder(c, 1);
  const opt = createOptimizer(model);
  const ids = new Int32Array(B * T).map((_, i) => 5 + (((i * 2654435761) >>> 0) % (c.vocabSize - 5)));
  for (let b = 0; b < B; b++) {
    ids[b * T] = 2;
    ids[b * T + T / 4 - 1] = 3;
    ids[b * T + T - 1] = 3;
  }
  const labels = new Float32Array(B).map((_, i) => (i % 11 === 0 ? 1 : 0));
  const times: number[] = [];
  for (let s = 0; s < steps + 1; s++) {
    const t0 = performance.now();
    await trainStep(model, opt, "pointwise", { ids, labels, n: B, seqLen: T }, 11, 1e-3);
    if (s > 0) times.push((performance.now() - t0) / 1000);
  }
  model.dispose();
  opt.dispose();
  return median(times);
}

/** PyTorch on the same shape (bench/train_torch_peer.py, device auto), or why not. */
function torchPeer(a: Args, s: Shape, T: number, B: number, steps: number, V: number) {
  const script = path.join(__dirname, "train_torch_peer.py");
  const args = [script, String(s.layers), String(s.dModel), String(T), String(B), String(steps), "1", "2"];
  const r = spawnSync(a.python, [...args, String(s.heads), "auto", String(V)], { encoding: "utf8" });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || "failed").trim().split("\n").pop() };
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as {
    engine: string;
    device: string;
    secondsPerStep: number;
  };
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  const probe = await probeWebGpu();
  const report: Record<string, unknown> = {
    written: new Date().toISOString(),
    host: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}`,
    adapter: probe.detail,
    software: probe.software,
  };
  if (!probe.ok) {
    console.error(`no WebGPU adapter: ${probe.detail}`);
    writeJsonAtomic(a.out, { ...report, error: "no WebGPU adapter" });
    return 1;
  }
  const checks = [];
  for (const objective of ["pointwise", "pairwise", "listwise"] as const) {
    const c = compareSteps(await stepOnBackend("webgpu", objective), await stepOnBackend("wasm", objective));
    const ok =
      c.lossRelative <= 1e-5 &&
      c.gradientRelative < 1e-4 &&
      c.weightRelative < 1e-4 &&
      c.zeroGradientMax < 1e-4;
    checks.push({ objective, ...c, ok });
    console.log(
      `webgpu vs wasm, ${objective}: loss ${c.lossRelative.toExponential(1)}, gradients ${c.gradientRelative.toExponential(1)}, weights ${c.weightRelative.toExponential(1)} ${ok ? "ok" : "DIFFERENT"}`,
    );
  }
  report.correctness = checks;
  await selectBackend({ prefer: "webgpu" });
  const [T, B, steps, V] = a.quick ? [32, 8, 2, 8192] : [128, 32, 5, 30522];
  const shapes: Shape[] = [
    ...(a.quick ? ["t5", "t6"] : ["t5", "t6", "t7", "t8", "t9"]).map((name) => {
      const c = tierConfig(name, V, T, 0, 3);
      return { name, layers: c.layers, dModel: c.dModel, heads: c.heads };
    }),
    ...(a.quick ? [] : ettinShapes(a.checkpoints)),
  ];
  const rows = [];
  for (const s of shapes) {
    const c: ModelConfig = {
      ...tierConfig(s.name.startsWith("t") ? s.name : "t5", V, T, 0, 3),
      layers: s.layers,
      dModel: s.dModel,
      heads: s.heads,
    };
    const sec = await timeSteps(c, B, T, steps);
    const flops = B * trainFlopsPerExample(c, T);
    const torch = torchPeer(a, s, T, B, steps, V);
    const torchSec = "secondsPerStep" in torch ? torch.secondsPerStep : null;
    const row = {
      shape: s.name,
      layers: s.layers,
      d: s.dModel,
      nonEmbedding: countParams(c).nonEmbedding,
      T,
      B,
      engine: `tfjs ${currentBackend()?.backend}`,
      examplesPerSecond: B / sec,
      tflops: flops / sec / 1e12,
      torch: "engine" in torch ? `${torch.engine} on ${torch.device}` : `unavailable: ${torch.error}`,
      torchExamplesPerSecond: torchSec ? B / torchSec : null,
      ratio: torchSec ? torchSec / sec : null,
    };
    rows.push(row);
    console.log(
      `${s.name}: ${row.examplesPerSecond.toFixed(1)} examples/s, ${row.tflops.toFixed(3)} TFLOP/s; ${row.torch}` +
        (row.ratio ? `, ratio ${row.ratio.toFixed(2)}` : ""),
    );
  }
  report.throughput = rows;
  writeJsonAtomic(a.out, report);
  console.log(`wrote ${a.out}`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);
