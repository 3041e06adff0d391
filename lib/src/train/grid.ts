/**
 * The grid runner: trains every (tier, objective, seed) run of a profile, skipping complete
 * runs and resuming partial ones from their saved state (see trainer.ts), optionally in several
 * worker processes (wasm runs on one core, so 2 workers use a 2-core machine fully).
 *
 * Outputs under `results/runs/<profile>/`: one folder per run, plus `records.jsonl` (every
 * record of every complete run, sorted by tier, objective, seed, step) and
 * `records.authors.jsonl` (the same in the paper authors' layout), rewritten atomically after
 * each run.
 */
import * as path from "node:path";
import { fork } from "node:child_process";
import { activeProfile, type ProfileName } from "../util/profile";
import { resultsPath } from "../util/paths";
import { writeFileAtomic } from "../util/fsutil";
import type { CheckpointRecord, Objective } from "../records/types";
import { writeCheckpointRecords } from "../records/jsonl";
import { toAuthorRecord } from "../records/authors";
import { prepareDataset } from "../data/dataset";
import { TIERS } from "../model/tiers";
import { selectBackend } from "../backend/select";
import { buildTrainerData } from "./dataset";
import type { TrainerData } from "./batches";
import { PROFILE_TRAIN_CONFIGS, ProfileTrainConfig } from "./profiles";
import { RunOutcome, RunProgress, RunSpec, trainRun } from "./trainer";

/** Options of {@link runGrid} (defaults from the profile's {@link PROFILE_TRAIN_CONFIGS} entry). */
export interface GridOptions {
  /** Profile [activeProfile()]. */
  profile?: ProfileName;
  tiers?: string[];
  objectives?: Objective[];
  seeds?: number[];
  /** Worker processes; 1 trains in this process [profile's jobs]. */
  jobs?: number;
  /** Output folder [results/runs/<profile>]. */
  root?: string;
  /** Dataset seed [1]. */
  dataSeed?: number;
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

/** The runs of a grid in the order they are trained (largest tiers first, to balance workers). */
export function gridSpecs(profile: ProfileName, tiers: readonly string[], objectives: readonly Objective[], seeds: readonly number[]): RunSpec[] {
  const order = (t: string) => TIERS.findIndex((x) => x.name === t);
  const out: RunSpec[] = [];
  for (const tier of [...tiers].sort((a, b) => order(b) - order(a)))
    for (const seed of seeds) for (const objective of objectives) out.push({ profile, tier, objective, seed });
  return out;
}

/** Build the trainer data of a profile (dataset from the data module's cache). */
export async function prepareTrainerData(profile: ProfileName, cfg: ProfileTrainConfig, dataSeed = 1, log?: (s: string) => void): Promise<TrainerData> {
  const ds = await prepareDataset({ profile, seed: dataSeed, log });
  return buildTrainerData(ds, { seqLen: cfg.seqLen, evalQueries: cfg.evalQueries });
}

const order = (r: CheckpointRecord) => [TIERS.findIndex((t) => t.name === r.tier), ["pointwise", "pairwise", "listwise"].indexOf(r.objective), r.seed, r.step];

/** Sort records by tier (size order), objective, seed, step. */
export function sortRecords(records: CheckpointRecord[]): CheckpointRecord[] {
  return records.sort((a, b) => {
    const x = order(a), y = order(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  });
}

function writeAggregate(root: string, outcomes: readonly RunOutcome[]): CheckpointRecord[] {
  const records = sortRecords(outcomes.filter((o) => o.status === "done").flatMap((o) => o.records));
  writeCheckpointRecords(path.join(root, "records.jsonl"), records);
  writeFileAtomic(path.join(root, "records.authors.jsonl"), records.map((r) => JSON.stringify(toAuthorRecord(r))).join("\n") + (records.length ? "\n" : ""));
  return records;
}

/** Message from a worker process. */
type WorkerMessage = { type: "ready"; backend: string } | { type: "progress"; p: RunProgress } | { type: "outcome"; o: RunOutcome } | { type: "error"; message: string };

function workerEntry(): { file: string; execArgv: string[] } {
  const js = path.join(__dirname, "worker.js");
  if (__filename.endsWith(".ts")) return { file: path.join(__dirname, "worker.ts"), execArgv: ["--import", "tsx"] };
  return { file: js, execArgv: [] };
}

/**
 * Train the grid of a profile. Complete runs are skipped, partial runs resume, a run whose loss
 * becomes NaN/Inf is marked failed and the grid goes on. Requires nothing selected beforehand:
 * the backend comes from `selectBackend` (env SCALERANK_BACKEND) in this process and in workers.
 */
export async function runGrid(options: GridOptions = {}): Promise<GridResult> {
  const started = Date.now();
  const profile = options.profile ?? activeProfile();
  const cfg = PROFILE_TRAIN_CONFIGS[profile];
  const tiers = options.tiers ?? cfg.tiers;
  const objectives = options.objectives ?? cfg.objectives;
  const seeds = options.seeds ?? cfg.seeds;
  const root = options.root ?? resultsPath("runs", profile);
  const jobs = Math.max(1, Math.min(options.jobs ?? cfg.jobs, tiers.length * objectives.length * seeds.length));
  const specs = gridSpecs(profile, tiers, objectives, seeds);
  const log = options.log ?? (() => {});
  const onProgress = options.onProgress ?? (() => {});
  const outcomes: RunOutcome[] = [];
  const dataSeed = options.dataSeed ?? 1;

  if (jobs === 1) {
    await selectBackend();
    const data = await prepareTrainerData(profile, cfg, dataSeed, log);
    for (const spec of specs) {
      outcomes.push(await trainRun(spec, data, cfg.train, { root, onProgress }));
      writeAggregate(root, outcomes);
    }
  } else {
    // Prepare (and cache) the dataset once before the workers load it.
    await prepareDataset({ profile, seed: dataSeed, log });
    const queue = specs.slice();
    const { file, execArgv } = workerEntry();
    await Promise.all(
      Array.from({ length: jobs }, (_, w) =>
        new Promise<void>((resolve, reject) => {
          const child = fork(file, [], { execArgv, env: { ...process.env, SCALERANK_WORKER: String(w) }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
          const sendNext = () => {
            const spec = queue.shift();
            if (spec) child.send({ type: "run", spec });
            else child.send({ type: "exit" });
          };
          child.on("message", (m: WorkerMessage) => {
            if (m.type === "ready") {
              log(`worker ${w}: ${m.backend}`);
              sendNext();
            } else if (m.type === "progress") onProgress(m.p);
            else if (m.type === "outcome") {
              outcomes.push(m.o);
              writeAggregate(root, outcomes);
              sendNext();
            } else if (m.type === "error") reject(new Error(`worker ${w}: ${m.message}`));
          });
          child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`worker ${w} exited with code ${code}`))));
          child.send({ type: "init", profile, root, dataSeed });
        }),
      ),
    );
  }
  const records = writeAggregate(root, outcomes);
  return { profile, root, outcomes, records, wallSeconds: (Date.now() - started) / 1000 };
}
