/**
 * The grid runner: trains every (tier, objective, seed) run of a profile, skipping complete
 * runs and resuming partial ones from their saved state (see trainer.ts), optionally in several
 * worker processes (wasm runs on one core, so 2 workers use a 2-core machine fully).
 *
 * Outputs under `results/runs/<profile>/`: one folder per run, plus `records.jsonl` (every
 * record of every complete run found under the root, sorted by tier, objective, seed, step) and
 * `records.authors.jsonl` (the same in the paper authors' layout). Both are derived from the run
 * folders on disk and rewritten atomically after each run, so a grid of a subset of the runs never
 * shrinks them.
 *
 * Reliability: the options are checked before anything is touched (non-empty lists without
 * duplicates, known names, a positive whole number of jobs); a run that cannot train (a damaged
 * file it could not recover from, a folder locked by another live process) is reported with
 * status "error" while the rest of the grid goes on; worker processes exit within seconds when
 * the parent goes away (they yield between steps and watch their IPC channel and parent pid).
 *
 * Tiers are from-scratch tiers (TIERS, model/tiers.ts) or pretrained tiers (`pretrainedTiers`:
 * a name and a Hugging Face folder each, e.g. `ettinTiers("data/checkpoints")`). A pretrained
 * tier's runs fine-tune its checkpoint on data tokenised with its own tokenizer.json; everything
 * else (resume, records, aggregation) is the same.
 */
import * as path from "node:path";
import { runWorkerPool, workerEntry } from "../util/worker";
import { activeProfile, type ProfileName } from "../util/profile";
import { resultsPath } from "../util/paths";
import { writeFileAtomic } from "../util/fsutil";
import type { CheckpointRecord, Objective } from "../records/types";
import { writeCheckpointRecords } from "../records/jsonl";
import { toAuthorRecord } from "../records/authors";
import { GROUP_NEGATIVES, RERANK_DEPTH, prepareDataset } from "../data/dataset";
import { TIERS, forwardFlopsPerExample, tierConfig } from "../model/tiers";
import { selectBackend } from "../backend/select";
import type { PretrainedTier } from "../pretrained/family";
import { planCheckpoint } from "../pretrained/load";
import { buildTrainerData, hfTokenizerIdentity } from "./dataset";
import type { TrainerData } from "./batches";
import { PROFILE_TRAIN_CONFIGS, ProfileTrainConfig } from "./profiles";
import { RunOutcome, RunProgress, RunSpec, stepExamples, trainRun } from "./trainer";
import { completeRunRecords } from "./runstate";
import { compareTiers, tierRank } from "./tierorder";

/** Options of {@link runGrid} (defaults from the profile's {@link PROFILE_TRAIN_CONFIGS} entry). */
export interface GridOptions {
  /** Profile [activeProfile()]. */
  profile?: ProfileName;
  /** Tiers to train, names from TIERS or `pretrainedTiers` [the pretrained tiers if any are given, else the profile's]. */
  tiers?: string[];
  /**
   * Tiers that fine-tune a checkpoint folder instead of training from scratch, e.g.
   * `ettinTiers("data/checkpoints")` for the paper's Ettin family [none]. Names must not be TIERS
   * names and are used in run folders and records.
   */
  pretrainedTiers?: PretrainedTier[];
  objectives?: Objective[];
  seeds?: number[];
  /** Worker processes; 1 trains in this process [profile's jobs]. */
  jobs?: number;
  /** Output folder [results/runs/<profile>]. */
  root?: string;
  /** Dataset seed [1]. */
  dataSeed?: number;
  /**
   * Optimizer steps per run instead of the profile's (checkpoints keep the profile's count and
   * spacing, ending at the new last step). Runs of another length are other runs (their identity
   * differs), so give them their own `root` [the profile's steps].
   */
  steps?: number;
  /** Progress events of every run. */
  onProgress?: (p: RunProgress) => void;
  /** Log lines (dataset preparation, workers) [none]. */
  log?: (s: string) => void;
}

/** Result of a grid. */
export interface GridResult {
  profile: ProfileName;
  root: string;
  outcomes: RunOutcome[];
  /** All records of complete runs (sorted). */
  records: CheckpointRecord[];
  wallSeconds: number;
}

