/**
 * The resumable trainer: trains one (tier, objective, seed) run, evaluates it at checkpoints
 * spaced along training exposure, and appends one {@link CheckpointRecord} per checkpoint.
 *
 * Files of a run (folder `<root>/<tier>-<objective>-s<seed>/`, see runstate.ts), all written
 * atomically:
 * - `records.jsonl`: the checkpoint records so far (rewritten from the saved state, so it never
 *   holds a record the state does not know about);
 * - `loss.jsonl`: the training-loss curve (mean loss per `logEvery` steps);
 * - `state.json` / `state.prev.json` + `state-<step>.bin`: the last two resumable states (weights,
 *   AdamW moments and step, the data cursor, records, loss curve, elapsed time), each binary with
 *   its length and SHA-256 in the manifest;
 * - `done.json` + `weights.bin` when complete, or `failed.json` when the loss became NaN/Inf;
 * - `run.lock` while a process trains it.
 * A state is saved at every checkpoint and every `saveEverySteps` steps. Resuming restores it and
 * replays nothing: with the same backend the remaining steps, and so the final records, are
 * identical to an uninterrupted run (tested by killing the CLI with SIGKILL). A damaged file is
 * named and skipped: the run resumes from the previous state, or restarts from scratch.
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
import {
  createCrossEncoder,
  readWeights,
  writeWeights,
  assertCountsMatch,
  type CrossEncoder,
} from "../model/crossencoder";
import { countParams, getTier, tierConfig, trainFlopsPerExample, type ModelConfig } from "../model/tiers";
import { readEncoderConfig } from "../pretrained/config";
import { loadPretrainedEncoder, pretrainedTrainFlopsPerExample } from "../pretrained/load";
import { AdamWConfig, DEFAULT_ADAMW } from "./optimizer";
import { ScheduleConfig, learningRate } from "./schedule";
import { BatchCursor, type CursorState, type TrainerData } from "./batches";
import { createOptimizer, trainStep } from "./step";
import type { AdamW } from "./optimizer";
import {
  type RunFolder,
  type SavedState,
  finishRun,
  inspectRunFolder,
  lockRunFolder,
  resetRunFolder,
  saveRunState,
} from "./runstate";
import { evalSubset, evaluateModel, perQueryNdcg10 } from "./evaluate";
import { writeTrecRun } from "../eval/io";
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
  /**
   * Evaluation queries at each checkpoint: the first N of the trainer data's evaluation queries
   * [all of them]. Checkpoint scoring is most of a small run's time; the laws compare checkpoints
   * on the same queries, so fewer suffice there.
   */
  checkpointEvalQueries?: number;
  /**
   * After the last step, rerank every evaluation query of the trainer data with the final model
   * and keep its per-query NDCG@10 in done.json (`final`), for paired tests between tiers [false].
   */
  finalEval?: boolean;
  /** Save resumable state every this many steps between checkpoints (0: only at checkpoints). */
  saveEverySteps: number;
  /** Resolution of the recorded loss curve, in steps. */
  logEvery: number;
  /**
   * Model options of from-scratch tiers: BERT segment embeddings [true] and the attention
   * initialisation ["mimetic"]. Pretrained tiers take their architecture from config.json.
   */
  model?: {
    segments?: boolean;
    attentionInit?: "standard" | "mimetic";
    pooling?: "cls" | "mean" | "query";
    matchEmbedding?: boolean;
  };
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
  phase: "train" | "eval" | "checkpoint" | "done" | "failed" | "skipped" | "notice";
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
  /** "done"; "failed": its loss became NaN/Inf (failed.json); "error": it could not run (not recorded on disk, so a re-run tries again). */
  status: "done" | "failed" | "error";
  records: CheckpointRecord[];
  message?: string;
  /** Damaged files found in the run folder and what was done about them. */
  notes?: string[];
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
export function checkpointSteps(
  c: Pick<TrainConfig, "steps" | "checkpoints" | "checkpointSpacing" | "firstCheckpoint">,
): number[] {
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
    data: {
      name: data.name,
      seqLen: data.seqLen,
      vocabSize: data.vocabSize,
      numGroups: data.numGroups,
      evalSet: data.evalSet,
      evalQueries: data.evalQueries.length,
      tokenizer: data.tokenizer?.sha256,
    },
  };
  if (spec.pretrained !== undefined) {
    id.pretrained = {
      tokenizer: hfTokenizerIdentity(spec.pretrained).sha256,
      config: createHash("sha256")
        .update(readInputFile(path.join(spec.pretrained, "config.json"), "the checkpoint's config.json"))
        .digest("hex"),
    };
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
    throw new Error(
      `tier ${spec.tier} fine-tunes ${folder}, but the trainer data was tokenised with the dataset's word-level vocabulary; build it with buildTrainerData(ds, { tokenizerFolder: "${folder}" }) (or prepareTrainerData(…, "${folder}"))`,
    );
  }
  if (data.tokenizer.sha256 !== tok.sha256) {
    throw new Error(
      `tier ${spec.tier}: the trainer data was tokenised with ${path.join(data.tokenizer.folder, "tokenizer.json")} (sha256 ${data.tokenizer.sha256.slice(0, 12)}…), but ${tj} has sha256 ${tok.sha256.slice(0, 12)}…; rebuild the data with tokenizerFolder "${folder}"`,
    );
  }
  const configFile = path.join(folder, "config.json");
  const c = readEncoderConfig(configFile);
  if (data.vocabSize > c.vocabSize)
    throw new InputError(
      tj,
      0,
      `the tokenizer has ${data.vocabSize} ids but ${configFile} has vocab_size ${c.vocabSize}: ids past it have no embedding row`,
    );
  if (c.modelType === "bert" && data.seqLen > c.maxPositions)
    throw new InputError(
      configFile,
      0,
      `max_position_embeddings ${c.maxPositions} is shorter than the sequence length ${data.seqLen} of the trainer data`,
    );
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
  const mc = tierConfig(
    getTier(tier),
    data.vocabSize,
    data.seqLen,
    data.padId,
    config.model?.segments === false ? undefined : data.sepId,
  );
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
    const model = loadPretrainedEncoder(spec.pretrained, {
      seed,
      freshHead: true,
      padId: data.padId,
      sepId: data.sepId,
      maxLen: data.seqLen,
    });
    return {
      model,
      counts: model.counts,
      flopsPerExample: pretrainedTrainFlopsPerExample(
        model.encoderConfig,
        model.counts.nonEmbedding,
        data.seqLen,
      ),
    };
  }
  const mc = scratchModelConfig(spec.tier, data, config);
  const model = createCrossEncoder(mc, seed);
  assertCountsMatch(model);
  return { model, counts: countParams(mc), flopsPerExample: trainFlopsPerExample(mc, data.seqLen) };
}

