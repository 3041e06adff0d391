/**
 * `npm run train -- [--profile mini] [--tiers t0,t1] [--objectives pointwise,listwise] [--seeds 1]
 *                   [--jobs 2] [--root DIR] [--backend wasm] [--progress lines|redraw]
 *                   [--pretrained [NAME=]FOLDER[,…]] [--ettin ROOT]`
 *
 * Trains the tier × objective grid of a profile (see lib/src/train/profiles.ts), skipping complete
 * runs and resuming interrupted ones; prints the backend, live progress, and a table of the final
 * NDCG@10 per run. Exit status 0 when every run is complete, 1 when a run failed (NaN/Inf loss) or
 * the arguments are bad.
 *
 * Pretrained tiers fine-tune Hugging Face folders (config.json, model.safetensors, tokenizer.json)
 * instead of training from scratch, with the profile's steps, batches and schedule:
 * - `--pretrained FOLDER` (comma-separated for several): one tier per folder, named after the
 *   folder (`NAME=FOLDER` names it);
 * - `--ettin ROOT`: the six Ettin tiers ettin-17m … ettin-1b at ROOT/ettin-encoder-<size>.
 * With either, the grid trains those tiers only unless `--tiers` picks others (names of both kinds).
 */
import * as path from "node:path";
import {
  InputError, PROFILE_TRAIN_CONFIGS, createProgressPrinter, describeBackend, ettinTiers, gpuAdvice, gridSpecs, parseObjective, runGrid, selectBackend,
  type PretrainedTier,
} from "../lib/src";
import { activeProfile } from "../lib/src/util/profile";

const HELP = `usage: npm run train -- [options]
  --profile smoke|mini|paper   run profile [SCALERANK_PROFILE or mini]
  --tiers t0,t1                tiers to train [the profile's, or the pretrained tiers when given]
  --objectives pointwise,…     objectives [the profile's]
  --seeds 1,2                  seeds [the profile's]
  --jobs N                     worker processes [the profile's]
  --root DIR                   output folder [results/runs/<profile>]
  --backend wasm|webgpu|…      tfjs backend [SCALERANK_BACKEND or the best available]
  --progress lines|redraw      progress display [redraw on a terminal]
  --pretrained [NAME=]FOLDER   fine-tune Hugging Face folders as tiers (comma-separated; NAME
                               defaults to the folder's name)
  --ettin ROOT                 fine-tune the Ettin family: tiers ettin-17m … ettin-1b from
                               ROOT/ettin-encoder-{17m,32m,68m,150m,400m,1b}`;

/** Parse `--pretrained` entries: `FOLDER` or `NAME=FOLDER`, comma-separated. */
function parsePretrained(value: string): PretrainedTier[] {
  return value.split(",").map((x) => x.trim()).filter((x) => x).map((entry) => {
    const eq = entry.indexOf("=");
    const folder = eq >= 0 ? entry.slice(eq + 1) : entry;
    const name = eq >= 0 ? entry.slice(0, eq) : path.basename(path.resolve(folder));
    if (!folder) throw new Error(`--pretrained "${entry}": no folder`);
    return { name, folder };
  });
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      out.help = "1";
      continue;
    }
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
    const known = new Set(["profile", "tiers", "objectives", "seeds", "jobs", "root", "backend", "progress", "pretrained", "ettin", "help"]);
    for (const k of Object.keys(args)) if (!known.has(k)) throw new Error(`unknown option --${k}`);
  } catch (e) {
    console.error(`train: ${(e as Error).message}\n${HELP}`);
    return 1;
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const profile = activeProfile(args.profile);
  const cfg = PROFILE_TRAIN_CONFIGS[profile];
  if (args.backend) process.env.SCALERANK_BACKEND = args.backend;
  const list = (s: string | undefined) => (s ? s.split(",").map((x) => x.trim()).filter((x) => x) : undefined);
  let tiers: string[] | undefined, objectives: ReturnType<typeof parseObjective>[] | undefined, seeds: number[] | undefined;
  const pretrainedTiers: PretrainedTier[] = [];
  try {
    if (args.pretrained) pretrainedTiers.push(...parsePretrained(args.pretrained));
    if (args.ettin) pretrainedTiers.push(...ettinTiers(args.ettin));
    tiers = list(args.tiers);
    objectives = list(args.objectives)?.map(parseObjective);
    seeds = list(args.seeds)?.map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n)) throw new Error(`seed "${s}" is not an integer`);
      return n;
    });
    // tier names (both kinds) are checked here, so a typo fails before the backend starts
    gridSpecs(profile, tiers ?? (pretrainedTiers.length ? pretrainedTiers.map((t) => t.name) : cfg.tiers), objectives ?? cfg.objectives, seeds ?? cfg.seeds, pretrainedTiers);
  } catch (e) {
    console.error(`train: ${(e as Error).message}`);
    return 1;
  }
  const jobs = args.jobs ? Number(args.jobs) : undefined;
  const sel = await selectBackend();
  console.log(describeBackend(sel));
  if (!sel.gpu) console.log(gpuAdvice(sel.probes).split("\n")[0] + " (see `gpuAdvice` / notebook 00 for what to install)");
  const nRuns = (tiers ?? (pretrainedTiers.length ? pretrainedTiers : cfg.tiers)).length * (objectives ?? cfg.objectives).length * (seeds ?? cfg.seeds).length;
  console.log(`profile ${profile}: ${nRuns} runs, ${cfg.train.steps} steps each, ${jobs ?? cfg.jobs} job(s)`);
  const printer = createProgressPrinter({ totalRuns: nRuns, mode: args.progress === "lines" ? "lines" : args.progress === "redraw" ? "redraw" : undefined });
  let res: Awaited<ReturnType<typeof runGrid>>;
  try {
    res = await runGrid({ profile, tiers, objectives, seeds, jobs, root: args.root, pretrainedTiers, onProgress: printer, log: (s) => console.log(s) });
  } catch (e) {
    // bad input (a checkpoint folder, tokenizer.json, config.json): the message names the file
    if (e instanceof InputError) {
      console.error(`train: ${e.message}`);
      return 1;
    }
    throw e;
  }
  console.log(`\ngrid finished in ${res.wallSeconds.toFixed(1)} s; records: ${res.root}/records.jsonl`);
  const w = Math.max(5, ...res.outcomes.map((o) => o.spec.tier.length));
  console.log(`${"tier".padEnd(w)} objective   status  final ndcg@10  map     mrr@10`);
  for (const o of res.outcomes) {
    const last = o.records[o.records.length - 1];
    const m = last?.metrics ?? {};
    console.log(`${o.spec.tier.padEnd(w)} ${o.spec.objective.padEnd(11)} ${o.status.padEnd(7)} ${(m["ndcg@10"] ?? NaN).toFixed(4).padEnd(14)} ${(m["map"] ?? NaN).toFixed(4)}  ${(m["mrr@10"] ?? NaN).toFixed(4)}`);
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
