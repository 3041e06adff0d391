/**
 * The resumable trainer: trains one (tier, objective, seed) run, evaluates it at checkpoints
 * spaced along training exposure, and appends one {@link CheckpointRecord} per checkpoint.
 *
 * Files of a run (folder `<root>/<tier>-<objective>-s<seed>/`), all written atomically:
 * - `records.jsonl`: the checkpoint records so far (rewritten from the saved state, so it never
 *   holds a record the state does not know about);
 * - `loss.jsonl`: the training-loss curve (mean loss per `logEvery` steps);
 * - `state.json` + `state-<step>.bin`: everything needed to resume bit-exactly: weights, AdamW
 *   moments and step, the data cursor (epoch, position, generator state), records, loss curve and
 *   elapsed time. The binary is written first, then the manifest that names it, then older
 *   binaries are removed, so a kill at any instant leaves a consistent pair;
 * - `done.json` when complete, or `failed.json` when the loss became NaN/Inf.
 * A state is saved at every checkpoint and every `saveEverySteps` steps. Resuming restores it and
 * replays nothing: with the same backend the remaining steps, and so the final records, are
 * identical to an uninterrupted run (tested by killing the CLI with SIGKILL).
 *
 * A run is from scratch (the tier is one of TIERS, model/tiers.ts) or fine-tunes a pretrained
 * tier (`spec.pretrained`: a Hugging Face folder loaded by `loadPretrainedEncoder` with a fresh
 * 1-logit head). A pretrained run reads the ids made by the checkpoint's own tokenizer.json
 * (`buildTrainerData(ds, { tokenizerFolder })`), records the parameter counts of the loaded
 * weights and the FLOPs of `pretrainedTrainFlopsPerExample`, and has the SHA-256 of its
 * tokenizer.json and config.json in its identity; saving and resuming work unchanged.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError, readInputFile, writeFileAtomic, writeJsonAtomic } from "../util/fsutil";
import { deriveSeed } from "../util/rng";
import type { CheckpointRecord, Objective } from "../records/types";
import { writeCheckpointRecords } from "../records/jsonl";
import { currentBackend } from "../backend/select";
import { createCrossEncoder, readWeights, writeWeights, assertCountsMatch, type CrossEncoder } from "../model/crossencoder";
import { countParams, getTier, tierConfig, trainFlopsPerExample, type ModelConfig } from "../model/tiers";
import { readEncoderConfig } from "../pretrained/config";
import { loadPretrainedEncoder, pretrainedTrainFlopsPerExample } from "../pretrained/load";
import { AdamWConfig, DEFAULT_ADAMW } from "./optimizer";
import { ScheduleConfig, learningRate } from "./schedule";
import { BatchCursor, CursorState, TrainerData } from "./batches";
import { createOptimizer, trainStep } from "./step";
import { evaluateModel } from "./evaluate";
import { hfTokenizerIdentity } from "./dataset";

/** Training hyperparameters shared by every run of a grid (typed data; see PROFILE_TRAIN_CONFIGS). */
export interface TrainConfig {
  /** Optimizer steps per run (the same for every objective, as in the paper). */
  steps: number;
  /** Query groups (1 + 10 documents) per step for pairwise and listwise. */
  groupsPerStep: number;
  /** (query, document) pairs per step for pointwise. */
  pairsPerStep: number;
  /** Number of evaluated checkpoints along training. */
  checkpoints: number;
  /** "log": geometric spacing from `firstCheckpoint` to `steps`; "linear": every steps/checkpoints. */
  checkpointSpacing: "log" | "linear";
  /** Step of the first checkpoint with log spacing. */
  firstCheckpoint: number;
  /** Learning-rate schedule without its length (filled from `steps`). */
  schedule: Omit<ScheduleConfig, "totalSteps">;
  /** Optional per-tier peak learning rate (overrides schedule.peakLr). */
  peakLrByTier?: Record<string, number>;
  adamw: AdamWConfig;
  /** Save resumable state every this many steps between checkpoints (0: only at checkpoints). */
  saveEverySteps: number;
  /** Resolution of the recorded loss curve, in steps. */
  logEvery: number;
  /**
   * Model options of from-scratch tiers: BERT segment embeddings [true] and the attention
   * initialisation ["mimetic"]. Pretrained tiers take their architecture from config.json.
   */
  model?: { segments?: boolean; attentionInit?: "standard" | "mimetic"; pooling?: "cls" | "mean" | "query"; matchEmbedding?: boolean };
}