/** Training examples (query–passage pairs) per optimiser step: `groupsPerStep` groups of `groupSize` for the group objectives, `pairsPerStep` pointwise. */
export function stepExamples(
  objective: Objective,
  config: Pick<TrainConfig, "groupsPerStep" | "pairsPerStep">,
  groupSize: number,
): number {
  return objective === "pointwise" ? config.pairsPerStep : config.groupsPerStep * groupSize;
}

/** The status of a run folder: "done", "failed", "partial" (has a usable saved state) or "new" (damaged files do not count). */
export function runStatus(
  root: string,
  spec: RunSpec,
  data: TrainerData,
  config: TrainConfig,
): "done" | "failed" | "partial" | "new" {
  return inspectRunFolder(runDir(root, spec), configHash(runIdentity(spec, data, config))).status;
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

/** Split a byte buffer (read from `file`) back into Float32Arrays of the given sizes; throws naming the file on a size mismatch. */
function unpackFloats(buf: Buffer, sizes: readonly number[], file: string): Float32Array[] {
  const expected = sizes.reduce((a, b) => a + b, 0);
  if (buf.byteLength !== expected * 4)
    throw new InputError(file, 0, `has ${buf.byteLength / 4} floats, the model needs ${expected}`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
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
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly gradNorm: number,
  ) {
    super(
      `${Number.isFinite(loss) ? "gradient norm" : "loss"} became ${Number.isFinite(loss) ? gradNorm : loss} at step ${step} (loss ${loss}, gradient norm ${gradNorm}); the run is marked failed — try a lower learning rate`,
    );
    this.name = "NonFiniteLossError";
  }
}

/** The final model's evaluation on every evaluation query (TrainConfig.finalEval), kept in done.json. */
export interface FinalEvaluation {
  queries: number;
  /** Mean metrics over those queries (the checkpoint metrics). */
  metrics: Record<string, number>;
  /** NDCG@10 of each query (trec_eval ndcg_cut.10). */
  perQueryNdcg10: Record<string, number>;
}

/**
 * Rerank every evaluation query with the final model: mean metrics and per-query NDCG@10, and the
 * reranked run as a TREC run file `final.<evalSet>.trec` in the run folder (for trec_eval).
 */
async function finalEvaluation(
  model: CrossEncoder,
  data: TrainerData,
  dir: string,
  tag: string,
  note: (m: string) => void,
): Promise<FinalEvaluation> {
  note(`final evaluation on ${data.evalQueries.length} queries`);
  const { run, metrics } = await evaluateModel(model, data);
  writeTrecRun(path.join(dir, `final.${data.evalSet}.trec`), run, tag);
  return { queries: data.evalQueries.length, metrics, perQueryNdcg10: perQueryNdcg10(data, run) };
}

/**
 * The final evaluation of a complete run (TrainConfig.finalEval), or null when the run is not
 * complete or was trained without it.
 */
export function readFinalEvaluation(root: string, spec: RunSpec): FinalEvaluation | null {
  try {
    const d = JSON.parse(fs.readFileSync(path.join(runDir(root, spec), "done.json"), "utf8")) as {
      final?: FinalEvaluation;
    };
    return d.final ?? null;
  } catch {
    return null;
  }
}

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  /** Grid root: the run's folder is `runDir(root, spec)`. */
  root: string;
  onProgress?: (p: RunProgress) => void;
}

