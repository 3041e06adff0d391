/**
 * Running the whole generative-retrieval experiment (experiment.ts has its pieces): the list of
 * models to train (jobs), a result file per finished job so that an interrupted experiment
 * resumes where it stopped, and worker processes that train models side by side.
 *
 * Jobs. One job trains one model (method × tier × data fraction) and measures its CGL; the job of
 * the largest n-gram tier also runs the beam sweep. Jobs are independent and seeded from the
 * config alone, so running them in any order, in one process or in several, gives the same
 * numbers (tested).
 *
 * Files. `<dir>/<method>-<tier>-<percent>.json` holds a finished job's result together with a key
 * of everything it depends on (the config without `jobs`, and the corpus size); a file whose key
 * differs is ignored and recomputed. Files are written atomically (temp file, rename), so a killed
 * experiment leaves only whole results behind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProfileName } from "../util/profile";
import { activeProfile } from "../util/profile";
import { resultsPath } from "../util/paths";
import { writeJsonAtomic } from "../util/fsutil";
import { runWorkerPool, workerEntry } from "../util/worker";
import { cglCeiling } from "./cgl";
import {
  beamSweep,
  trainAndMeasure,
  type BeamPoint,
  type GenretConfig,
  type GenretData,
  type GenretMethod,
  type GenretModelResult,
} from "./experiment";

/** Everything the notebook shows. */
export interface GenretResults {
  config: GenretConfig;
  ceiling: number;
  /** Size sweep, both methods, fraction 1. */
  size: GenretModelResult[];
  /** Data sweep of the n-gram method on `dataTier`. */
  data: GenretModelResult[];
  /** Beam sweep of the largest n-gram model. */
  beams: BeamPoint[];
  beamTier: string;
  /** Corpus statistics. */
  corpus: {
    docs: number;
    tokens: number;
    vocab: number;
    distinct10grams: number;
    docidLen: number;
    trainQueries: number;
    testQueries: number;
  };
}

/** One model to train and measure. */
export interface GenretJob {
  method: GenretMethod;
  tier: string;
  fraction: number;
  /** Also run the beam sweep on this model (the largest n-gram tier). */
  beams: boolean;
}

/** What a finished job produced. */
export interface GenretJobResult {
  job: GenretJob;
  result: GenretModelResult;
  beams?: BeamPoint[];
}

/**
 * The jobs of an experiment: every tier for both methods on all data, and the n-gram `dataTier`
 * on every other fraction. Listed largest first (tier order, then fraction), so that a pool of
 * workers does not end waiting on one long job.
 */
export function genretJobs(config: GenretConfig): GenretJob[] {
  const largest = config.tiers[config.tiers.length - 1];
  const jobs: GenretJob[] = [];
  for (const tier of config.tiers) {
    for (const method of ["ngram", "docid"] as const)
      jobs.push({ method, tier, fraction: 1, beams: method === "ngram" && tier === largest });
  }
  for (const f of config.fractions)
    if (f !== 1 || !config.tiers.includes(config.dataTier))
      jobs.push({ method: "ngram", tier: config.dataTier, fraction: f, beams: false });
  const rank = (j: GenretJob) => config.tiers.indexOf(j.tier) * 10 + j.fraction + (j.beams ? 100 : 0);
  return jobs.sort((a, b) => rank(b) - rank(a));
}

/** Train and measure one job's model (and run the beam sweep when asked); frees the model. */
export async function runGenretJob(
  data: GenretData,
  config: GenretConfig,
  job: GenretJob,
  log: (m: string) => void = () => {},
): Promise<GenretJobResult> {
  const { result, model } = await trainAndMeasure(data, config, job.method, job.tier, job.fraction, log);
  try {
    const out: GenretJobResult = { job, result };
    if (job.beams) out.beams = (await beamSweep(model, data, config, log)).points;
    return out;
  } finally {
    model.dispose();
  }
}

/** What identifies the experiment's data: passages, corpus tokens, training and test queries. */
function dataSummary(data: GenretData): { docs: number; tokens: number; train: number; test: number } {
  return {
    docs: data.docnos.length,
    tokens: data.index.numTokens,
    train: data.train.length,
    test: data.test.length,
  };
}

/** {@link dataSummary} as JSON: the parent sends it to its workers, which check their data against it. */
export function genretDataFingerprint(data: GenretData): string {
  return JSON.stringify(dataSummary(data));
}

/** The cache key of a job's result: the config without `jobs`, and the corpus it ran on. */
function resultKey(config: GenretConfig, data: GenretData): string {
  const { jobs: _jobs, ...rest } = config;
  return JSON.stringify({ config: rest, ...dataSummary(data) });
}

function jobFile(dir: string, job: GenretJob): string {
  return path.join(dir, `${job.method}-${job.tier}-${Math.round(job.fraction * 100)}.json`);
}

