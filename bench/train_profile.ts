/**
 * Per-kernel profile of one training step on a tfjs backend (default wasm): every registered kernel
 * of the backend is wrapped with a timer, steps run as `trainStep` runs them (forward inside
 * `tf.variableGrads`, backward, AdamW), and the time is grouped by kernel and by phase. The wasm and
 * cpu backends run kernels synchronously, so a kernel's wall time is its cost; the step time not
 * spent inside any kernel is tfjs bookkeeping (tape, tidy, tensor objects, shape checks).
 *
 * Configs: the two of bench/train.bench.ts ("2x64", "4x256": T=128, batch 32, BCE) and the `mini`
 * profile's shapes ("t0-pointwise", "t2-listwise", …: its sequence length, pairs or groups of 11 per
 * step, segment and exact-match embeddings, mean pooling, and the mini collection's vocabulary size,
 * MINI_VOCAB).
 *
 *   node --import tsx bench/train_profile.ts [--backend wasm] [--steps 3] [--warmup 1] [--json out.json] 2x64 t0-pointwise …
 *   node --import tsx bench/train_profile.ts --time-only t0-pointwise t2-listwise   # step times, no kernel wrapping
 */
import * as fs from "node:fs";
import { writeFileAtomic } from "../lib/src/util/fsutil";
import { tf, selectBackend } from "../lib/src/backend";
import { createCrossEncoder, tierConfig, type ModelConfig } from "../lib/src/model";
import { createOptimizer, trainStep } from "../lib/src/train/step";
import { objectiveLoss } from "../lib/src/train/objectives";
import type { Objective } from "../lib/src/records/types";
import { PROFILE_TRAIN_CONFIGS } from "../lib/src/train/profiles";
import { stepExamples } from "../lib/src/train/trainer";
import { GROUP_NEGATIVES } from "../lib/src/data/dataset";

interface ProfileConfig {
  name: string;
  model: ModelConfig;
  objective: Objective;
  n: number;
  T: number;
  groupSize: number;
}

/** Vocabulary size of the generated mini collection (data/generated/mini-seed1/vocab.txt). */
const MINI_VOCAB = 2233;

/** The configs by name (see the module comment). */
export function profileConfig(name: string): ProfileConfig {
  const bench = /^(\d+)x(\d+)$/.exec(name);
  if (bench) {
    const model: ModelConfig = {
      layers: Number(bench[1]),
      dModel: Number(bench[2]),
      heads: 4,
      vocabSize: 8192,
      maxLen: 128,
      padId: 0,
      sepId: 3,
    };
    return { name, model, objective: "pointwise", n: 32, T: 128, groupSize: 11 };
  }
  const mini = /^(t\d)-(pointwise|pairwise|listwise)$/.exec(name);
  if (!mini)
    throw new Error(`unknown profile config "${name}" (e.g. 2x64, 4x256, t0-pointwise, t4-listwise)`);
  const cfg = PROFILE_TRAIN_CONFIGS.mini;
  const model = tierConfig(mini[1], MINI_VOCAB, cfg.seqLen, 0, 3);
  model.pooling = "mean";
  model.matchEmbedding = true;
  const objective = mini[2] as Objective;
  const groupSize = 1 + GROUP_NEGATIVES;
  const n = stepExamples(objective, cfg.train, groupSize);
  return { name, model, objective, n, T: cfg.seqLen, groupSize };
}

/** Deterministic `[CLS] q [SEP] d [SEP] [PAD]…` rows with repeated ids (so exact matches occur). */
export function syntheticBatch(c: ProfileConfig): { ids: Int32Array; labels: Float32Array } {
  const { n, T } = c;
  const V = c.model.vocabSize;
  const ids = new Int32Array(n * T);
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let b = 0; b < n; b++) {
    const qLen = 4 + (b % 5),
      len = T - 1 - (b % 7);
    ids[b * T] = 2;
    for (let t = 1; t < len; t++) ids[b * T + t] = 5 + (next() % Math.min(V - 5, 400));
    ids[b * T + 1 + qLen] = 3;
    ids[b * T + len - 1] = 3;
    for (let t = len; t < T; t++) ids[b * T + t] = 0;
  }
  const labels = new Float32Array(n).map((_, i) => (i % c.groupSize === 0 ? 1 : 0));
  return { ids, labels };
}

type Phase = "forward" | "backward" | "optimizer" | "other";
let phase: Phase = "other";
const stats = new Map<string, { ms: number; calls: number }>();
const phaseKernelMs: Record<Phase, number> = { forward: 0, backward: 0, optimizer: 0, other: 0 };
const childMs: number[] = [];

function kernelLabel(name: string, inputs: tf.NamedTensorInfoMap, attrs: unknown): string {
  if (name === "BatchMatMul" || name === "_FusedMatMul") {
    const a = inputs.a as tf.TensorInfo,
      b = inputs.b as tf.TensorInfo;
    const batch = a.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const at = attrs as { transposeA?: boolean; transposeB?: boolean };
    const t = `${at.transposeA ? "T" : "N"}${at.transposeB ? "T" : "N"}`;
    return `${name}[${batch > 1 && b.shape.length > 2 ? "batched" : "2-D"} ${t}]`;
  }
  if (name === "Sum") {
    const x = inputs.x as tf.TensorInfo;
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
    return `Sum[${axes.includes(x.shape.length - 1) ? "inner" : "outer"} axes]`;
  }
  return name;
}