/** One run of the grid. */
export interface RunSpec {
  profile: string;
  /** Tier name: one of TIERS (from scratch) or a pretrained tier's name (e.g. "ettin-17m"). */
  tier: string;
  objective: Objective;
  seed: number;
  /**
   * Hugging Face model folder this run fine-tunes (a pretrained tier); absent: trained from
   * scratch with the TIERS shape of `tier`.
   */
  pretrained?: string;
}

/** Progress of a run, reported after every step and checkpoint. */
export interface RunProgress {
  spec: RunSpec;
  phase: "train" | "eval" | "checkpoint" | "done" | "failed" | "skipped";
  step: number;
  steps: number;
  /** Mean training loss over the last logged window. */
  loss?: number;
  metrics?: Record<string, number>;
  message?: string;
}

/** What happened to a run. */
export interface RunOutcome {
  spec: RunSpec;
  status: "done" | "failed";
  records: CheckpointRecord[];
  message?: string;
  /** True when it started from a saved state. */
  resumed: boolean;
  /** Seconds this call spent (training and evaluation). */
  seconds: number;
}

/** Folder of a run under a grid root. */
export function runDir(root: string, spec: RunSpec): string {
  return path.join(root, `${spec.tier}-${spec.objective}-s${spec.seed}`);
}

/** The checkpoint steps of a config: log- or linearly spaced, unique, ending at `steps`. */
export function checkpointSteps(c: Pick<TrainConfig, "steps" | "checkpoints" | "checkpointSpacing" | "firstCheckpoint">): number[] {
  const out = new Set<number>();
  const K = Math.max(1, c.checkpoints);
  for (let i = 0; i < K; i++) {
    const s =
      c.checkpointSpacing === "linear" || K === 1
        ? Math.round((c.steps * (i + 1)) / K)
        : Math.round(c.firstCheckpoint * Math.pow(c.steps / c.firstCheckpoint, i / (K - 1)));
    out.add(Math.min(c.steps, Math.max(1, s)));
  }
  return [...out].sort((a, b) => a - b);
}