/** A grid list must be non-empty and free of duplicates (two runs of one folder would collide). */
function checkList(what: string, values: readonly unknown[]): void {
  if (values.length === 0) throw new Error(`the grid needs at least one of ${what}`);
  const seen = new Set<unknown>();
  for (const v of values) {
    if (seen.has(v)) throw new Error(`${what} lists ${JSON.stringify(v)} twice`);
    seen.add(v);
  }
}

/** Tier names that are safe as run-folder names. */
const TIER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Check pretrained tier names: unique, not a TIERS name, usable as a folder name. Throws an
 * Error naming the offending tier.
 */
export function checkPretrainedTierNames(pretrainedTiers: readonly PretrainedTier[]): void {
  const seen = new Set<string>();
  for (const t of pretrainedTiers) {
    if (!TIER_NAME.test(t.name))
      throw new Error(
        `pretrained tier name "${t.name}" (${t.folder}) must be letters, digits, ".", "_" or "-"`,
      );
    if (tierRank(t.name) < TIERS.length)
      throw new Error(
        `pretrained tier name "${t.name}" (${t.folder}) is already a from-scratch tier; choose another name`,
      );
    if (seen.has(t.name)) throw new Error(`pretrained tier name "${t.name}" is given twice`);
    seen.add(t.name);
  }
}

/**
 * The runs of a grid in the order they are trained (largest tiers first, to balance workers).
 * A tier named in `pretrainedTiers` gets `pretrained` = its folder (made absolute); pretrained
 * tiers count as larger than every TIERS tier and as larger the later they are listed
 * (`ettinTiers` lists 17m … 1b). An unknown tier name throws an Error listing the known ones.
 */
export function gridSpecs(
  profile: ProfileName,
  tiers: readonly string[],
  objectives: readonly Objective[],
  seeds: readonly number[],
  pretrainedTiers: readonly PretrainedTier[] = [],
): RunSpec[] {
  checkPretrainedTierNames(pretrainedTiers);
  checkList("tiers", tiers);
  checkList("objectives", objectives);
  checkList("seeds", seeds);
  for (const s of seeds) if (!Number.isSafeInteger(s)) throw new Error(`seed ${s} is not an integer`);
  const byName = new Map(
    pretrainedTiers.map((t, i) => [t.name, { folder: path.resolve(t.folder), rank: TIERS.length + i }]),
  );
  const rank = (t: string): number => {
    const p = byName.get(t);
    if (p) return p.rank;
    const r = tierRank(t);
    if (r === TIERS.length) {
      const known = [...TIERS.map((x) => x.name), ...byName.keys()].join(", ");
      throw new Error(
        `unknown tier "${t}": the tiers are ${known}${pretrainedTiers.length ? "" : " (pretrained tiers need a checkpoint folder: GridOptions.pretrainedTiers, or --pretrained / --ettin on the command line)"}`,
      );
    }
    return r;
  };
  const ranks = new Map(tiers.map((t) => [t, rank(t)]));
  const out: RunSpec[] = [];
  for (const tier of [...tiers].sort((a, b) => ranks.get(b)! - ranks.get(a)!)) {
    const folder = byName.get(tier)?.folder;
    for (const seed of seeds)
      for (const objective of objectives)
        out.push(
          folder === undefined
            ? { profile, tier, objective, seed }
            : { profile, tier, objective, seed, pretrained: folder },
        );
  }
  return out;
}

/**
 * Cost of one step in FLOP equivalents that FLOPs do not count, measured on the `mini` grid (2-core
 * machine, wasm, 2 workers; seconds per step of each tier, training and checkpoint scoring, fitted
 * by least squares as α + β·FLOPs + γ·activations over t0–t5, every tier within 10 %):
 * {@link STEP_OVERHEAD_FLOPS} = α/β for the fixed work of a step (~480 kernel calls, batch
 * assembly, the optimiser's per-tensor loop) and {@link ACTIVATION_FLOPS} = γ/β for each
 * activation element a pass writes (T·d per layer and example: elementwise kernels are bound by
 * memory, not arithmetic).
 */
export const STEP_OVERHEAD_FLOPS = 1e9;
/** See {@link STEP_OVERHEAD_FLOPS}. */
export const ACTIVATION_FLOPS = 3900;

/**
 * Relative cost of one optimiser step of a from-scratch run, for the grid's ETA (`stepCost` of
 * createProgressPrinter): with P = 3·examples + scored (forward and backward of the step's
 * examples, plus the BM25 top-100 pairs of the checkpoint and final evaluations spread over the
 * steps), cost = P·(2·N·T + 4·L·T²·d) + ACTIVATION_FLOPS·P·L·T·d + STEP_OVERHEAD_FLOPS. Null for
 * a pretrained tier (its shape is in its folder).
 */
