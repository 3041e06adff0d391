/**
 * `npm run bench -- speed`: the project's engine against PyTorch on this CPU, on three configs:
 *
 * - A: the `mini` grid's real workload, one t3 listwise training step (8 groups × 11, T 64, segment
 *   and exact-match embeddings, mean pooling);
 * - B: 4 layers × d 256, T 128, batch 32, BCE (the larger config of bench/train.bench.ts);
 * - C: scoring with the A model in batches of 200 (no gradients).
 *
 * Engines: the project's tfjs engine on the wasm backend with the native kernels (when built) and
 * with the wasm kernels, and the PyTorch peer
 * (bench/speed_torch_peer.py, the same model and step) with 1 and 2 threads. Each measurement is a
 * fresh process (a few warm-up steps, then timed steps; its median); rounds alternate the engines
 * config by config, and the table gives the median over rounds. `ratio` = torch 1-thread median /
 * engine median: above 1 the engine is faster than one PyTorch thread. Writes
 * results/bench/speed.json with one row per config and engine:
 * `{config, engine, median_ms, torch1_median_ms, ratio}`. Without PyTorch it says how to install
 * it and the ratios are null.
 *
 *   npm run bench -- speed                              # 3 rounds
 *   SPEED_ROUNDS=5 npm run bench -- speed
 *   node --import tsx bench/speed.bench.ts --child A    # one measurement (internal)
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { findPython, pythonHint } from "../scripts/python";
import { printTable, runChild, writeBench, type BenchRow } from "./common";
import { profileConfig, syntheticBatch } from "./train_profile";
import { loadNative, selectBackend, tf } from "../lib/src/backend";
import { createCrossEncoder } from "../lib/src/model";
import { createOptimizer, scoreRows, trainStep } from "../lib/src/train/step";

type ConfigName = "A" | "B" | "C";
const CONFIGS: Record<ConfigName, { profile: string; mode: "train" | "score"; what: string }> = {
  A: { profile: "t3-listwise", mode: "train", what: "mini t3 listwise step, 8 groups × 11, T 64" },
  B: { profile: "4x256", mode: "train", what: "4 × d 256 step, T 128, batch 32, BCE" },
  C: { profile: "t3-listwise", mode: "score", what: "scoring a batch of 200 with the A model" },
};
const SCORE_BATCH = 200;
/** Warm-up and timed steps per measurement (B's steps take seconds on wasm, so fewer). */
const STEPS: Record<ConfigName, { warmup: number; steps: number }> = {
  A: { warmup: 3, steps: 15 },
  B: { warmup: 1, steps: 3 },
  C: { warmup: 2, steps: 10 },
};

interface Measurement {
  engine: string;
  median_ms: number;
  times_ms: number[];
  losses: number[];
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The model config, batch size and objective that a config name stands for. */
function shapes(name: ConfigName) {
  const c = profileConfig(CONFIGS[name].profile);
  return { ...c, n: CONFIGS[name].mode === "score" ? SCORE_BATCH : c.n };
}

async function child(name: ConfigName, kernels: string): Promise<void> {
  const sel = await selectBackend({ prefer: "wasm", kernels });
  const c = shapes(name);
  const model = createCrossEncoder(c.model, 1);
  const opt = createOptimizer(model);
  const { ids, labels } = syntheticBatch(c);
  const { warmup, steps } = STEPS[name];
  const times: number[] = [],
    losses: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = performance.now();
    if (CONFIGS[name].mode === "score") {
      losses.push((await scoreRows(model, ids, c.n, c.T, SCORE_BATCH))[0]);
    } else {
      const batch = { ids, labels, n: c.n, seqLen: c.T };
      losses.push((await trainStep(model, opt, c.objective, batch, c.groupSize, 1e-3)).loss);
    }
    if (s >= warmup) times.push(performance.now() - t0);
  }
  const m: Measurement = { engine: `tfjs ${sel.kernels}`, median_ms: median(times), times_ms: times, losses };
  process.stdout.write("RESULT " + JSON.stringify(m) + "\n");
  tf.disposeVariables();
}

