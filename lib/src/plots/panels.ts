/**
 * The series and panels the law figures of notebooks 04–06 draw, built from fitted laws and
 * forecast results: fitted curves on a grid, training dots, held-out stars and forecast crosses,
 * in the layout of the authors' plots (rahulseetharaman/cross-encoder-scaling: the model- and
 * data-scaling 2×3 grids and the joint-law figures of arXiv 2603.04816).
 */
import type { CheckpointRecord } from "../records/types";
import type { LawFit } from "../laws/fit";
import { groupRuns, type ProtocolResult } from "../laws/protocols";
import type { AllocationFit, LawFitResult } from "../laws/lawfits";
import { isoFlopCurve, optimalAllocation } from "../laws/allocation";
import { OBJECTIVE_COLORS, logSpace, type isoFlopFigure, type JointPanel, type LawSeries } from "./laws";

/** A metric key as a file-name part: "ndcg@10" → "ndcg10". */
export function metricSlug(metric: string): string {
  return metric.replace(/[^A-Za-z0-9]+/g, "");
}

/** The law's curve y = f(x) on the points of `grid` (single-input forms). */
export function lawCurve(fit: LawFit, grid: readonly number[]): { x: number[]; y: number[] } {
  return { x: grid.slice(), y: grid.map((v) => fit.form.f(fit.params, [v])) };
}

/** N from a fifth below the smallest to a fifth above the largest of `params`, 60 points on a log scale. */
export function sizeGrid(params: readonly number[]): number[] {
  return logSpace(Math.min(...params) / 1.2, Math.max(...params) * 1.2, 60);
}

/**
 * One joint-law panel per objective (the paper's joint-law figures): the runs fitted and the
 * held-out runs of `testTiers`, with R² on each, from `results` of `jointLawForecast` for `metric`.
 */
export function jointLawPanels(
  records: readonly CheckpointRecord[],
  results: readonly ProtocolResult[],
  metric: string,
): JointPanel[] {
  const runs = groupRuns(records, metric);
  return results.map((r) => ({
    name: r.objective,
    fit: r.fit,
    train: runs.filter((u) => u.objective === r.objective && !r.testTiers.includes(u.tier)),
    test: runs.filter((u) => u.objective === r.objective && r.testTiers.includes(u.tier)),
    r2Train: r.gof.r2,
    r2Test: r.testR2,
  }));
}

/** Model-law series of {@link modelLawFits} results (one per objective): the points fitted and the curve. */
export function modelLawSeries(fits: readonly LawFitResult[]): LawSeries[] {
  const grid = sizeGrid(fits.flatMap((m) => m.data.x.map((v) => v[0])));
  return fits.map((m) => ({
    name: m.objective,
    color: OBJECTIVE_COLORS[m.objective],
    train: { x: m.data.x.map((v) => v[0]), y: m.data.y },
    curve: lawCurve(m.fit, grid),
  }));
}

/**
 * One forecast series: the points fitted, the curve on `grid`, the held-out actual values (with
 * their sd when there is one: the model law's actual is a mean of checkpoints) and the forecasts
 * with their intervals (bootstrap when there is one, else the delta method), at x = N or step.
 */
function forecastSeries(r: ProtocolResult, grid: readonly number[], xOf: "params" | "step"): LawSeries {
  const xs = r.points.map((p) => p[xOf]);
  const sd = r.points.some((p) => p.actualSd > 0) ? r.points.map((p) => p.actualSd) : undefined;
  return {
    name: r.objective,
    color: OBJECTIVE_COLORS[r.objective],
    train: { x: r.train.x.map((v) => v[0]), y: r.train.y },
    curve: lawCurve(r.fit, grid),
    held: { x: xs, y: r.points.map((p) => p.actual), sd },
    forecast: {
      x: xs,
      y: r.points.map((p) => p.forecast),
      lo: r.points.map((p) => (p.bootstrap ?? p.delta).lo),
      hi: r.points.map((p) => (p.bootstrap ?? p.delta).hi),
    },
  };
}

/** A panel of the 2×3 metric grid: the metric, its series and the train|test divider. */
export interface MetricPanel {
  metric: string;
  series: LawSeries[];
  divider?: number;
}

/**
 * The model-scaling grid (one panel per metric, one series per objective) from `modelLawForecast`
 * results; the divider sits halfway (geometrically) between the largest fitted and the smallest
 * held-out tier.
 */
export function modelScalingPanels(
  results: readonly ProtocolResult[],
  metrics: readonly string[],
): MetricPanel[] {
  const params = results.flatMap((r) => [...r.train.x.map((v) => v[0]), ...r.points.map((p) => p.params)]);
  const grid = sizeGrid(params);
  const fitted = Math.max(...results.flatMap((r) => r.train.x.map((v) => v[0])));
  const held = Math.min(...results.flatMap((r) => r.points.map((p) => p.params)));
  return metrics.map((metric) => ({
    metric,
    divider: Math.sqrt(fitted * held),
    series: results.filter((r) => r.metric === metric).map((r) => forecastSeries(r, grid, "params")),
  }));
}

/**
 * The data-scaling grid of one tier (one panel per metric) from `dataLawForecast` results: each
 * objective's run fitted on all but its last checkpoints, the curve over the whole run, the
 * divider between the last fitted and the first held-out step.
 */
export function dataScalingPanels(
  results: readonly ProtocolResult[],
  tier: string,
  metrics: readonly string[],
): MetricPanel[] {
  return metrics.map((metric) => {
    const rs = results.filter((r) => r.metric === metric && r.trainTiers[0] === tier);
    const series = rs.map((r) => {
      const first = r.train.x[0][0],
        last = r.points[r.points.length - 1].step;
      const grid = Array.from({ length: 60 }, (_, i) => first + ((last - first) * i) / 59);
      return forecastSeries(r, grid, "step");
    });
    const r0 = rs[0];
    const divider = r0 ? (r0.train.x[r0.train.x.length - 1][0] + r0.points[0].step) / 2 : undefined;
    return { metric, series, divider };
  });
}

/** One iso-FLOP curve of {@link isoFlopFigure}: the law along N at budget C, and its optimum. */
export interface IsoFlopCurve {
  C: number;
  points: { N: number; D: number; y: number }[];
  optimum: { N: number; y: number };
}

/**
 * Iso-FLOP curves of an allocation fit at each budget in `budgets`: the law's prediction along
 * D = C/(kN) for N from 1/30 of the smallest to 30× the largest tier (80 points on a log scale,
 * where D ≥ 1 step), with the compute-optimal N*(C) marked.
 */
export function isoFlopCurves(a: AllocationFit, budgets: readonly number[]): IsoFlopCurve[] {
  const Ns = logSpace(a.runs[0].params / 30, a.runs[a.runs.length - 1].params * 30, 80);
  return budgets.map((C) => {
    const opt = optimalAllocation(a.fit, [C], a.k)[0];
    return {
      C,
      points: isoFlopCurve(a.fit, C, a.k, Ns).filter((p) => p.D >= 1),
      optimum: { N: opt.N, y: a.fit.form.f(a.fit.params, [opt.N, opt.D]) },
    };
  });
}