/** Stable 32-bit FNV-1a hash of a JSON value, as hex (identifies a run's configuration). */
export function configHash(v: unknown): string {
  const s = JSON.stringify(v);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

interface SavedState {
  version: 1;
  hash: string;
  step: number;
  cursor: CursorState;
  optimizerStep: number;
  bin: string;
  records: CheckpointRecord[];
  lossLog: Array<[number, number]>;
  trainSeconds: number;
  examples: number;
}


/**
 * The configuration identity of a run: changing any of it restarts the run from scratch. For a
 * pretrained run it includes the folder (in the spec) and the hashes of its tokenizer and
 * config.json; the ids' tokenizer hash is in the data part. (Fields that are undefined vanish
 * from the JSON, so from-scratch identities are what they were before pretrained tiers existed.)
 */
function runIdentity(spec: RunSpec, data: TrainerData, config: TrainConfig): unknown {
  const id: Record<string, unknown> = {
    spec,
    config,
    data: { name: data.name, seqLen: data.seqLen, vocabSize: data.vocabSize, numGroups: data.numGroups, evalSet: data.evalSet, evalQueries: data.evalQueries.length, tokenizer: data.tokenizer?.sha256 },
  };
  if (spec.pretrained !== undefined) {
    id.pretrained = { tokenizer: hfTokenizerIdentity(spec.pretrained).sha256, config: createHash("sha256").update(readInputFile(path.join(spec.pretrained, "config.json"), "the checkpoint's config.json")).digest("hex") };
  }
  return id;
}

/**
 * Check that trainer data fits a pretrained tier's checkpoint: its ids were made by the folder's
 * own tokenizer (same hash), every id indexes the embedding table, and (BERT) the sequence fits
 * the learned positions. Errors name the file and what to do.
 */
function checkPretrainedData(spec: RunSpec & { pretrained: string }, data: TrainerData): void {
  const folder = spec.pretrained;
  const tok = hfTokenizerIdentity(folder);
  const tj = path.join(folder, "tokenizer.json");
  if (!data.tokenizer) {
    throw new Error(`tier ${spec.tier} fine-tunes ${folder}, but the trainer data was tokenised with the dataset's word-level vocabulary; build it with buildTrainerData(ds, { tokenizerFolder: "${folder}" }) (or prepareTrainerData(…, "${folder}"))`);
  }
  if (data.tokenizer.sha256 !== tok.sha256) {
    throw new Error(`tier ${spec.tier}: the trainer data was tokenised with ${path.join(data.tokenizer.folder, "tokenizer.json")} (sha256 ${data.tokenizer.sha256.slice(0, 12)}…), but ${tj} has sha256 ${tok.sha256.slice(0, 12)}…; rebuild the data with tokenizerFolder "${folder}"`);
  }
  const configFile = path.join(folder, "config.json");
  const c = readEncoderConfig(configFile);
  if (data.vocabSize > c.vocabSize) throw new InputError(tj, 0, `the tokenizer has ${data.vocabSize} ids but ${configFile} has vocab_size ${c.vocabSize}: ids past it have no embedding row`);
  if (c.modelType === "bert" && data.seqLen > c.maxPositions) throw new InputError(configFile, 0, `max_position_embeddings ${c.maxPositions} is shorter than the sequence length ${data.seqLen} of the trainer data`);
}

/** The model of a run with its parameter counts (N = nonEmbedding) and training FLOPs per example. */
interface RunModel {
  model: CrossEncoder;
  counts: { nonEmbedding: number; total: number };
  flopsPerExample: number;
}

/**
 * The model config of a from-scratch tier for some trainer data: the tier's shape, the data's
 * vocabulary, length, padding and [SEP], and the config's model options with their defaults
 * (segment embeddings on, mimetic attention init, mean pooling, exact-match embedding on).
 */
export function scratchModelConfig(tier: string, data: TrainerData, config: TrainConfig): ModelConfig {
  const mc = tierConfig(getTier(tier), data.vocabSize, data.seqLen, data.padId, config.model?.segments === false ? undefined : data.sepId);
  mc.attentionInit = config.model?.attentionInit ?? "mimetic";
  mc.pooling = config.model?.pooling ?? "mean";
  mc.matchEmbedding = config.model?.matchEmbedding ?? true;
  return mc;
}

/**
 * Build the model of a run: a pretrained tier's checkpoint with a fresh 1-logit head (seeded by
 * `seed`; padding and [SEP] from the data's tokenizer; parameter counts of the loaded weights),
 * or a from-scratch tier's cross-encoder (counts from the formula, checked against the weights).
 * A pretrained run's data must have passed {@link checkPretrainedData} (the callers check first).
 */
function buildRunModel(spec: RunSpec, data: TrainerData, config: TrainConfig, seed: number): RunModel {
  if (spec.pretrained !== undefined) {
    const model = loadPretrainedEncoder(spec.pretrained, { seed, freshHead: true, padId: data.padId, sepId: data.sepId, maxLen: data.seqLen });
    return { model, counts: model.counts, flopsPerExample: pretrainedTrainFlopsPerExample(model.encoderConfig, model.counts.nonEmbedding, data.seqLen) };
  }
  const mc = scratchModelConfig(spec.tier, data, config);
  const model = createCrossEncoder(mc, seed);
  assertCountsMatch(model);
  return { model, counts: countParams(mc), flopsPerExample: trainFlopsPerExample(mc, data.seqLen) };
}

/** The status of a run folder: "done", "failed", "partial" (has a saved state) or "new". */
export function runStatus(root: string, spec: RunSpec, data: TrainerData, config: TrainConfig): "done" | "failed" | "partial" | "new" {
  const dir = runDir(root, spec);
  const hash = configHash(runIdentity(spec, data, config));
  const read = (f: string): { hash?: string } | null => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
    } catch {
      return null;
    }
  };
  if (read("done.json")?.hash === hash) return "done";
  if (read("failed.json")?.hash === hash) return "failed";
  if (read("state.json")?.hash === hash) return "partial";
  return "new";
}

/** Concatenate Float32Arrays into one little-endian byte buffer. */
function packFloats(parts: readonly Float32Array[]): Uint8Array {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return new Uint8Array(out.buffer);
}

/** Split a byte buffer back into Float32Arrays of the given sizes. */
function unpackFloats(buf: Buffer, sizes: readonly number[]): Float32Array[] {
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const expected = sizes.reduce((a, b) => a + b, 0);
  if (all.length !== expected) throw new Error(`checkpoint has ${all.length} floats, expected ${expected}`);
  const out: Float32Array[] = [];
  let o = 0;
  for (const s of sizes) {
    out.push(all.slice(o, o + s));
    o += s;
  }
  return out;
}

