/**
 * `npm run train -- [--profile mini] [--tiers t0,t1] [--objectives pointwise,listwise] [--seeds 1]
 *                   [--jobs 2] [--root DIR] [--backend wasm] [--progress lines|redraw]
 *                   [--pretrained [NAME=]FOLDER[,…]] [--ettin ROOT]`
 *
 * Trains the tier × objective grid of a profile (see lib/src/train/profiles.ts), skipping complete
 * runs and resuming interrupted ones; prints the backend, live progress, and a table of the final
 * NDCG@10 per run. Every option is checked before anything is touched. Exit status 0 when every
 * run is complete; 1 when a run failed (NaN/Inf loss) or could not run (the others still train),
 * or an input file is bad (`file:line: problem`); 2 for a bad option (one line, files untouched).
 *
 * Pretrained tiers fine-tune Hugging Face folders (config.json, model.safetensors, tokenizer.json)
 * instead of training from scratch, with the profile's steps, batches and schedule:
 * - `--pretrained FOLDER` (comma-separated for several): one tier per folder, named after the
 *   folder (`NAME=FOLDER` names it);
 * - `--ettin ROOT`: the six Ettin tiers ettin-17m … ettin-1b at ROOT/ettin-encoder-<size>.
 * With either, the grid trains those tiers only unless `--tiers` picks others (names of both kinds).
 *
 * On a cluster, `--slurm` writes the grid as a Slurm job array instead of training it (one task
 * per run not yet complete, each resumable; lib/src/train/slurm.ts) and a merge job; `--submit`
 * also submits both. `--merge` rewrites the grid's records.jsonl from its complete run folders.
 */
import * as path from "node:path";
import {
  PROFILE_TRAIN_CONFIGS,
  createProgressPrinter,
  describeBackend,
  ettinTiers,
  gpuAdvice,
  gridSpecs,
  gridStepCost,
  parseBackendRequest,
  parseKernelsRequest,
  requireNative,
  parseObjective,
  runGrid,
  selectBackend,
  type PretrainedTier,
} from "../lib/src";
import { activeProfile } from "../lib/src/util/profile";
import {
  checkSlurmResources,
  runStatus,
  trainerDataCache,
  writeMergedRecords,
  writeSlurmGrid,
  type SlurmResources,
} from "../lib/src/train";
import { resultsPath } from "../lib/src/util/paths";
import { spawnSync } from "node:child_process";
import { UsageError, checkedOption, choiceOption, intOption, listOption, parseOptions, runCli } from "./cli";

const HELP = `usage: npm run train -- [options]
  --profile smoke|mini|paper   run profile [SCALERANK_PROFILE or mini]
  --tiers t0,t1                tiers to train [the profile's, or the pretrained tiers when given]
  --objectives pointwise,…     objectives [the profile's]
  --seeds 1,2                  seeds [the profile's]
  --jobs N                     worker processes, 1–64 [the profile's]
  --root DIR                   output folder [results/runs/<profile>]
  --steps N                    optimizer steps per run instead of the profile's (needs --root:
                               runs of another length are other runs)
  --backend wasm|webgpu|…      tfjs backend [SCALERANK_BACKEND or the best available]
  --kernels native|wasm|auto   kernels of the wasm backend [SCALERANK_KERNELS or auto: native when
                               built (npm ci with a C++ compiler), else wasm]
  --progress lines|redraw      progress display [redraw on a terminal]
  --pretrained [NAME=]FOLDER   fine-tune Hugging Face folders as tiers (comma-separated; NAME
                               defaults to the folder's name)
  --ettin ROOT                 fine-tune the Ettin family: tiers ettin-17m … ettin-1b from
                               ROOT/ettin-encoder-{17m,32m,68m,150m,400m,1b}
  --merge                      rewrite records.jsonl from the complete run folders and exit
  --slurm                      write a Slurm job array (one task per incomplete run) and a merge
                               job under ROOT/slurm/ instead of training; with:
    --submit                   submit them (sbatch; the merge job runs after the array)
    --partition P --account A  where to run
    --gpus N --cpus N --mem M  per task (e.g. --gpus 1 --cpus 8 --mem 64G)
    --time T                   time limit per task (e.g. 12:00:00)
    --max-parallel N           at most N tasks at once`;

/** Parse `--pretrained` entries: `FOLDER` or `NAME=FOLDER`, comma-separated. */
function parsePretrained(value: string): PretrainedTier[] {
  return listOption("pretrained", value, (entry) => {
    const eq = entry.indexOf("=");
    const folder = eq >= 0 ? entry.slice(eq + 1) : entry;
    const name = eq >= 0 ? entry.slice(0, eq) : path.basename(path.resolve(folder));
    if (!folder) throw new Error(`"${entry}": no folder`);
    return { name, folder };
  });
}