export function gridStepCost(profile: ProfileName, steps?: number): (spec: RunSpec) => number | null {
  const cfg = PROFILE_TRAIN_CONFIGS[profile];
  const t = cfg.train;
  const n = steps ?? t.steps;
  const scoredPairs =
    RERANK_DEPTH *
    ((t.checkpointEvalQueries ?? cfg.evalQueries) * t.checkpoints + (t.finalEval ? cfg.evalQueries : 0));
  return (spec) => {
    if (spec.pretrained !== undefined || tierRank(spec.tier) >= TIERS.length) return null;
    const mc = tierConfig(spec.tier, 1, cfg.seqLen);
    const passes = 3 * stepExamples(spec.objective, t, 1 + GROUP_NEGATIVES) + scoredPairs / n;
    return (
      passes * forwardFlopsPerExample(mc) +
      ACTIVATION_FLOPS * passes * mc.layers * cfg.seqLen * mc.dModel +
      STEP_OVERHEAD_FLOPS
    );
  };
}

/**
 * Build the trainer data of a profile (dataset from the data module's cache), tokenised with the
 * dataset's word-level vocabulary, or with `tokenizerFolder`'s tokenizer.json for a pretrained tier.
 */
export async function prepareTrainerData(
  profile: ProfileName,
  cfg: ProfileTrainConfig,
  dataSeed = 1,
  log?: (s: string) => void,
  tokenizerFolder?: string,
): Promise<TrainerData> {
  const ds = await prepareDataset({ profile, seed: dataSeed, log });
  return buildTrainerData(ds, { seqLen: cfg.seqLen, evalQueries: cfg.evalQueries, tokenizerFolder });
}

/**
 * The trainer data of each run, built on first use and shared: one for every from-scratch run,
 * one per distinct tokenizer (by hash) for pretrained runs, so six Ettin sizes sharing one
 * tokenizer share one copy.
 */
export function trainerDataCache(
  profile: ProfileName,
  cfg: ProfileTrainConfig,
  dataSeed = 1,
  log?: (s: string) => void,
): (spec: RunSpec) => Promise<TrainerData> {
  const cache = new Map<string, Promise<TrainerData>>();
  return (spec) => {
    const key = spec.pretrained === undefined ? "" : hfTokenizerIdentity(spec.pretrained).sha256;
    let d = cache.get(key);
    if (!d) {
      if (spec.pretrained !== undefined)
        log?.(`tokenising with ${path.join(spec.pretrained, "tokenizer.json")}`);
      d = prepareTrainerData(profile, cfg, dataSeed, log, spec.pretrained);
      cache.set(key, d);
    }
    return d;
  };
}

const OBJECTIVE_ORDER: readonly Objective[] = ["pointwise", "pairwise", "listwise"];

