/**
 * The training grid as a Slurm job array: one array task per (tier, objective, seed) run, each
 * resumable (a task trains one run through `npm run train` and a preempted or requeued task
 * resumes from the run's last saved state), and a merge job that rewrites the grid's
 * `records.jsonl` from every complete run folder once the array has finished. Runs already
 * complete when the scripts are written are left out, so re-submitting trains only what is missing.
 *
 * Files written under `<root>/slurm/`: `runs.tsv` (task index → tier, objective, seed),
 * `array.sbatch`, `merge.sbatch`, and `submit.sh`, which submits the array and the merge job with
 * `--dependency=afterany:<array>`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../util/fsutil";
import type { RunSpec } from "./trainer";

/** Resources of each array task (Slurm's own option names). */
export interface SlurmResources {
  /** `--partition` [the cluster's default]. */
  partition?: string;
  /** `--gpus-per-task` (0 = no GPU request) [0]. */
  gpus?: number;
  /** `--time` limit of each task, e.g. "12:00:00" [the partition's]. */
  time?: string;
  /** `--cpus-per-task` [2]. */
  cpus?: number;
  /** `--mem` of each task, e.g. "32G" [the cluster's default]. */
  mem?: string;
  /** `--account` [none]. */
  account?: string;
  /** At most this many tasks at once (`--array=…%N`) [no limit]. */
  maxParallel?: number;
}

/** What the array tasks run. */
export interface SlurmGridPlan {
  profile: string;
  /** The grid's output folder (absolute). */
  root: string;
  /** The runs to submit (complete ones already left out). */
  runs: readonly RunSpec[];
  /** Repository root the tasks `cd` into, and the Node binary they run (absolute). */
  repo: string;
  node: string;
  /** Further `npm run train` options every task passes (e.g. ["--backend", "webgpu", "--steps", "200"]). */
  trainArgs?: readonly string[];
  /** Environment every task exports (e.g. SCALERANK_BACKEND). */
  env?: Readonly<Record<string, string>>;
  resources: SlurmResources;
}

/** The files {@link writeSlurmGrid} wrote. */
export interface SlurmFiles {
  dir: string;
  runs: string;
  array: string;
  merge: string;
  submit: string;
}

const TIME = /^(\d+-)?\d{1,3}(:\d{2}){0,2}$/;
const MEM = /^\d+[KMGT]?$/;

/** A Slurm resource request checked: the name of the bad field and why, or null. */
export function checkSlurmResources(r: SlurmResources): string | null {
  if (r.partition !== undefined && !/^[\w.,-]+$/.test(r.partition)) return `partition "${r.partition}"`;
  if (r.account !== undefined && !/^[\w.-]+$/.test(r.account)) return `account "${r.account}"`;
  if (r.gpus !== undefined && !(Number.isSafeInteger(r.gpus) && r.gpus >= 0 && r.gpus <= 64))
    return `gpus ${r.gpus} (0–64)`;
  if (r.cpus !== undefined && !(Number.isSafeInteger(r.cpus) && r.cpus >= 1 && r.cpus <= 1024))
    return `cpus ${r.cpus} (1–1024)`;
  if (r.time !== undefined && !TIME.test(r.time)) return `time "${r.time}" (e.g. 12:00:00 or 1-00:00:00)`;
  if (r.mem !== undefined && !MEM.test(r.mem)) return `mem "${r.mem}" (e.g. 32G)`;
  if (r.maxParallel !== undefined && !(Number.isSafeInteger(r.maxParallel) && r.maxParallel >= 1))
    return `max parallel ${r.maxParallel} (≥ 1)`;
  return null;
}

/** Quote a word for bash (single quotes). */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function header(plan: SlurmGridPlan, name: string, log: string): string[] {
  const r = plan.resources;
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=${name}`,
    `#SBATCH --output=${sh(log)}`,
    ...(r.partition ? [`#SBATCH --partition=${r.partition}`] : []),
    ...(r.account ? [`#SBATCH --account=${r.account}`] : []),
    ...(r.time ? [`#SBATCH --time=${r.time}`] : []),
  ];
}

function prologue(plan: SlurmGridPlan): string[] {
  return [
    "set -euo pipefail",
    `cd ${sh(plan.repo)}`,
    `export SCALERANK_PROFILE=${sh(plan.profile)}`,
    ...Object.entries(plan.env ?? {}).map(([k, v]) => `export ${k}=${sh(v)}`),
  ];
}