/** A finished job's result from its file, or null when there is none or it was computed under another key. */
function readJobResult(dir: string, job: GenretJob, key: string): GenretJobResult | null {
  const file = jobFile(dir, job);
  if (!fs.existsSync(file)) return null;
  try {
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as { key: string; value: GenretJobResult };
    return saved.key === key && (!job.beams || saved.value.beams !== undefined) ? saved.value : null;
  } catch {
    return null; // a file that does not parse is recomputed (writes are atomic, so this is not expected)
  }
}

/** Options of {@link runGenretExperiment}. */
export interface GenretRunOptions {
  /** Profile whose dataset the workers load (the one `data` was built from) [active profile]. */
  profile?: ProfileName;
  /** Folder of per-job result files [results/genret/<profile>/]. */
  dir?: string;
  /** Worker processes [config.jobs]; 1 runs in this process. */
  jobs?: number;
  log?: (m: string) => void;
}

/**
 * Run the whole experiment (size sweep for both methods, data sweep, beam sweep on the largest
 * n-gram model). Finished jobs are read back from their files; the others run in this process or
 * in `jobs` worker processes. Each worker loads the profile's dataset with `config.collection` and
 * refuses to run when the data it builds differs from `data` ({@link genretDataFingerprint}), so
 * `data` must come from `prepareDataset({ profile, generator: config.collection })`.
 */
export async function runGenretExperiment(
  data: GenretData,
  config: GenretConfig,
  options: GenretRunOptions = {},
): Promise<GenretResults> {
  const profile = options.profile ?? activeProfile();
  const dir = options.dir ?? resultsPath("genret", profile);
  const log = options.log ?? (() => {});
  const key = resultKey(config, data);
  const all = genretJobs(config);
  const done = new Map<GenretJob, GenretJobResult>();
  for (const job of all) {
    const r = readJobResult(dir, job, key);
    if (r) done.set(job, r);
  }
  const pending = all.filter((j) => !done.has(j));
  if (done.size > 0)
    log(`${done.size} of ${all.length} models already measured (${dir}); ${pending.length} to run`);
  fs.mkdirSync(dir, { recursive: true });
  const finish = (job: GenretJob, r: GenretJobResult) => {
    writeJsonAtomic(jobFile(dir, job), { key, value: r });
    done.set(job, r);
  };
  const workers = Math.max(1, Math.min(options.jobs ?? config.jobs, pending.length));
  if (workers === 1) {
    for (const job of pending) finish(job, await runGenretJob(data, config, job, log));
  } else {
    await runInWorkers(profile, config, genretDataFingerprint(data), pending, workers, finish, log);
  }
  return assembleResults(
    data,
    config,
    all.map((j) => done.get(j)!),
  );
}

type WorkerMessage =
  | { type: "ready" }
  | { type: "log"; message: string }
  | { type: "done"; result: GenretJobResult }
  | { type: "error"; message: string };

/** Hand the pending jobs to `workers` forked processes (worker.ts), one job at a time each. */
async function runInWorkers(
  profile: ProfileName,
  config: GenretConfig,
  fingerprint: string,
  pending: GenretJob[],
  workers: number,
  finish: (job: GenretJob, r: GenretJobResult) => void,
  log: (m: string) => void,
): Promise<void> {
  await runWorkerPool<GenretJob, WorkerMessage>({
    entry: workerEntry(__filename, "worker"),
    workers,
    jobs: pending,
    init: { type: "init", profile, config, fingerprint },
    jobMessage: (job) => ({ type: "job", job }),
    onDone: (job, m) => finish(job, m.result),
    onMessage: (w, m) => {
      if (m.type === "log") log(`[worker ${w}] ${m.message}`);
    },
    label: "generative-retrieval worker",
  });
}

/** Put the job results together in the notebook's layout. */
function assembleResults(data: GenretData, config: GenretConfig, results: GenretJobResult[]): GenretResults {
  const size = results
    .filter((r) => r.job.fraction === 1 && config.tiers.includes(r.job.tier))
    .map((r) => r.result);
  size.sort((a, b) =>
    a.method === b.method
      ? config.tiers.indexOf(a.tier) - config.tiers.indexOf(b.tier)
      : a.method === "ngram"
        ? -1
        : 1,
  );
  const dataRuns = results
    .filter((r) => r.job.method === "ngram" && r.job.tier === config.dataTier)
    .map((r) => r.result);
  dataRuns.sort((a, b) => a.fraction - b.fraction);
  const beamJob = results.find((r) => r.job.beams);
  return {
    config,
    ceiling: cglCeiling(config.negatives),
    size,
    data: dataRuns,
    beams: beamJob?.beams ?? [],
    beamTier: beamJob?.job.tier ?? config.tiers[config.tiers.length - 1],
    corpus: {
      docs: data.docnos.length,
      tokens: data.index.numTokens,
      vocab: data.wordVocab,
      distinct10grams: data.index.distinctNgrams(config.spanLen),
      docidLen: data.docidLen,
      trainQueries: data.train.length,
      testQueries: data.test.length,
    },
  };
}
