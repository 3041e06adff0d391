/**
 * The reranker paper's laws fitted on all the records of each (metric, objective), without holding
 * anything out (arXiv 2603.04816, scaling-law fits; rahulseetharaman/cross-encoder-scaling,
 * joint_scaling.py and model_scaling.py): the joint law over every checkpoint of every tier, the
 * model law over the last checkpoints of every tier, the data law within one run, and the joint
 * law with its bootstrap for compute allocation. The
 * forecasting protocols, which hold tiers or checkpoints out, are in `protocols.ts`.
 */
import type { CheckpointRecord, Objective } from "../records/types";
import type { CglSeries, PublishedLaws } from "../records/published";
import { type LawData, inversePowerLaw, jointPowerLaw, powerLaw } from "./forms";
import { type FitOptions, type LawFit, fitLaw } from "./fit";
import { bootstrapLaw, goodnessOfFit, type BootstrapResult, type GoodnessOfFit } from "./stats";
import { groupRuns, metricDirection, objectivesIn, type MetricRun } from "./protocols";
import {
  allocationBands,
  allocationExponents,
  flopsPerParamStep,
  powerTerms,
  type AllocationBands,
} from "./allocation";

/** One fitted law: what was fitted, on which points, and how well. */
export interface LawFitResult {
  metric: string;
  objective: Objective;
  /** The tier, for a data law fitted within one run; "" otherwise. */
  tier: string;
  fit: LawFit;
  data: LawData;
  gof: GoodnessOfFit;
}

/** Options of the fits below. */
export interface LawFitsOptions {
  /** Metrics to fit, each with every objective present. */
  metrics: readonly string[];
  /** Options of every fit (starts, loss, solver). */
  fit?: FitOptions;
}

function result(
  metric: string,
  objective: Objective,
  tier: string,
  fit: LawFit,
  data: LawData,
): LawFitResult {
  return { metric, objective, tier, fit, data, gof: goodnessOfFit(fit, data) };
}

/**
 * The joint law y = a + b·N^c + d·D^e (N non-embedding parameters, D = step) fitted per metric and
 * objective on every checkpoint of every tier, with the bounds of the metric's direction.
 */
export function jointLawFits(records: readonly CheckpointRecord[], opts: LawFitsOptions): LawFitResult[] {
  return opts.metrics.flatMap((metric) => {
    const form = jointPowerLaw(metricDirection(metric));
    const runs = groupRuns(records, metric);
    return objectivesIn(records).map((objective) => {
      const mine = runs.filter((r) => r.objective === objective);
      const data = {
        x: mine.flatMap((r) => r.steps.map((s) => [r.params, s])),
        y: mine.flatMap((r) => r.values),
      };
      return result(metric, objective, "", fitLaw(form, data, opts.fit), data);
    });
  });
}

/**
 * The model law y = a + b·N^c per metric and objective, each of the last `lastK` checkpoints of
 * every tier one point (the paper's model-size fits use the final checkpoints, not their mean).
 */
export function modelLawFits(
  records: readonly CheckpointRecord[],
  opts: LawFitsOptions & { lastK?: number },
): LawFitResult[] {
  const lastK = opts.lastK ?? 10;
  return opts.metrics.flatMap((metric) => {
    const form = powerLaw(metricDirection(metric));
    const runs = groupRuns(records, metric);
    return objectivesIn(records).map((objective) => {
      const mine = runs.filter((r) => r.objective === objective);
      const data = {
        x: mine.flatMap((r) => r.values.slice(-lastK).map(() => [r.params])),
        y: mine.flatMap((r) => r.values.slice(-lastK)),
      };
      return result(metric, objective, "", fitLaw(form, data, opts.fit), data);
    });
  });
}

/** The data law y = a + b·step^c within every run (tier × objective), per metric. */
export function dataLawFits(records: readonly CheckpointRecord[], opts: LawFitsOptions): LawFitResult[] {
  return opts.metrics.flatMap((metric) => {
    const form = powerLaw(metricDirection(metric));
    return groupRuns(records, metric).map((run) => {
      const data = { x: run.steps.map((s) => [s]), y: run.values };
      return result(metric, run.objective, run.tier, fitLaw(form, data, opts.fit), data);
    });
  });
}

/** A joint law fitted for compute allocation: the fit, its bootstrap and the FLOPs per parameter-step. */
export interface AllocationFit extends LawFitResult {
  runs: MetricRun[];
  boot: BootstrapResult;
  /** k in C = k·N·D: 6 × tokens per step (`flopsPerParamStep`). */
  k: number;
  /** Exponents of N*(C) and D*(C) from the fit, null when the law has no valid power terms (α, β ≤ 0). */
  exponents: { n: number; d: number } | null;
  /** Bootstrap 95% bands of N*(C), D*(C) at C = 10^18 and of the exponents. */
  bands: AllocationBands;
}

/**
 * The joint law of `metric` per objective with a seeded bootstrap of its parameters, for the
 * Chinchilla-style allocation of arXiv 2603.04816 (compute allocation): minimising the deficit
 * |b|·N^−α + |d|·D^−β at C = k·N·D gives N* ∝ C^(β/(α+β)) and D* ∝ C^(α/(α+β)).
 */
export function allocationFits(
  records: readonly CheckpointRecord[],
  opts: { metric: string; fit?: FitOptions; replicates: number; seed?: number },
): AllocationFit[] {
  return jointLawFits(records, { metrics: [opts.metric], fit: opts.fit }).map((j) => {
    const runs = groupRuns(records, opts.metric).filter((r) => r.objective === j.objective);
    const boot = bootstrapLaw(j.fit, j.data, { replicates: opts.replicates, seed: opts.seed ?? 11 });
    const k = flopsPerParamStep(records, j.objective);
    const t = powerTerms(j.fit.form, j.fit.params);
    const exponents = t && t.alpha > 0 && t.beta > 0 ? allocationExponents(t) : null;
    return { ...j, runs, boot, k, exponents, bands: allocationBands(j.fit.form, boot.params, [1e18], k) };
  });
}

/** A published CGL series refitted with L(x) = (a/x)^b + c. */
export interface CglRefit {
  name: string;
  /** "size": x = non-embedding parameters; "data": x = training examples. */
  axis: "size" | "data";
  series: CglSeries;
  fit: LawFit;
  gof: GoodnessOfFit;
}

/**
 * Refit the generative-retrieval paper's MINDER CGL series (arXiv 2503.18941; values from
 * HongruCai/SLGR, eval/laws_minder.py) with L(x) = (a/x)^b + c: the T5 and LLaMA size series and
 * the LLaMA-7B data series. With 3 points the LLaMA size fit is exact and its status says so.
 */
export function cglRefits(published: PublishedLaws, starts = 64): CglRefit[] {
  const specs: [string, "size" | "data", CglSeries][] = [
    ["MINDER-T5 (size)", "size", published.cglSeries.minderT5],
    ["MINDER-LLaMA (size)", "size", published.cglSeries.minderLlama],
    ["MINDER-LLaMA-7B (data)", "data", published.cglSeries.minderLlama7bData],
  ];
  return specs.map(([name, axis, series]) => {
    const data = { x: series.x.map((v) => [v]), y: series.cgl };
    const fit = fitLaw(inversePowerLaw(), data, { starts });
    return { name, axis, series, fit, gof: goodnessOfFit(fit, data) };
  });
}