function wrapKernels(backendName: string): void {
  for (const k of tf.getKernelsForBackend(backendName)) {
    const stock = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      kernelName: k.kernelName,
      backendName,
      kernelFunc: (args) => {
        // Self time: a kernel that calls another registered kernel (the BatchMatMul patch calls
        // Transpose) is charged without the inner call, which is charged to its own name.
        childMs.push(0);
        const t0 = performance.now();
        const out = stock(args);
        const total = performance.now() - t0;
        const ms = total - childMs.pop()!;
        if (childMs.length) childMs[childMs.length - 1] += total;
        const key = kernelLabel(k.kernelName, args.inputs, args.attrs);
        const s = stats.get(key) ?? { ms: 0, calls: 0 };
        s.ms += ms;
        s.calls++;
        stats.set(key, s);
        phaseKernelMs[phase] += ms;
        return out;
      },
    });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (flag: string, dflt: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return dflt;
    const v = argv[i + 1];
    argv.splice(i, 2);
    return v;
  };
  const backend = opt("--backend", "wasm");
  const steps = Number(opt("--steps", "3"));
  const warmup = Number(opt("--warmup", "1"));
  const jsonOut = opt("--json", "");
  const timeOnly = argv.includes("--time-only");
  const names = argv.filter((a) => !a.startsWith("--"));
  await selectBackend({ prefer: backend });
  if (!timeOnly) wrapKernels(backend);
  const report: Record<string, unknown> = {};
  for (const name of names) {
    const c = profileConfig(name);
    const model = createCrossEncoder(c.model, 1);
    const optim = createOptimizer(model);
    const { ids, labels } = syntheticBatch(c);
    const batch = { ids, labels, n: c.n, seqLen: c.T };
    const vars = optim.params as tf.Variable[];
    const phaseWall: Record<Phase, number> = { forward: 0, backward: 0, optimizer: 0, other: 0 };
    const walls: number[] = [];
    for (let s = 0; s < warmup + steps; s++) {
      const measured = s >= warmup;
      if (s === warmup) {
        stats.clear();
        for (const p of Object.keys(phaseKernelMs) as Phase[]) phaseKernelMs[p] = 0;
      }
      const t0 = performance.now();
      if (timeOnly) {
        await trainStep(model, optim, c.objective, batch, c.groupSize, 1e-3);
      } else {
        // trainStep's body, with phase marks.
        let tf0 = 0,
          tf1 = 0;
        phase = "other";
        const { value, grads } = tf.tidy(() => {
          const idsT = tf.tensor2d(batch.ids, [batch.n, batch.seqLen], "int32");
          const labelsT = tf.tensor1d(batch.labels, "float32");
          return tf.variableGrads(() => {
            phase = "forward";
            tf0 = performance.now();
            const l = objectiveLoss(c.objective, model.score(idsT), labelsT, c.groupSize);
            tf1 = performance.now();
            phase = "backward";
            return l;
          }, vars);
        });
        const tb1 = performance.now();
        phase = "optimizer";
        const norm = optim.apply(
          vars.map((v) => grads[v.name]),
          1e-3,
        );
        const to1 = performance.now();
        phase = "other";
        await value.data();
        await norm.data();
        value.dispose();
        norm.dispose();
        for (const k of Object.keys(grads)) grads[k].dispose();
        if (measured) {
          phaseWall.forward += tf1 - tf0;
          phaseWall.backward += tb1 - tf1;
          phaseWall.optimizer += to1 - tb1;
          phaseWall.other += performance.now() - t0 - (to1 - tf0);
        }
      }
      if (measured) walls.push(performance.now() - t0);
    }
    const ms = walls.reduce((a, b) => a + b, 0) / steps;
    const sorted = [...walls].sort((a, b) => a - b);
    const kernelMs = [...stats.values()].reduce((a, s) => a + s.ms, 0) / steps;
    const calls = [...stats.values()].reduce((a, s) => a + s.calls, 0) / steps;
    console.log(
      `\n## ${name}: ${c.n} × ${c.T} tokens, L=${c.model.layers} d=${c.model.dModel}, ${c.objective}; ${backend}`,
    );
    console.log(
      `step ${ms.toFixed(1)} ms (mean of ${steps}; min ${sorted[0].toFixed(1)}, median ${sorted[Math.floor((steps - 1) / 2)].toFixed(1)})`,
    );
    const entry: Record<string, unknown> = { stepMs: ms, minMs: sorted[0], walls };
    if (!timeOnly) {
      console.log(
        `kernels ${kernelMs.toFixed(1)} ms in ${calls.toFixed(0)} calls; outside kernels ${(ms - kernelMs).toFixed(1)} ms`,
      );
      const ph = (Object.keys(phaseWall) as Phase[]).map(
        (p) =>
          `${p} ${(phaseWall[p] / steps).toFixed(1)} ms (kernels ${(phaseKernelMs[p] / steps).toFixed(1)})`,
      );
      console.log("phases: " + ph.join(", "));
      const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
      console.log("| kernel | ms/step | % of step | calls/step |");
      console.log("|---|---|---|---|");
      for (const [k, s] of rows) {
        if (s.ms / steps < 0.001) continue;
        console.log(
          `| ${k} | ${(s.ms / steps).toFixed(2)} | ${((100 * s.ms) / steps / ms).toFixed(1)} | ${(s.calls / steps).toFixed(0)} |`,
        );
      }
      entry.kernelMs = kernelMs;
      entry.calls = calls;
      entry.phases = Object.fromEntries(
        (Object.keys(phaseWall) as Phase[]).map((p) => [
          p,
          { wallMs: phaseWall[p] / steps, kernelMs: phaseKernelMs[p] / steps },
        ]),
      );
      entry.kernels = Object.fromEntries(
        rows.map(([k, s]) => [k, { ms: s.ms / steps, calls: s.calls / steps }]),
      );
    }
    report[name] = entry;
    optim.dispose();
    model.dispose();
  }
  if (jsonOut) writeFileAtomic(jsonOut, JSON.stringify(report, null, 1));
}

// run only as a script: bench/speed.bench.ts imports the configs
if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