/** Sort records by tier (size order, see `compareTiers`), objective, seed, step. */
export function sortRecords(records: CheckpointRecord[]): CheckpointRecord[] {
  const rest = (r: CheckpointRecord) => [OBJECTIVE_ORDER.indexOf(r.objective), r.seed, r.step];
  return records.sort((a, b) => {
    const t = compareTiers(a, b);
    if (t !== 0) return t;
    const x = rest(a),
      y = rest(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  });
}

/**
 * Rewrite the grid's merged records (`records.jsonl`, `records.authors.jsonl`) from every complete
 * run folder under `root`, atomically; returns the records written.
 */
export function writeMergedRecords(root: string): CheckpointRecord[] {
  const records = sortRecords(completeRunRecords(root));
  writeCheckpointRecords(path.join(root, "records.jsonl"), records);
  writeFileAtomic(
    path.join(root, "records.authors.jsonl"),
    records.map((r) => JSON.stringify(toAuthorRecord(r))).join("\n") + (records.length ? "\n" : ""),
  );
  return records;
}

/** Message from a worker process. */
type WorkerMessage =
  | { type: "ready"; backend: string }
  | { type: "progress"; p: RunProgress }
  | { type: "done"; o: RunOutcome }
  | { type: "error"; message: string };

/**
 * Train the grid of a profile. Complete runs are skipped, partial runs resume, a run whose loss
 * becomes NaN/Inf is marked failed and the grid goes on. Requires nothing selected beforehand:
 * the backend comes from `selectBackend` (env SCALERANK_BACKEND) in this process and in workers,
 * the kernels from SCALERANK_KERNELS or the profile's `kernels`.
 */
export async function runGrid(options: GridOptions = {}): Promise<GridResult> {
  const started = Date.now();
  const profile = options.profile ?? activeProfile();
  const cfg = PROFILE_TRAIN_CONFIGS[profile];
  const pretrainedTiers = options.pretrainedTiers ?? [];
  const tiers =
    options.tiers ?? (pretrainedTiers.length > 0 ? pretrainedTiers.map((t) => t.name) : cfg.tiers);
  const objectives = options.objectives ?? cfg.objectives;
  const seeds = options.seeds ?? cfg.seeds;
  const root = options.root ?? resultsPath("runs", profile);
  if (options.steps !== undefined && !(Number.isSafeInteger(options.steps) && options.steps >= 1))
    throw new Error(`steps must be a whole number ≥ 1, got ${options.steps}`);
  const train = options.steps === undefined ? cfg.train : { ...cfg.train, steps: options.steps };
  const requestedJobs = options.jobs ?? cfg.jobs;
  if (!Number.isSafeInteger(requestedJobs) || requestedJobs < 1)
    throw new Error(`jobs must be a whole number ≥ 1, got ${requestedJobs}`);
  const specs = gridSpecs(profile, tiers, objectives, seeds, pretrainedTiers);
  const jobs = Math.min(requestedJobs, specs.length);
  // Every checkpoint folder of the grid is checked (config.json, safetensors headers, tensor
  // shapes, tokenizer.json) before any training starts; InputError names what is wrong. The
  // classifier is replaced by a fresh 1-logit head, so a checkpoint's own classifier may have any shape.
  for (const folder of new Set(specs.flatMap((s) => (s.pretrained === undefined ? [] : [s.pretrained])))) {
    planCheckpoint(folder, { freshHead: true });
    hfTokenizerIdentity(folder);
  }
  const log = options.log ?? (() => {});
  const onProgress = options.onProgress ?? (() => {});
  const outcomes: RunOutcome[] = [];
  const dataSeed = options.dataSeed ?? 1;
  // the profile's kernels, unless the environment (or --kernels, which sets it) says otherwise;
  // forked workers inherit the environment
  if (cfg.kernels && !process.env.SCALERANK_KERNELS) process.env.SCALERANK_KERNELS = cfg.kernels;

  if (jobs === 1) {
    await selectBackend();
    const dataFor = trainerDataCache(profile, cfg, dataSeed, log);
    for (const spec of specs) {
      outcomes.push(
        await trainOrReport(
          spec,
          async () => trainRun(spec, await dataFor(spec), train, { root, onProgress }),
          onProgress,
        ),
      );
      writeMergedRecords(root);
    }
  } else {
    // Prepare (and cache) the dataset once before the workers load it.
    await prepareDataset({ profile, seed: dataSeed, log });
    await runWorkerPool<RunSpec, WorkerMessage>({
      entry: workerEntry(__filename, "worker"),
      workers: jobs,
      jobs: specs,
      init: { type: "init", profile, root, dataSeed, train },
      jobMessage: (spec) => ({ type: "run", spec }),
      onDone: (_spec, m) => {
        outcomes.push(m.o);
        writeMergedRecords(root);
      },
      onMessage: (w, m) => {
        if (m.type === "ready") log(`worker ${w}: ${m.backend}`);
        else if (m.type === "progress") onProgress(m.p);
      },
      label: "worker",
    });
  }
  const records = writeMergedRecords(root);
  return { profile, root, outcomes, records, wallSeconds: (Date.now() - started) / 1000 };
}

/**
 * Train one run, turning an error it throws into an outcome with status "error" (reported through
 * `onProgress` as "failed" with the message), so the rest of the grid goes on.
 */
export async function trainOrReport(
  spec: RunSpec,
  train: () => Promise<RunOutcome>,
  onProgress: (p: RunProgress) => void = () => {},
): Promise<RunOutcome> {
  const t0 = Date.now();
  try {
    return await train();
  } catch (e) {
    const message = (e as Error).message;
    onProgress({ spec, phase: "failed", step: 0, steps: 0, message });
    return { spec, status: "error", records: [], message, resumed: false, seconds: (Date.now() - t0) / 1000 };
  }
}
