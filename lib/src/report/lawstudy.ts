/**
 * The records that the scaling-law notebooks (04 fit, 05 forecast, 06 allocation) study, with
 * what every one of them derives from the records: the size tiers, the objectives, the metrics of
 * the paper's figures, the held-out tiers, and one sentence saying where the records came from.
 */
import type { Objective } from "../records/types";
import { lawRecords, type LawRecordSource } from "../records/source";
import { objectivesIn, tiersBySize } from "../laws/protocols";
import { paperGridMetrics } from "../plots/laws";
import { resultsPath } from "../util/paths";
import { activeProfile } from "../util/profile";

/** Options of {@link lawStudy} (defaults in brackets). */
export interface LawStudyOptions {
  /** Checkpoint steps of the synthetic fallback (e.g. `stepGrid(250, 5000, 250)`). */
  steps: number[];
  /** Profile whose training records are preferred [the active profile]. */
  profile?: string;
  /** Folder of the trainer's records [results/runs]. */
  dir?: string;
  /** Seed of the synthetic fallback [2026]. */
  seed?: number;
}

/** A {@link LawRecordSource} with what the notebooks derive from it. */
export interface LawStudy extends LawRecordSource {
  profile: string;
  /** Size tiers, smallest first, with their non-embedding parameters N. */
  tiers: { tier: string; params: number }[];
  /** Objectives present, in the paper's order (listwise, pairwise, pointwise). */
  objectives: Objective[];
  /** The paper's figure metrics (NDCG@10, Recall@10, MAP, MRR, CE, P@10) that every record carries. */
  metrics: string[];
  /** NDCG@10 when present, else the first metric. */
  mainMetric: string;
  /** Tiers the laws are fitted on and tiers held out for forecasting (the two largest of ≥ 5, else one). */
  trainTiers: string[];
  testTiers: string[];
  /** One Markdown paragraph: which records, how many, from where, and why synthetic ones if so. */
  description: string;
}

/**
 * Load the records of notebooks 04–06 with {@link lawRecords}: the training records under
 * `results/runs` when they can carry the forecasting protocols of arXiv 2603.04816 (at least 4
 * tiers and 9 checkpoints per run), else synthetic records from a known joint law. The paper
 * forecasts the two largest of its six tiers; with fewer than five tiers only the largest is held out.
 */
export function lawStudy(options: LawStudyOptions): LawStudy {
  const profile = options.profile ?? activeProfile();
  const dir = options.dir ?? resultsPath("runs");
  const source = lawRecords(dir, {
    synthetic: { steps: options.steps, seed: options.seed ?? 2026 },
    prefer: { profile, evalSet: "dev" },
  });
  const records = source.records;
  const tiers = tiersBySize(records);
  const objectives = objectivesIn(records);
  const carried = Object.keys(records[0].metrics).filter((m) => records.every((r) => m in r.metrics));
  const metrics = paperGridMetrics(carried);
  const testTiers = tiers.slice(tiers.length >= 5 ? -2 : -1).map((t) => t.tier);
  const trainTiers = tiers.map((t) => t.tier).filter((t) => !testTiers.includes(t));
  const study = {
    ...source,
    profile,
    tiers,
    objectives,
    metrics,
    mainMetric: metrics.includes("ndcg@10") ? "ndcg@10" : metrics[0],
    trainTiers,
    testTiers,
    description: "",
  };
  return { ...study, description: describeStudy(study) };
}

/** The Markdown paragraph of {@link LawStudy.description}. */
function describeStudy(s: LawStudy): string {
  const steps = new Set(s.records.map((r) => r.step)).size;
  const shape = `${s.tiers.length} tiers × ${s.objectives.length} objectives × ${steps} steps`;
  const tail = `Fitted on ${s.trainTiers.join(", ")}; held out: ${s.testTiers.join(", ")}. Profile \`${s.profile}\`.`;
  if (s.synthetic)
    return (
      `**Synthetic records** (${s.fallbackReason}): ${s.records.length} checkpoints from a known joint law ` +
      `with seeded Gaussian noise, ${shape}. ${tail}`
    );
  const sel = s.selection;
  return (
    `**Training records**: ${s.records.length} checkpoints from ${s.files.length} file(s) ` +
    `(profile ${sel.profile}, eval set ${sel.evalSet}, seed ${sel.seed}; ${sel.dropped} other records ` +
    `left out), ${shape}. ${tail}`
  );
}