const OPTIONS = {
  profile: "value",
  tiers: "value",
  objectives: "value",
  seeds: "value",
  jobs: "value",
  root: "value",
  steps: "value",
  backend: "value",
  kernels: "value",
  progress: "value",
  pretrained: "value",
  ettin: "value",
  merge: "flag",
  slurm: "flag",
  submit: "flag",
  partition: "value",
  account: "value",
  gpus: "value",
  cpus: "value",
  mem: "value",
  time: "value",
  "max-parallel": "value",
  help: "flag",
} as const;

const SLURM_ONLY = ["submit", "partition", "account", "gpus", "cpus", "mem", "time", "max-parallel"] as const;

/** The Slurm request of `--slurm` (null without it); its options without `--slurm` are an error. */
function slurmFromArgs(
  a: Map<string, string | undefined>,
): { resources: SlurmResources; submit: boolean } | null {
  if (!a.has("slurm")) {
    const stray = SLURM_ONLY.find((o) => a.has(o));
    if (stray) throw new UsageError(`--${stray} needs --slurm`);
    return null;
  }
  const int = (name: string, lo: number, hi: number) =>
    a.has(name) ? intOption(name, a.get(name)!, lo, hi) : undefined;
  const resources: SlurmResources = {
    partition: a.get("partition"),
    account: a.get("account"),
    gpus: int("gpus", 0, 64),
    cpus: int("cpus", 1, 1024),
    mem: a.get("mem"),
    time: a.get("time"),
    maxParallel: int("max-parallel", 1, 100000),
  };
  const bad = checkSlurmResources(resources);
  if (bad) throw new UsageError(`bad Slurm request: ${bad}`);
  return { resources, submit: a.has("submit") };
}

/** The options every array task passes on to `npm run train` for its one run: those that change how a run trains. */
const TASK_OPTIONS = ["backend", "kernels", "steps", "pretrained", "ettin"] as const;

/**
 * `--slurm`: prepare the dataset once (the tasks then load it from the cache), leave out the runs
 * already complete or failed, and write (and with `--submit` submit) the job array and merge job.
 */
async function writeSlurm(plan: NonNullable<ReturnType<typeof planFromArgs>>): Promise<number> {
  const root = path.resolve(plan.root ?? resultsPath("runs", plan.profile));
  const train = plan.steps === undefined ? plan.cfg.train : { ...plan.cfg.train, steps: plan.steps };
  const dataFor = trainerDataCache(plan.profile, plan.cfg, 1, (s) => console.log(s));
  const todo = [];
  for (const spec of plan.specs) {
    const status = runStatus(root, spec, await dataFor(spec), train);
    if (status === "new" || status === "partial") todo.push(spec);
  }
  const skipped = plan.specs.length - todo.length;
  if (todo.length === 0) {
    console.log(
      `all ${plan.specs.length} runs under ${root} are complete: nothing to submit (--merge rewrites records.jsonl)`,
    );
    return 0;
  }
  const files = writeSlurmGrid({
    profile: plan.profile,
    root,
    runs: todo,
    repo: path.resolve(__dirname, ".."),
    node: process.execPath,
    trainArgs: plan.taskArgs,
    resources: plan.slurm!.resources,
  });
  console.log(
    `${todo.length} runs in the array (${skipped} already complete or failed, left out): ${files.dir}`,
  );
  if (!plan.slurm!.submit) {
    console.log(`submit with: bash ${files.submit}`);
    return 0;
  }
  const r = spawnSync("bash", [files.submit], { encoding: "utf8" });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.status === 0 ? 0 : 1;
}