/** Error thrown (and recorded in failed.json) when the loss is not finite. */
export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly loss: number, readonly gradNorm: number) {
    super(`${Number.isFinite(loss) ? "gradient norm" : "loss"} became ${Number.isFinite(loss) ? gradNorm : loss} at step ${step} (loss ${loss}, gradient norm ${gradNorm}); the run is marked failed — try a lower learning rate`);
    this.name = "NonFiniteLossError";
  }
}

/**
 * Train one run to completion (or resume it), evaluating at the checkpoints of `config`.
 * Requires a selected backend (`selectBackend`). A complete run is not retrained: its records are
 * returned. A NaN/Inf loss ends the run with status "failed" and writes `failed.json`. A
 * pretrained run (`spec.pretrained`) needs `data` built with that folder's tokenizer
 * (`buildTrainerData(ds, { tokenizerFolder })`); otherwise it throws before writing anything.
 */
export async function trainRun(
  spec: RunSpec,
  data: TrainerData,
  config: TrainConfig,
  opts: { root: string; onProgress?: (p: RunProgress) => void } ,
): Promise<RunOutcome> {
  const started = Date.now();
  const dir = runDir(opts.root, spec);
  const identity = runIdentity(spec, data, config);
  const hash = configHash(identity);
  const status = runStatus(opts.root, spec, data, config);
  const progress = opts.onProgress ?? (() => {});
  if (status === "done" || status === "failed") {
    const st = JSON.parse(fs.readFileSync(path.join(dir, status === "done" ? "done.json" : "failed.json"), "utf8")) as { records: CheckpointRecord[]; message?: string };
    progress({ spec, phase: "skipped", step: config.steps, steps: config.steps, message: status });
    return { spec, status, records: st.records, message: st.message, resumed: false, seconds: 0 };
  }
  // A pretrained run whose data do not fit its checkpoint fails here, before its folder is touched.
  if (spec.pretrained !== undefined) checkPretrainedData(spec as RunSpec & { pretrained: string }, data);
  if (status === "new" && fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(path.join(dir, "config.json"), { hash, ...(identity as object) });

  const backend = currentBackend();
  if (!backend) throw new Error("no tfjs backend selected: call selectBackend() first");
  const { model, counts, flopsPerExample: flopsPerEx } = buildRunModel(spec, data, config, deriveSeed(spec.seed, `init:${spec.tier}`));
  const opt = createOptimizer(model, config.adamw ?? DEFAULT_ADAMW);
  const isGroup = spec.objective !== "pointwise";
  const perStep = isGroup ? config.groupsPerStep : config.pairsPerStep;
  const examplesPerStep = isGroup ? config.groupsPerStep * data.groupSize : config.pairsPerStep;
  const schedule: ScheduleConfig = { ...config.schedule, peakLr: config.peakLrByTier?.[spec.tier] ?? config.schedule.peakLr, totalSteps: config.steps };
  const ckpts = new Set(checkpointSteps(config));

  let step = 0, examples = 0, trainSeconds = 0;
  let records: CheckpointRecord[] = [];
  let lossLog: Array<[number, number]> = [];
  let cursor: BatchCursor;
  const resumed = status === "partial";
  const sizes = model.specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
  if (resumed) {
    const st = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")) as SavedState;
    const parts = unpackFloats(fs.readFileSync(path.join(dir, st.bin)), [...sizes, ...sizes, ...sizes]);
    writeWeights(model, parts.slice(0, sizes.length));
    opt.setState({ step: st.optimizerStep, m: parts.slice(sizes.length, 2 * sizes.length), v: parts.slice(2 * sizes.length) });
    cursor = new BatchCursor(data, isGroup ? "group" : "row", perStep, spec.seed, st.cursor);
    step = st.step;
    examples = st.examples;
    trainSeconds = st.trainSeconds;
    records = st.records;
    lossLog = st.lossLog;
    writeCheckpointRecords(path.join(dir, "records.jsonl"), records);
  } else {
    cursor = new BatchCursor(data, isGroup ? "group" : "row", perStep, spec.seed);
  }

  const saveState = async (): Promise<void> => {
    const w = await readWeights(model);
    const os = await opt.getState();
    const bin = `state-${step}.bin`;
    writeFileAtomic(path.join(dir, bin), packFloats([...w, ...os.m, ...os.v]));
    const st: SavedState = { version: 1, hash, step, cursor: cursor.getState(), optimizerStep: os.step, bin, records, lossLog, trainSeconds, examples };
    writeJsonAtomic(path.join(dir, "state.json"), st);
    for (const f of fs.readdirSync(dir)) if (/^state-\d+\.bin$/.test(f) && f !== bin) fs.rmSync(path.join(dir, f), { force: true });
    writeCheckpointRecords(path.join(dir, "records.jsonl"), records);
    writeFileAtomic(path.join(dir, "loss.jsonl"), lossLog.map(([s, l]) => JSON.stringify({ step: s, loss: l })).join("\n") + (lossLog.length ? "\n" : ""));
  };

  let winSum = 0, winN = 0;
  try {
    while (step < config.steps) {
      const batch = cursor.next();
      const lr = learningRate(schedule, step + 1);
      const t0 = Date.now();
      const r = await trainStep(model, opt, spec.objective, batch, data.groupSize, lr);
      trainSeconds += (Date.now() - t0) / 1000;
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) throw new NonFiniteLossError(step + 1, r.loss, r.gradNorm);
      step++;
      examples += examplesPerStep;
      winSum += r.loss;
      winN++;
      if (step % config.logEvery === 0 || step === config.steps) {
        lossLog.push([step, winSum / winN]);
        winSum = 0;
        winN = 0;
      }
      progress({ spec, phase: "train", step, steps: config.steps, loss: lossLog.length ? lossLog[lossLog.length - 1][1] : r.loss });
      if (ckpts.has(step)) {
        progress({ spec, phase: "eval", step, steps: config.steps });
        const { metrics } = await evaluateModel(model, data);
        records.push({
          tier: spec.tier,
          params: counts.nonEmbedding,
          totalParams: counts.total,
          objective: spec.objective,
          step,
          examples,
          tokens: examples * data.seqLen,
          flops: examples * flopsPerEx,
          metrics,
          wallSeconds: Math.round(trainSeconds * 1000) / 1000,
          backend: backend.backend,
          seed: spec.seed,
          profile: spec.profile,
          evalSet: data.evalSet,
        });
        await saveState();
        progress({ spec, phase: "checkpoint", step, steps: config.steps, metrics });
      } else if (config.saveEverySteps > 0 && step % config.saveEverySteps === 0) {
        await saveState();
      }
    }
    writeFileAtomic(path.join(dir, "weights.bin"), packFloats(await readWeights(model)));
    writeJsonAtomic(path.join(dir, "done.json"), { hash, records, trainSeconds });
    for (const f of fs.readdirSync(dir)) if (/^state-\d+\.bin$/.test(f)) fs.rmSync(path.join(dir, f), { force: true });
    progress({ spec, phase: "done", step, steps: config.steps });
    return { spec, status: "done", records, resumed, seconds: (Date.now() - started) / 1000 };
  } catch (e) {
    if (!(e instanceof NonFiniteLossError)) throw e;
    writeJsonAtomic(path.join(dir, "failed.json"), { hash, records, message: e.message, step: e.step });
    progress({ spec, phase: "failed", step, steps: config.steps, message: e.message });
    return { spec, status: "failed", records, message: e.message, resumed, seconds: (Date.now() - started) / 1000 };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

/**
 * Load the final weights of a complete run (`weights.bin`, written when the run finished) into a
 * new cross-encoder, e.g. to rerank and write TREC run files. Throws if the run is not complete.
 * For a pretrained run the checkpoint folder is loaded for its architecture and then overwritten
 * with the fine-tuned weights (a `PretrainedEncoder`, which `savePretrainedEncoder` can write out).
 */
export function loadTrainedModel(root: string, spec: RunSpec, data: TrainerData, config: TrainConfig): CrossEncoder {
  if (runStatus(root, spec, data, config) !== "done") throw new Error(`run ${spec.tier}/${spec.objective}/seed ${spec.seed} is not complete under ${root}`);
  if (spec.pretrained !== undefined) checkPretrainedData(spec as RunSpec & { pretrained: string }, data);
  const { model } = buildRunModel(spec, data, config, 0);
  const sizes = model.specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
  writeWeights(model, unpackFloats(fs.readFileSync(path.join(runDir(root, spec), "weights.bin")), sizes));
  return model;
}
