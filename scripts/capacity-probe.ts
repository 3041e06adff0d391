/**
 * `npm run probe -- --tiers t0,t3 [--objective listwise] [--steps 400] [--eval-queries 100]
 *                   [--generator '{"numConcepts":1500}'] [--peak-lr 1e-3] [--warmup 50]
 *                   [--beta2 0.98] [--clip 1] [--seq-len 64] [--pairs-per-step 64] [--name NAME]`
 *
 * A diagnostic for issue 5 ("does NDCG@10 rise with tier on the embedded collection?"): trains
 * the given tiers with one objective on the `mini` trainer data (optionally a collection built
 * with generator overrides, see GeneratorConfig in lib/src/data/generator.ts), with the `mini`
 * profile's batches and schedule but its own number of steps and evaluation queries (and, when
 * given, its own peak rate for every tier, warmup steps, Adam β₂, gradient clip, sequence length
 * and pointwise batch), and prints
 * NDCG@10 at each log-spaced checkpoint, tier by tier. Runs are ordinary resumable trainer runs
 * under `results/probe/<name>/`, so an interrupted probe resumes.
 *
 * The BM25 and oracle NDCG@10 of the same evaluation queries are printed first, so every number
 * has its floor and ceiling next to it.
 */
import * as path from "node:path";
import {
  PROFILE_TRAIN_CONFIGS, buildTrainerData, parseObjective, prepareDataset, resultsPath, runMetrics, selectBackend, trainRun,
} from "../lib/src";

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith("--")) throw new Error(`unexpected argument "${argv[i]}" (options are --name value)`);
    out.set(argv[i].slice(2), argv[++i] ?? "");
  }
  return out;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const tiers = (a.get("tiers") ?? "t0,t3").split(",");
  const objective = parseObjective(a.get("objective") ?? "listwise");
  const num = (key: string, fallback: number): number => {
    const v = Number(a.get(key) ?? fallback);
    if (!Number.isFinite(v)) throw new Error(`--${key} must be a number, got "${a.get(key)}"`);
    return v;
  };
  const steps = num("steps", 400);
  const evalQueries = num("eval-queries", 100);
  const generator = JSON.parse(a.get("generator") ?? "{}") as Record<string, unknown>;
  const name = a.get("name") ?? `probe-${objective}-${steps}`;
  if (!(steps >= 1) || !(evalQueries >= 1)) throw new Error("--steps and --eval-queries must be positive numbers");
  const sel = await selectBackend();
  const base = PROFILE_TRAIN_CONFIGS.mini;
  const ds = await prepareDataset({ profile: "mini", seed: 1, generator, log: (s) => console.log(s) });
  const data = buildTrainerData(ds, { seqLen: a.has("seq-len") ? num("seq-len", 0) : base.seqLen, evalQueries });
  const train = { ...base.train, steps };
  if (a.has("peak-lr")) {
    train.schedule = { ...train.schedule, peakLr: num("peak-lr", 0) };
    train.peakLrByTier = {};
  }
  if (a.has("warmup")) train.schedule = { ...train.schedule, warmupSteps: num("warmup", 0) };
  if (a.has("beta2")) train.adamw = { ...train.adamw, beta2: num("beta2", 0) };
  if (a.has("clip")) train.adamw = { ...train.adamw, clipNorm: num("clip", 0) };
  if (a.has("pairs-per-step")) train.pairsPerStep = num("pairs-per-step", 0);
  const root = path.join(resultsPath("probe"), name);
  const oracle = ds.oracle ? new Map(data.evalQueries.map((q) => [q.qid, ds.oracle!.dev.get(q.qid)!])) : null;
  const oracleText = oracle ? `; oracle NDCG@10 ${runMetrics(data, oracle)["ndcg@10"].toFixed(3)}` : "";
  console.log(`backend ${sel.backend}; ${data.evalQueries.length} evaluation queries; BM25 NDCG@10 ${runMetrics(data, data.evalFirstStage)["ndcg@10"].toFixed(3)}${oracleText}; runs under ${root}`);
  for (const tier of tiers) {
    const out = await trainRun({ profile: "mini", tier, objective, seed: 1 }, data, train, { root });
    const curve = out.records.map((r) => `${r.step}:${r.metrics["ndcg@10"].toFixed(3)}`).join(" ");
    console.log(`${tier} ${objective} (N=${out.records[0]?.params}) NDCG@10 by step ${curve}  [${out.seconds.toFixed(0)} s]`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
