/**
 * The report of notebook 03 (the grid's results): the final models' NDCG@10 by tier and objective,
 * the grid's design checks against the paper's protocols (arXiv 2603.04816) and the size-effect
 * tests, for `results/REPORT.md`.
 */
import type { CheckpointRecord, Objective } from "../records/types";
import { readFinalEvaluation } from "../train/trainer";
import { tiersBySizeOrder } from "../train/tierorder";
import { tierOrderByObjective, type DesignCheck, type SizeEffectTest } from "../train/report";
import { OBJECTIVES } from "../train/objectives";
import type { SummaryTable } from "./summary";

/** NDCG@10 of one run's final model on every query of the final evaluation. */
export interface FinalNdcg {
  tier: string;
  params: number;
  objective: Objective;
  ndcg: number;
}

/** The final evaluations (seed 1) of every (tier, objective) of `records` found under `root`, in size order. */
export function finalNdcgs(root: string, profile: string, records: readonly CheckpointRecord[]): FinalNdcg[] {
  const objectives = OBJECTIVES.filter((o) => records.some((r) => r.objective === o));
  return tiersBySizeOrder(records).flatMap((tier) => {
    const params = records.find((r) => r.tier === tier)!.params;
    return objectives.flatMap((objective) => {
      const f = readFinalEvaluation(root, { profile, tier, objective, seed: 1 });
      return f ? [{ tier, params, objective, ndcg: f.metrics["ndcg@10"] }] : [];
    });
  });
}

/** What notebook 03 measured. */
export interface TrainingResults {
  records: readonly CheckpointRecord[];
  finals: readonly FinalNdcg[];
  /** Dev queries of the final evaluation, and BM25's and the oracle's NDCG@10 on them. */
  queries: number;
  bm25: number;
  oracle: number;
  design: readonly DesignCheck[];
  sizeTests: readonly SizeEffectTest[];
}

function findings(r: TrainingResults): string[] {
  const best = r.finals.reduce<FinalNdcg | null>((a, b) => (!a || b.ndcg > a.ndcg ? b : a), null);
  const above = r.finals.filter((f) => f.ndcg > r.bm25).length;
  const passing = r.design.filter((c) => c.ok).length;
  const failing = r.design.filter((c) => !c.ok).map((c) => c.check);
  const order = tierOrderByObjective(r.records, "ndcg@10");
  const rising = order.filter((o) => o.risesWithTier);
  return [
    ...(best
      ? [
          `Best final NDCG@10 ${best.ndcg.toFixed(3)} (${best.tier} ${best.objective}) on all ${r.queries} dev ` +
            `queries; BM25 ${r.bm25.toFixed(3)}, oracle ${r.oracle.toFixed(3)}.`,
        ]
      : []),
    `${above} of ${r.finals.length} runs end above BM25 (final models, all dev queries).`,
    `${passing} of ${r.design.length} checks of the grid against the paper's protocols pass` +
      `${failing.length ? ` (failing: ${failing.join("; ")})` : ""}.`,
    `NDCG@10 rises with tier at the last checkpoint for ${rising.map((o) => o.objective).join(", ") || "no objective"} ` +
      `(${rising.length} of ${order.length}).`,
  ];
}

function tables(r: TrainingResults): SummaryTable[] {
  const objectives = OBJECTIVES.filter((o) => r.finals.some((f) => f.objective === o));
  const tiers = [...new Map(r.finals.map((f) => [f.tier, f.params])).entries()];
  const cell = (tier: string, o: Objective) =>
    r.finals.find((f) => f.tier === tier && f.objective === o)?.ndcg ?? null;
  return [
    {
      title: `NDCG@10 of the final models on all ${r.queries} dev queries, by tier and objective`,
      columns: ["tier", "N", ...objectives],
      rows: [
        ...tiers.map(([tier, params]) => [tier, params, ...objectives.map((o) => cell(tier, o))]),
        ["BM25 (first stage)", null, ...objectives.map(() => r.bm25)],
        ["oracle (ceiling)", null, ...objectives.map(() => r.oracle)],
      ],
      headline: true,
    },
    {
      title: "The grid against the paper's protocols",
      columns: ["check", "value", "required", "ok"],
      rows: r.design.map((c) => [c.check, c.value, c.required, c.ok ? "yes" : "NO"]),
      headline: true,
    },
    {
      title:
        "Forecast tiers against the largest fitted tier (final NDCG@10, paired t-test over the dev queries)",
      columns: ["objective", "forecast", "fitted", "queries", "Δ NDCG@10", "t", "p", "significant"],
      rows: r.sizeTests.map((t) => [
        ...[t.objective, t.forecast, t.fitted, t.queries],
        ...[t.meanDiff, t.t, t.pValue, t.significant ? "yes" : "no"],
      ]),
    },
  ];
}

/**
 * The summary of notebook 03: the headline table of final NDCG@10 by tier and objective (with BM25
 * and the oracle), the design checks, the size-effect tests, and findings computed from them.
 */
export function trainingSummary(r: TrainingResults): { findings: string[]; tables: SummaryTable[] } {
  return { findings: findings(r), tables: tables(r) };
}