/** Everything that changes while a run trains (what a saved state restores). */
interface RunProgressState {
  step: number;
  examples: number;
  trainSeconds: number;
  records: CheckpointRecord[];
  lossLog: Array<[number, number]>;
  cursor: BatchCursor;
}

/** Yield to the event loop, so IPC (a parent that is gone), timers and signals are seen between steps. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Restore the newest usable saved state into the model and optimizer; a state whose binary does
 * not fit the model is skipped with a note. Returns null when none could be used.
 */
function restoreState(
  states: readonly SavedState[],
  dir: string,
  model: CrossEncoder,
  opt: AdamW,
  makeCursor: (st?: CursorState) => BatchCursor,
  notes: string[],
): RunProgressState | null {
  const sizes = model.specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
  for (const st of states) {
    const file = path.join(dir, st.bin);
    try {
      const parts = unpackFloats(fs.readFileSync(file), [...sizes, ...sizes, ...sizes], file);
      writeWeights(model, parts.slice(0, sizes.length));
      opt.setState({
        step: st.optimizerStep,
        m: parts.slice(sizes.length, 2 * sizes.length),
        v: parts.slice(2 * sizes.length),
      });
      return {
        step: st.step,
        examples: st.examples,
        trainSeconds: st.trainSeconds,
        records: st.records,
        lossLog: st.lossLog,
        cursor: makeCursor(st.cursor),
      };
    } catch (e) {
      notes.push((e as Error).message);
    }
  }
  return null;
}

/** The record of one evaluated checkpoint. */
function checkpointRecord(
  spec: RunSpec,
  data: TrainerData,
  rm: RunModel,
  st: RunProgressState,
  metrics: Record<string, number>,
  engine: { backend: string; kernels: string },
): CheckpointRecord {
  return {
    tier: spec.tier,
    params: rm.counts.nonEmbedding,
    totalParams: rm.counts.total,
    objective: spec.objective,
    step: st.step,
    examples: st.examples,
    tokens: st.examples * data.seqLen,
    flops: st.examples * rm.flopsPerExample,
    metrics,
    wallSeconds: Math.round(st.trainSeconds * 1000) / 1000,
    backend: engine.backend,
    kernels: engine.kernels,
    seed: spec.seed,
    profile: spec.profile,
    evalSet: data.evalSet,
  };
}

/** Save the resumable state of a run, and its records and loss curve as readable files. */
async function saveProgress(
  dir: string,
  hash: string,
  model: CrossEncoder,
  opt: AdamW,
  st: RunProgressState,
): Promise<void> {
  const w = await readWeights(model);
  const os = await opt.getState();
  const { step, examples, trainSeconds, records, lossLog } = st;
  saveRunState(
    dir,
    {
      hash,
      step,
      cursor: st.cursor.getState(),
      optimizerStep: os.step,
      records,
      lossLog,
      trainSeconds,
      examples,
    },
    packFloats([...w, ...os.m, ...os.v]),
  );
  writeCheckpointRecords(path.join(dir, "records.jsonl"), records);
  writeFileAtomic(
    path.join(dir, "loss.jsonl"),
    lossLog.map(([s, l]) => JSON.stringify({ step: s, loss: l })).join("\n") + (lossLog.length ? "\n" : ""),
  );
}