/** Every option checked, nothing touched yet: the grid to run, or a UsageError. */
function planFromArgs(argv: string[]) {
  const { options: a } = parseOptions(argv, OPTIONS);
  if (a.has("help")) return null;
  const profile = checkedOption("profile", () => activeProfile(a.get("profile")));
  const cfg = PROFILE_TRAIN_CONFIGS[profile];
  const backend = a.has("backend")
    ? checkedOption("backend", () => parseBackendRequest(a.get("backend")!))
    : undefined;
  const kernels = a.has("kernels")
    ? checkedOption("kernels", () => {
        const k = parseKernelsRequest(a.get("kernels"));
        if (k === "native") requireNative();
        return k;
      })
    : undefined;
  const progress = a.has("progress")
    ? choiceOption("progress", a.get("progress")!, ["lines", "redraw"] as const)
    : undefined;
  const pretrainedTiers: PretrainedTier[] = [];
  if (a.has("pretrained")) pretrainedTiers.push(...parsePretrained(a.get("pretrained")!));
  if (a.has("ettin")) pretrainedTiers.push(...checkedOption("ettin", () => ettinTiers(a.get("ettin")!)));
  const tiers = a.has("tiers")
    ? listOption<string>("tiers", a.get("tiers")!)
    : pretrainedTiers.length
      ? pretrainedTiers.map((t) => t.name)
      : cfg.tiers;
  const objectives = a.has("objectives")
    ? listOption("objectives", a.get("objectives")!, parseObjective)
    : cfg.objectives;
  const seeds = a.has("seeds")
    ? listOption("seeds", a.get("seeds")!, (x) => intOption("seeds", x, 0, 2 ** 31 - 1))
    : cfg.seeds;
  const jobs = a.has("jobs") ? intOption("jobs", a.get("jobs")!, 1, 64) : cfg.jobs;
  const root = a.get("root");
  if (root !== undefined && root.trim() === "") throw new UsageError("--root needs a folder");
  const steps = a.has("steps") ? intOption("steps", a.get("steps")!, 1, 10_000_000) : undefined;
  if (steps !== undefined && root === undefined)
    throw new UsageError("--steps needs --root (runs of another length must not replace the profile's runs)");
  // tier names (both kinds) and pretrained names are checked here, before the backend starts
  const specs = checkedOption("tiers", () => gridSpecs(profile, tiers, objectives, seeds, pretrainedTiers));
  const slurm = slurmFromArgs(a);
  return {
    slurm,
    merge: a.has("merge"),
    taskArgs: TASK_OPTIONS.flatMap((o) => (a.has(o) ? [`--${o}`, a.get(o)!] : [])),
    profile,
    cfg,
    backend,
    kernels,
    progress,
    pretrainedTiers,
    tiers,
    objectives,
    seeds,
    jobs,
    root,
    steps,
    specs,
    runs: specs.length,
  };
}

async function main(): Promise<number> {
  const plan = planFromArgs(process.argv.slice(2));
  if (!plan) {
    console.log(HELP);
    return 0;
  }
  const { profile, cfg, tiers, objectives, seeds, jobs, pretrainedTiers } = plan;
  if (plan.merge) {
    const root = plan.root ?? resultsPath("runs", profile);
    const records = writeMergedRecords(root);
    console.log(`${root}/records.jsonl: ${records.length} records of every complete run`);
    return 0;
  }
  if (plan.backend) process.env.SCALERANK_BACKEND = plan.backend;
  if (plan.kernels) process.env.SCALERANK_KERNELS = plan.kernels;
  if (plan.slurm) return writeSlurm(plan);
  const sel = await selectBackend();
  console.log(describeBackend(sel));
  if (!sel.gpu)
    console.log(
      gpuAdvice(sel.probes).split("\n")[0] + " (see `gpuAdvice` / notebook 00 for what to install)",
    );
  console.log(
    `profile ${profile}: ${plan.runs} runs, ${plan.steps ?? cfg.train.steps} steps each, ${Math.min(jobs, plan.runs)} job(s)`,
  );
  const printer = createProgressPrinter({
    runs: plan.specs,
    stepCost: gridStepCost(profile, plan.steps),
    mode: plan.progress,
  });
  const res = await runGrid({
    profile,
    tiers,
    objectives,
    seeds,
    jobs,
    root: plan.root,
    steps: plan.steps,
    pretrainedTiers,
    onProgress: printer,
    log: (s) => console.log(s),
  });
  console.log(
    `\ngrid finished in ${res.wallSeconds.toFixed(1)} s; records: ${res.root}/records.jsonl (${res.records.length} records of every complete run there)`,
  );
  const w = Math.max(5, ...res.outcomes.map((o) => o.spec.tier.length));
  console.log(`${"tier".padEnd(w)} objective   status  final ndcg@10  map     mrr@10`);
  for (const o of res.outcomes) {
    const last = o.records[o.records.length - 1];
    const m = last?.metrics ?? {};
    console.log(
      `${o.spec.tier.padEnd(w)} ${o.spec.objective.padEnd(11)} ${o.status.padEnd(7)} ${(m["ndcg@10"] ?? NaN).toFixed(4).padEnd(14)} ${(m["map"] ?? NaN).toFixed(4)}  ${(m["mrr@10"] ?? NaN).toFixed(4)}`,
    );
  }
  const bad = res.outcomes.filter((o) => o.status !== "done");
  for (const f of bad)
    console.error(
      `${f.status.toUpperCase()} ${f.spec.tier} ${f.spec.objective} seed ${f.spec.seed}: ${f.message}`,
    );
  return bad.length ? 1 : 0;
}

runCli("train", main);