/** `node --import tsx scripts/train.ts --profile P --root ROOT`, quoted for bash. */
function trainCommand(plan: SlurmGridPlan): string {
  const words = [
    plan.node,
    "--import",
    "tsx",
    "scripts/train.ts",
    "--profile",
    plan.profile,
    "--root",
    plan.root,
  ];
  return words.map(sh).join(" ");
}

/** The array script: task i reads line i + 1 of runs.tsv and trains that run alone (one job, resumable). */
function arrayScript(plan: SlurmGridPlan, files: SlurmFiles): string {
  const r = plan.resources;
  const n = plan.runs.length;
  return [
    ...header(plan, `scalerank-${plan.profile}`, path.join(files.dir, "logs", "run-%A_%a.out")),
    `#SBATCH --array=0-${n - 1}${r.maxParallel ? `%${r.maxParallel}` : ""}`,
    "#SBATCH --ntasks=1",
    `#SBATCH --cpus-per-task=${r.cpus ?? 2}`,
    ...(r.mem ? [`#SBATCH --mem=${r.mem}`] : []),
    ...(r.gpus ? [`#SBATCH --gpus-per-task=${r.gpus}`] : []),
    "#SBATCH --requeue",
    "",
    ...prologue(plan),
    `IFS=$'\\t' read -r TIER OBJECTIVE SEED < <(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${sh(files.runs)})`,
    'echo "task ${SLURM_ARRAY_TASK_ID}: ${TIER} ${OBJECTIVE} seed ${SEED}"',
    `exec ${trainCommand(plan)} --tiers "$TIER" --objectives "$OBJECTIVE" --seeds "$SEED" --jobs 1 \\`,
    `  --progress lines ${(plan.trainArgs ?? []).map(sh).join(" ")}`.trimEnd(),
    "",
  ].join("\n");
}

/** The merge script: rewrite records.jsonl from every complete run folder (no training). */
function mergeScript(plan: SlurmGridPlan, files: SlurmFiles): string {
  return [
    ...header(plan, `scalerank-${plan.profile}-merge`, path.join(files.dir, "logs", "merge-%j.out")),
    "#SBATCH --ntasks=1",
    "#SBATCH --cpus-per-task=1",
    "",
    ...prologue(plan),
    `exec ${trainCommand(plan)} --merge`,
    "",
  ].join("\n");
}

/** submit.sh: the array, then the merge job after it (afterany: it merges whatever completed). Prints both job ids. */
function submitScript(files: SlurmFiles): string {
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    `ARRAY=$(sbatch --parsable ${sh(files.array)})`,
    `MERGE=$(sbatch --parsable --dependency=afterany:"\${ARRAY%%;*}" ${sh(files.merge)})`,
    'echo "array ${ARRAY%%;*} merge ${MERGE%%;*}"',
    "",
  ].join("\n");
}

/**
 * Write the Slurm files of a grid (see the module comment) under `<root>/slurm/`, atomically;
 * returns their paths. Throws when there is nothing to run or a resource request is malformed.
 */
export function writeSlurmGrid(plan: SlurmGridPlan): SlurmFiles {
  if (plan.runs.length === 0) throw new Error("every run of the grid is complete: nothing to submit");
  const bad = checkSlurmResources(plan.resources);
  if (bad) throw new Error(`bad Slurm request: ${bad}`);
  const dir = path.join(plan.root, "slurm");
  const files: SlurmFiles = {
    dir,
    runs: path.join(dir, "runs.tsv"),
    array: path.join(dir, "array.sbatch"),
    merge: path.join(dir, "merge.sbatch"),
    submit: path.join(dir, "submit.sh"),
  };
  fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
  writeFileAtomic(files.runs, plan.runs.map((s) => `${s.tier}\t${s.objective}\t${s.seed}\n`).join(""));
  writeFileAtomic(files.array, arrayScript(plan, files));
  writeFileAtomic(files.merge, mergeScript(plan, files));
  writeFileAtomic(files.submit, submitScript(files));
  for (const f of [files.array, files.merge, files.submit]) fs.chmodSync(f, 0o755);
  return files;
}