/**
 * Train one run to completion (or resume it), evaluating at the checkpoints of `config`.
 * Requires a selected backend (`selectBackend`). A complete run is not retrained: its records are
 * returned. A NaN/Inf loss ends the run with status "failed" and writes `failed.json`. A damaged
 * state, done or failed file is named in a progress notice (phase "notice") and in the outcome's
 * `notes`, and the run resumes from its previous saved state or restarts from scratch. Another
 * live process training the same folder makes it throw {@link RunBusyError}. A pretrained run
 * (`spec.pretrained`) needs `data` built with that folder's tokenizer
 * (`buildTrainerData(ds, { tokenizerFolder })`); otherwise it throws before writing anything.
 */
export async function trainRun(
  spec: RunSpec,
  data: TrainerData,
  config: TrainConfig,
  opts: TrainRunOptions,
): Promise<RunOutcome> {
  const started = Date.now();
  const dir = runDir(opts.root, spec);
  const identity = runIdentity(spec, data, config);
  const hash = configHash(identity);
  const progress = opts.onProgress ?? (() => {});
  const finished = (f: RunFolder): RunOutcome | null => {
    if (f.status !== "done" && f.status !== "failed") return null;
    progress({ spec, phase: "skipped", step: config.steps, steps: config.steps, message: f.status });
    return {
      spec,
      status: f.status,
      records: f.records,
      message: f.status === "failed" ? f.message : undefined,
      resumed: false,
      seconds: 0,
      notes: f.notes,
    };
  };
  const early = finished(inspectRunFolder(dir, hash));
  if (early) return early;
  // A pretrained run whose data do not fit its checkpoint fails here, before its folder is touched.
  if (spec.pretrained !== undefined) checkPretrainedData(spec as RunSpec & { pretrained: string }, data);
  const unlock = lockRunFolder(dir);
  try {
    const folder = inspectRunFolder(dir, hash); // again, now that no one else can change it
    return (
      finished(folder) ??
      (await trainLocked(spec, data, config, opts, { dir, hash, identity, folder, started }))
    );
  } finally {
    unlock();
  }
}

