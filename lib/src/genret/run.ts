/**
 * Running the whole generative-retrieval experiment (experiment.ts has its pieces): the list of
 * models to train (jobs), a result file per finished job so that an interrupted experiment
 * resumes where it stopped, and worker processes that train models side by side.
 *
 * Jobs. One job trains one model (method × tier × data fraction) and measures its CGL; the jobs of
 * the n-gram size sweep (both architectures) also run the beam sweep on the model they trained, so
 * the inference-scaling measurements reuse the models of the training-scaling ones. Jobs are independent and seeded from the
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
import { getGenTier } from "./decoder";
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
  /** Size sweep of the decoder-only generators, both methods, fraction 1. */
  size: GenretModelResult[];
  /** Size sweep of the encoder–decoder generators (n-gram identifiers, fraction 1). */
  encdec: GenretModelResult[];
  /** Data sweep of the n-gram method on `dataTier`. */
  data: GenretModelResult[];
  /** Beam sweep of the largest decoder-only n-gram model. */
  beams: BeamPoint[];
  beamTier: string;
  /** Beam sweeps of every n-gram model of the size sweeps (both architectures), smallest first. */
  inference: InferenceSweep[];
  /**
   * Wall time of the last run that trained every model from nothing (`timing.json` beside the job
   * files), or null when none was recorded under this key: the experiment's real cost, also when
   * this run read the models back.
   */
  freshRun: { minutes: number; date: string; workers: number } | null;
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

/** The beam sweep of one trained n-gram model. */
export interface InferenceSweep {
  tier: string;
  arch: GenretModelResult["arch"];
  /** Non-embedding parameters and training FLOPs of the model. */
  params: number;
  trainFlops: number;
  points: BeamPoint[];
}

/** One model to train and measure. */
export interface GenretJob {
  method: GenretMethod;
  tier: string;
  fraction: number;
  /** Beam sizes to retrieve with after training (n-gram tiers of the size sweeps; empty: none). */
  beams: number[];
}

/** What a finished job produced. */
export interface GenretJobResult {
  job: GenretJob;
  result: GenretModelResult;
  beams?: BeamPoint[];
}

/**
 * The jobs of an experiment: every n-gram tier (decoder-only and encoder–decoder) on all data with
 * a beam sweep, every docid tier on all data, and the n-gram `dataTier` on every other fraction.
 * Listed by decreasing estimated cost (training FLOPs, a beam sweep counted as a fraction more),
 * so that a pool of workers does not end waiting on one long job.
 */
export function genretJobs(config: GenretConfig): GenretJob[] {
  const jobs: GenretJob[] = [];
  for (const tier of config.tiers) jobs.push({ method: "ngram", tier, fraction: 1, beams: config.beams });
  for (const tier of config.encdecTiers)
    jobs.push({ method: "ngram", tier, fraction: 1, beams: config.encdecBeams });
  for (const tier of config.docidTiers) jobs.push({ method: "docid", tier, fraction: 1, beams: [] });
  for (const f of config.fractions)
    if (f !== 1 || !config.tiers.includes(config.dataTier))
      jobs.push({ method: "ngram", tier: config.dataTier, fraction: f, beams: [] });
  const width = (tier: string) => getGenTier(tier).dModel * getGenTier(tier).layers;
  const beamCost = (j: GenretJob) => j.beams.reduce((a, b) => a + b, 0) / 300;
  const cost = (j: GenretJob) => (16 + width(j.tier)) * (j.fraction + beamCost(j));
  return jobs.sort((a, b) => cost(b) - cost(a));
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
    if (job.beams.length > 0) out.beams = (await beamSweep(model, data, config, log, job.beams)).points;
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

/**
 * The cache key of a job's result: the config without the settings that cannot change a result
 * (`jobs`, `beamConcurrency`, `budgetQueries`), and the corpus it ran on.
 */
function resultKey(config: GenretConfig, data: GenretData): string {
  const { jobs: _jobs, beamConcurrency: _c, budgetQueries: _b, ...rest } = config;
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
    return saved.key === key && (job.beams.length === 0 || saved.value.beams !== undefined)
      ? saved.value
      : null;
  } catch {
    return null; // a file that does not parse is recomputed (writes are atomic, so this is not expected)
  }
}

function readTiming(file: string, key: string): GenretResults["freshRun"] {
  try {
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as {
      key: string;
      value: GenretResults["freshRun"];
    };
    return saved.key === key ? saved.value : null;
  } catch {
    return null; // no fresh run recorded
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
  const t0 = Date.now(),
    fresh = done.size === 0;
  if (workers === 1) {
    for (const job of pending) finish(job, await runGenretJob(data, config, job, log));
  } else {
    await runInWorkers(profile, config, genretDataFingerprint(data), pending, workers, finish, log);
  }
  const timingFile = path.join(dir, "timing.json");
  if (fresh) {
    const minutes = (Date.now() - t0) / 60000;
    writeJsonAtomic(timingFile, { key, value: { minutes, date: new Date().toISOString(), workers } });
  }
  return {
    ...assembleResults(
      data,
      config,
      all.map((j) => done.get(j)!),
    ),
    freshRun: readTiming(timingFile, key),
  };
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
function assembleResults(
  data: GenretData,
  config: GenretConfig,
  results: GenretJobResult[],
): Omit<GenretResults, "freshRun"> {
  const full = (r: GenretJobResult) => r.job.fraction === 1;
  const rank = (tier: string) => [...config.tiers, ...config.encdecTiers].indexOf(tier);
  const byTier = (a: GenretModelResult, b: GenretModelResult) => rank(a.tier) - rank(b.tier);
  const ngram = results.filter(
    (r) => full(r) && r.job.method === "ngram" && config.tiers.includes(r.job.tier),
  );
  const docid = results.filter((r) => full(r) && r.job.method === "docid");
  const size = [
    ...ngram.map((r) => r.result).sort(byTier),
    ...docid.map((r) => r.result).sort((a, b) => config.tiers.indexOf(a.tier) - config.tiers.indexOf(b.tier)),
  ];
  const encdec = results
    .filter((r) => full(r) && r.job.method === "ngram" && config.encdecTiers.includes(r.job.tier))
    .map((r) => r.result)
    .sort(byTier);
  const dataRuns = results
    .filter((r) => r.job.method === "ngram" && r.job.tier === config.dataTier)
    .map((r) => r.result);
  dataRuns.sort((a, b) => a.fraction - b.fraction);
  const inference: InferenceSweep[] = results
    .filter((r) => r.beams !== undefined)
    .map((r) => ({
      tier: r.result.tier,
      arch: r.result.arch,
      params: r.result.params,
      trainFlops: r.result.trainFlops,
      points: r.beams!,
    }))
    .sort((a, b) => (a.arch === b.arch ? a.params - b.params : a.arch === "decoder" ? -1 : 1));
  const largest = config.tiers[config.tiers.length - 1];
  return {
    config,
    ceiling: cglCeiling(config.negatives),
    size,
    encdec,
    data: dataRuns,
    beams: inference.find((s) => s.tier === largest)?.points ?? [],
    beamTier: largest,
    inference,
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
