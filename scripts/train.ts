/**
 * `npm run train -- [--profile mini] [--tiers t0,t1] [--objectives pointwise,listwise] [--seeds 1]
 *                   [--jobs 2] [--root DIR] [--backend wasm] [--progress lines|redraw]`
 *
 * Trains the tier × objective grid of a profile (see lib/src/train/profiles.ts), skipping complete
 * runs and resuming interrupted ones; prints the backend, live progress, and a table of the final
 * NDCG@10 per run. Exit status 0 when every run is complete, 1 when a run failed (NaN/Inf loss) or
 * the arguments are bad.
 */
import {
  PROFILE_TRAIN_CONFIGS, createProgressPrinter, describeBackend, gpuAdvice, parseObjective, runGrid, selectBackend, getTier,
} from "../lib/src";
import { activeProfile } from "../lib/src/util/profile";

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const [k, inline] = a.slice(2).split("=", 2);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    out[k] = v;
  }
  return out;
}

async function main(): Promise<number> {
  let args: Record<string, string>;
  try {
    args = parseArgs(process.argv.slice(2));
    const known = new Set(["profile", "tiers", "objectives", "seeds", "jobs", "root", "backend", "progress"]);
    for (const k of Object.keys(args)) if (!known.has(k)) throw new Error(`unknown option --${k}`);
  } catch (e) {
    console.error(`train: ${(e as Error).message}`);
    return 1;
  }
  const profile = activeProfile(args.profile);
  const cfg = PROFILE_TRAIN_CONFIGS[profile];
  if (args.backend) process.env.SCALERANK_BACKEND = args.backend;
  const list = (s: string | undefined) => (s ? s.split(",").map((x) => x.trim()).filter((x) => x) : undefined);
  let tiers: string[] | undefined, objectives: ReturnType<typeof parseObjective>[] | undefined, seeds: number[] | undefined;
  try {
    tiers = list(args.tiers);
    tiers?.forEach(getTier);
    objectives = list(args.objectives)?.map(parseObjective);
    seeds = list(args.seeds)?.map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n)) throw new Error(`seed "${s}" is not an integer`);
      return n;
    });
  } catch (e) {
    console.error(`train: ${(e as Error).message}`);
    return 1;
  }
  const jobs = args.jobs ? Number(args.jobs) : undefined;
  const sel = await selectBackend();
  console.log(describeBackend(sel));
  if (!sel.gpu) console.log(gpuAdvice(sel.probes).split("\n")[0] + " (see `gpuAdvice` / notebook 00 for what to install)");
  const nRuns = (tiers ?? cfg.tiers).length * (objectives ?? cfg.objectives).length * (seeds ?? cfg.seeds).length;
  console.log(`profile ${profile}: ${nRuns} runs, ${cfg.train.steps} steps each, ${jobs ?? cfg.jobs} job(s)`);
  const printer = createProgressPrinter({ totalRuns: nRuns, mode: args.progress === "lines" ? "lines" : args.progress === "redraw" ? "redraw" : undefined });
  const res = await runGrid({ profile, tiers, objectives, seeds, jobs, root: args.root, onProgress: printer, log: (s) => console.log(s) });
  console.log(`\ngrid finished in ${res.wallSeconds.toFixed(1)} s; records: ${res.root}/records.jsonl`);
  console.log("tier  objective   status  final ndcg@10  map     mrr@10");
  for (const o of res.outcomes) {
    const last = o.records[o.records.length - 1];
    const m = last?.metrics ?? {};
    console.log(`${o.spec.tier.padEnd(5)} ${o.spec.objective.padEnd(11)} ${o.status.padEnd(7)} ${(m["ndcg@10"] ?? NaN).toFixed(4).padEnd(14)} ${(m["map"] ?? NaN).toFixed(4)}  ${(m["mrr@10"] ?? NaN).toFixed(4)}`);
  }
  const failed = res.outcomes.filter((o) => o.status === "failed");
  for (const f of failed) console.error(`FAILED ${f.spec.tier} ${f.spec.objective} seed ${f.spec.seed}: ${f.message}`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);
