/**
 * `npm run probe -- --tiers t0,t3 [--objective listwise] [--steps 400] [--eval-queries 100]
 *                   [--generator '{"numConcepts":1500}'] [--peak-lr 1e-3] [--warmup 50]
 *                   [--beta2 0.98] [--clip 1] [--seq-len 64] [--pairs-per-step 64] [--name NAME]`
 *
 * A diagnostic for the question "does NDCG@10 rise with tier on the embedded collection?": trains
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
  PROFILE_TRAIN_CONFIGS,
  buildTrainerData,
  getTier,
  parseObjective,
  prepareDataset,
  resultsPath,
  runMetrics,
  selectBackend,
  trainRun,
} from "../lib/src";
import {
  checkedOption,
  choiceOption,
  intOption,
  listOption,
  numberOption,
  parseOptions,
  runCli,
} from "./cli";

const OPTIONS = {
  tiers: "value",
  objective: "value",
  steps: "value",
  "eval-queries": "value",
  generator: "value",
  "peak-lr": "value",
  warmup: "value",
  beta2: "value",
  clip: "value",
  "seq-len": "value",
  "pairs-per-step": "value",
  name: "value",
  schedule: "value",
  checkpoints: "value",
} as const;

async function main(): Promise<number> {
  const { options: a } = parseOptions(process.argv.slice(2), OPTIONS);
  const tiers = listOption<string>("tiers", a.get("tiers") ?? "t0,t3", (t) => (getTier(t), t));
  const objective = checkedOption("objective", () => parseObjective(a.get("objective") ?? "listwise"));
  const num = (key: string, fallback: number, min = 0): number =>
    a.has(key) ? numberOption(key, a.get(key)!, min) : fallback;
  const steps = a.has("steps") ? intOption("steps", a.get("steps")!, 1) : 400;
  const evalQueries = a.has("eval-queries") ? intOption("eval-queries", a.get("eval-queries")!, 1) : 100;
  const generator = checkedOption(
    "generator",
    () => JSON.parse(a.get("generator") ?? "{}") as Record<string, unknown>,
  );
  const name = a.get("name") ?? `probe-${objective}-${steps}`;
  const sel = await selectBackend();
  const base = PROFILE_TRAIN_CONFIGS.mini;
  const ds = await prepareDataset({ profile: "mini", seed: 1, generator, log: (s) => console.log(s) });
  const data = buildTrainerData(ds, {
    seqLen: a.has("seq-len") ? intOption("seq-len", a.get("seq-len")!, 3) : base.seqLen,
    evalQueries,
  });
  const train = { ...base.train, steps };
  if (a.has("peak-lr")) {
    train.schedule = { ...train.schedule, peakLr: num("peak-lr", 0) };
    train.peakLrByTier = {};
  }
  if (a.has("warmup")) train.schedule = { ...train.schedule, warmupSteps: num("warmup", 0) };
  if (a.has("beta2")) train.adamw = { ...train.adamw, beta2: num("beta2", 0) };
  if (a.has("clip")) train.adamw = { ...train.adamw, clipNorm: num("clip", 0) };
  if (a.has("pairs-per-step")) train.pairsPerStep = intOption("pairs-per-step", a.get("pairs-per-step")!, 1);
  if (a.has("schedule"))
    train.schedule = {
      ...train.schedule,
      kind: choiceOption("schedule", a.get("schedule")!, [
        "inverse-sqrt",
        "linear",
        "cosine",
        "constant",
      ] as const),
    };
  if (a.has("checkpoints"))
    Object.assign(train, {
      checkpoints: intOption("checkpoints", a.get("checkpoints")!, 1),
      checkpointSpacing: "linear",
    });
  const root = path.join(resultsPath("probe"), name);
  const oracle = ds.oracle ? new Map(data.evalQueries.map((q) => [q.qid, ds.oracle!.dev.get(q.qid)!])) : null;
  const oracleText = oracle ? `; oracle NDCG@10 ${runMetrics(data, oracle)["ndcg@10"].toFixed(3)}` : "";
  console.log(
    `backend ${sel.backend}; ${data.evalQueries.length} evaluation queries; BM25 NDCG@10 ${runMetrics(data, data.evalFirstStage)["ndcg@10"].toFixed(3)}${oracleText}; runs under ${root}`,
  );
  for (const tier of tiers) {
    const out = await trainRun({ profile: "mini", tier, objective, seed: 1 }, data, train, { root });
    const curve = out.records.map((r) => `${r.step}:${r.metrics["ndcg@10"].toFixed(3)}`).join(" ");
    console.log(
      `${tier} ${objective} (N=${out.records[0]?.params}) NDCG@10 by step ${curve}  [${out.seconds.toFixed(0)} s]`,
    );
  }
  return 0;
}

runCli("probe", main);