/** The body of {@link trainRun} once the run folder is locked and known not to be finished. */
async function trainLocked(
  spec: RunSpec,
  data: TrainerData,
  config: TrainConfig,
  opts: TrainRunOptions,
  ctx: { dir: string; hash: string; identity: unknown; folder: RunFolder; started: number },
): Promise<RunOutcome> {
  const { dir, hash, folder } = ctx;
  const progress = opts.onProgress ?? (() => {});
  const backend = currentBackend();
  if (!backend) throw new Error("no tfjs backend selected: call selectBackend() first");
  const notes = [...folder.notes];
  const rm = buildRunModel(spec, data, config, deriveSeed(spec.seed, `init:${spec.tier}`));
  const { model } = rm;
  const opt = createOptimizer(model, config.adamw ?? DEFAULT_ADAMW);
  const isGroup = spec.objective !== "pointwise";
  const makeCursor = (st?: CursorState) =>
    new BatchCursor(
      data,
      isGroup ? "group" : "row",
      isGroup ? config.groupsPerStep : config.pairsPerStep,
      spec.seed,
      st,
    );
  try {
    let st =
      folder.status === "partial" ? restoreState(folder.states, dir, model, opt, makeCursor, notes) : null;
    const resumed = st !== null;
    if (!st) {
      if (notes.length) notes.push(`restarting ${path.basename(dir)} from scratch`);
      resetRunFolder(dir);
      st = { step: 0, examples: 0, trainSeconds: 0, records: [], lossLog: [], cursor: makeCursor() };
    } else if (notes.length) notes.push(`resuming ${path.basename(dir)} from the state of step ${st.step}`);
    if (notes.length)
      progress({ spec, phase: "notice", step: st.step, steps: config.steps, message: notes.join("; ") });
    writeJsonAtomic(path.join(dir, "config.json"), { hash, ...(ctx.identity as object) });
    writeCheckpointRecords(path.join(dir, "records.jsonl"), st.records);
    await trainSteps(spec, data, config, {
      dir,
      hash,
      model: rm,
      opt,
      st,
      engine: { backend: backend.backend, kernels: backend.kernels },
      progress,
    });
    const final = config.finalEval
      ? await finalEvaluation(model, data, dir, `${spec.tier}-${spec.objective}`, (m) =>
          progress({ spec, phase: "eval", step: st!.step, steps: config.steps, message: m }),
        )
      : undefined;
    finishRun(
      dir,
      { hash, records: st.records, trainSeconds: st.trainSeconds, ...(final ? { final } : {}) },
      packFloats(await readWeights(model)),
    );
    progress({ spec, phase: "done", step: st.step, steps: config.steps });
    return {
      spec,
      status: "done",
      records: st.records,
      resumed,
      seconds: (Date.now() - ctx.started) / 1000,
      notes,
    };
  } catch (e) {
    if (!(e instanceof NonFiniteLossError)) throw e;
    const records = (e as NonFiniteLossError & { records?: CheckpointRecord[] }).records ?? [];
    writeJsonAtomic(path.join(dir, "failed.json"), { hash, records, message: e.message, step: e.step });
    progress({ spec, phase: "failed", step: e.step, steps: config.steps, message: e.message });
    return {
      spec,
      status: "failed",
      records,
      message: e.message,
      resumed: false,
      seconds: (Date.now() - ctx.started) / 1000,
      notes,
    };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

/**
 * The training loop: steps with the objective's loss and AdamW, the loss log, evaluation and a
 * saved state at every checkpoint, and a saved state every `saveEverySteps` steps. Yields to the
 * event loop after every step, so a worker sees its parent go away.
 */
async function trainSteps(
  spec: RunSpec,
  data: TrainerData,
  config: TrainConfig,
  c: {
    dir: string;
    hash: string;
    model: RunModel;
    opt: AdamW;
    st: RunProgressState;
    engine: { backend: string; kernels: string };
    progress: (p: RunProgress) => void;
  },
): Promise<void> {
  const { st, opt, progress } = c;
  const model = c.model.model;
  const isGroup = spec.objective !== "pointwise";
  const examplesPerStep = stepExamples(spec.objective, config, data.groupSize);
  const schedule: ScheduleConfig = {
    ...config.schedule,
    peakLr: config.peakLrByTier?.[spec.tier] ?? config.schedule.peakLr,
    totalSteps: config.steps,
  };
  const ckpts = new Set(checkpointSteps(config));
  let winSum = 0,
    winN = 0;
  while (st.step < config.steps) {
    const batch = st.cursor.next();
    const t0 = Date.now();
    const r = await trainStep(
      model,
      opt,
      spec.objective,
      batch,
      data.groupSize,
      learningRate(schedule, st.step + 1),
    );
    st.trainSeconds += (Date.now() - t0) / 1000;
    if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm))
      throw Object.assign(new NonFiniteLossError(st.step + 1, r.loss, r.gradNorm), { records: st.records });
    st.step++;
    st.examples += examplesPerStep;
    winSum += r.loss;
    winN++;
    if (st.step % config.logEvery === 0 || st.step === config.steps) {
      st.lossLog.push([st.step, winSum / winN]);
      winSum = 0;
      winN = 0;
    }
    progress({
      spec,
      phase: "train",
      step: st.step,
      steps: config.steps,
      loss: st.lossLog.length ? st.lossLog[st.lossLog.length - 1][1] : r.loss,
    });
    if (ckpts.has(st.step)) {
      progress({ spec, phase: "eval", step: st.step, steps: config.steps });
      const { metrics } = await evaluateModel(
        model,
        evalSubset(data, config.checkpointEvalQueries ?? Infinity),
      );
      st.records.push(checkpointRecord(spec, data, c.model, st, metrics, c.engine));
      await saveProgress(c.dir, c.hash, model, opt, st);
      progress({ spec, phase: "checkpoint", step: st.step, steps: config.steps, metrics });
    } else if (config.saveEverySteps > 0 && st.step % config.saveEverySteps === 0) {
      await saveProgress(c.dir, c.hash, model, opt, st);
    }
    await yieldToEventLoop();
  }
}

/**
 * Load the final weights of a complete run (`weights.bin`, written when the run finished) into a
 * new cross-encoder, e.g. to rerank and write TREC run files. Throws if the run is not complete.
 * For a pretrained run the checkpoint folder is loaded for its architecture and then overwritten
 * with the fine-tuned weights (a `PretrainedEncoder`, which `savePretrainedEncoder` can write out).
 */
export function loadTrainedModel(
  root: string,
  spec: RunSpec,
  data: TrainerData,
  config: TrainConfig,
): CrossEncoder {
  if (runStatus(root, spec, data, config) !== "done")
    throw new Error(`run ${spec.tier}/${spec.objective}/seed ${spec.seed} is not complete under ${root}`);
  if (spec.pretrained !== undefined) checkPretrainedData(spec as RunSpec & { pretrained: string }, data);
  const { model } = buildRunModel(spec, data, config, 0);
  const sizes = model.specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
  const file = path.join(runDir(root, spec), "weights.bin");
  writeWeights(model, unpackFloats(fs.readFileSync(file), sizes, file));
  return model;
}