function runEngine(name: ConfigName, kernels: string): Measurement | string {
  return runChild<Measurement>(__filename, ["--child", name, kernels], 10 * 60 * 1000);
}

function runTorch(name: ConfigName, threads: number): Measurement | string {
  const py = findPython(["torch"]);
  if (!py) return `skipped: ${pythonHint(["torch"])}`;
  const c = shapes(name);
  const arg = {
    L: c.model.layers,
    d: c.model.dModel,
    heads: c.model.heads,
    V: c.model.vocabSize,
    T: c.T,
    n: c.n,
    objective: c.objective,
    group: c.groupSize,
    match: !!c.model.matchEmbedding,
    mode: CONFIGS[name].mode,
    threads,
    ...STEPS[name],
  };
  const r = spawnSync(py, [path.join(__dirname, "speed_torch_peer.py"), JSON.stringify(arg)], {
    encoding: "utf8",
    timeout: 10 * 60 * 1000,
  });
  if (r.status !== 0)
    return `failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? "").split("\n").slice(-2).join(" ")}`;
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Measurement;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") return child(argv[1] as ConfigName, argv[2]);
  const native = loadNative();
  const kernels = "mod" in native ? ["native", "wasm"] : ["wasm"];
  if ("why" in native) console.log(`native kernels ${native.why}: measuring the wasm kernels only`);
  const rounds = Number(process.env.SPEED_ROUNDS ?? 3);
  const names = Object.keys(CONFIGS) as ConfigName[];
  // per config and engine label: one median per round
  const perRound = new Map<string, number[]>();
  const skipped: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const name of names) {
      const runs: Array<[string, () => Measurement | string]> = [
        ...kernels.map((k): [string, () => Measurement | string] => ["engine", () => runEngine(name, k)]),
        ["torch 1 thread", () => runTorch(name, 1)],
        ["torch 2 threads", () => runTorch(name, 2)],
      ];
      // alternate which side goes first from round to round
      if (round % 2 === 0) runs.reverse();
      for (const [label, run] of runs) {
        const m = run();
        if (typeof m === "string") {
          if (!skipped.includes(`${label}: ${m}`)) skipped.push(`${label}: ${m}`);
          continue;
        }
        const key = `${name}\t${label === "engine" ? m.engine : label}`;
        perRound.set(key, [...(perRound.get(key) ?? []), m.median_ms]);
        console.log(`round ${round} ${name} ${m.engine}: ${m.median_ms.toFixed(1)} ms`);
      }
    }
  }
  const rows: BenchRow[] = [];
  const json: Array<Record<string, string | number | null>> = [];
  for (const name of names) {
    const torch1 = perRound.get(`${name}\ttorch 1 thread`);
    const t1 = torch1 ? median(torch1) : null;
    for (const [key, ms] of perRound) {
      const [cfg, engine] = key.split("\t");
      if (cfg !== name) continue;
      const med = median(ms);
      const ratio = t1 === null ? null : t1 / med;
      json.push({ config: name, engine, median_ms: med, torch1_median_ms: t1, ratio });
      rows.push({
        config: name,
        engine,
        "median ms": med,
        ...(CONFIGS[name].mode === "score" ? { "seq/s": (SCORE_BATCH / med) * 1000 } : { "seq/s": "" }),
        "torch 1-thread ms": t1 ?? "n/a",
        "ratio torch1/engine": ratio ?? "n/a",
        rounds: ms.length,
      });
    }
  }
  printTable("speed: median ms per training step (A, B) or per scoring batch of 200 (C)", rows);
  for (const s of skipped) console.log(s);
  const notes = {
    configs: Object.fromEntries(names.map((n) => [n, CONFIGS[n].what])),
    steps: STEPS,
    rounds,
    skipped,
  };
  const file = writeBench("speed", json as unknown as BenchRow[], notes);
  console.log(`\nwrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
