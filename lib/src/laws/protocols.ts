/**
 * The reranker paper's forecasting protocols on checkpoint records (arXiv 2603.04816, forecasting protocol; rahulseetharaman/cross-encoder-scaling, model_scaling.py):
 *
 * - model law: y = a + b·N^c fitted on the last 10 checkpoints of the small tiers, forecasting
 *   the largest tiers (compared with the mean ± sd of their last 10 checkpoints);
 * - data law: y = a + b·step^c per (tier, objective), fitted on all but the last 5 checkpoints,
 *   forecasting those 5;
 * - joint law: y = a + b·N^c + d·D^e fitted on every step of the small tiers, tested on every
 *   step of the large tiers;
 * - leave-one-tier-out: the joint law fitted without one tier, tested on it.
 *
 * Each protocol runs per objective (the paper fits objectives separately: arXiv 2603.04816) and returns the
 * fit (with its status and warnings), goodness of fit, per-point forecasts with delta-method and
 * optional bootstrap 95% intervals, and the forecast errors.
 */
import { requireMetric, type CheckpointRecord, type Objective } from "../records/types";
import { type Direction, type LawData, jointPowerLaw, powerLaw } from "./forms";
import { type FitOptions, type LawFit, fitLaw } from "./fit";
import {
  type ForecastErrors,
  type GoodnessOfFit,
  type Interval,
  bootstrapLaw,
  deltaMethodIntervals,
  forecastErrors,
  goodnessOfFit,
  rSquared,
} from "./stats";

/** Rising for quality metrics, falling for losses: keys starting with "ce" or containing "loss". */
export function metricDirection(metric: string): Direction {
  return /^ce|loss/i.test(metric) ? "falling" : "rising";
}

/** Options shared by the protocols (defaults in brackets). */
export interface ProtocolOptions {
  /** Metric key in `CheckpointRecord.metrics`. */
  metric: string;
  /** Objectives to run [all present in the records]. */
  objectives?: readonly Objective[];
  /** Tiers held out as the forecast target [the two largest by parameters]. */
  testTiers?: readonly string[];
  /** Direction of the metric [from {@link metricDirection}]. */
  direction?: Direction;
  /** Options for every fit [32 starts, least squares]. */
  fit?: FitOptions;
  /** Bootstrap replicates for forecast intervals; 0 = none [0]. */
  bootstrap?: number;
  /** Seed for the bootstrap [0]. */
  seed?: number;
}

/** One run: the checkpoints of one (tier, objective), sorted by step. */
export interface MetricRun {
  tier: string;
  params: number;
  objective: Objective;
  steps: number[];
  values: number[];
  records: CheckpointRecord[];
}

/**
 * Group records into runs by (tier, objective), sorted by parameters then step. Throws (see
 * `requireMetric`) when the metric is unknown, listing the metrics present, or when some records
 * lack it.
 */
export function groupRuns(records: readonly CheckpointRecord[], metric: string): MetricRun[] {
  requireMetric(records, metric);
  const map = new Map<string, CheckpointRecord[]>();
  for (const r of records) {
    const key = `${r.tier}\u0000${r.objective}`;
    const l = map.get(key);
    if (l) l.push(r);
    else map.set(key, [r]);
  }
  const runs = [...map.values()].map((rs) => {
    rs.sort((a, b) => a.step - b.step);
    return {
      tier: rs[0].tier,
      params: rs[0].params,
      objective: rs[0].objective,
      steps: rs.map((r) => r.step),
      values: rs.map((r) => r.metrics[metric]),
      records: rs,
    };
  });
  return runs.sort((a, b) => a.params - b.params || a.objective.localeCompare(b.objective));
}

/** Tiers ordered by parameter count. */
export function tiersBySize(records: readonly CheckpointRecord[]): { tier: string; params: number }[] {
  const m = new Map<string, number>();
  for (const r of records) m.set(r.tier, r.params);
  return [...m.entries()].map(([tier, params]) => ({ tier, params })).sort((a, b) => a.params - b.params);
}

function defaultTestTiers(records: readonly CheckpointRecord[]): string[] {
  return tiersBySize(records)
    .slice(-2)
    .map((t) => t.tier);
}

/** The objectives the records hold, in the paper's order (listwise, pairwise, pointwise). */
export function objectivesIn(records: readonly CheckpointRecord[]): Objective[] {
  const present = new Set(records.map((r) => r.objective));
  return (["listwise", "pairwise", "pointwise"] as Objective[]).filter((o) => present.has(o));
}

function objectivesOf(records: readonly CheckpointRecord[], opts: ProtocolOptions): Objective[] {
  return (opts.objectives ?? objectivesIn(records)).slice();
}

const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const sd = (v: readonly number[]) =>
  v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1)) : 0;

/** Forecast intervals at rows: delta method always; bootstrap when replicates > 0. */
function intervals(
  fit: LawFit,
  data: LawData,
  xs: number[][],
  opts: ProtocolOptions,
  label: string,
): { delta: Interval[]; boot: Interval[] | null; bootFailed: number } {
  const delta = deltaMethodIntervals(fit, xs);
  const B = opts.bootstrap ?? 0;
  if (!(B > 0) || fit.status === "failed") return { delta, boot: null, bootFailed: 0 };
  const bs = bootstrapLaw(fit, data, {
    replicates: B,
    seed: (opts.seed ?? 0) + hash(label),
    predictAt: xs,
    fitOptions: opts.fit,
  });
  return { delta, boot: bs.predictionIntervals, bootFailed: bs.failed };
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h >>> 0;
}

/** One forecast point. */
export interface ForecastPoint {
  tier: string;
  params: number;
  step: number;
  /** Actual value (for the model law: mean of the last checkpoints). */
  actual: number;
  /** Standard deviation of the actual values averaged (model law), else 0. */
  actualSd: number;
  forecast: number;
  /** actual − forecast. */
  error: number;
  delta: Interval;
  bootstrap: Interval | null;
}

/** Result of a protocol for one objective (and, for the data law, one tier). */
export interface ProtocolResult {
  protocol: "model" | "data" | "joint" | "leave-one-tier-out";
  metric: string;
  objective: Objective;
  /** Tier(s) fitted and tier(s) forecast. */
  trainTiers: string[];
  testTiers: string[];
  fit: LawFit;
  /** Goodness of fit on the training data. */
  gof: GoodnessOfFit;
  /** Training data as fitted. */
  train: LawData;
  points: ForecastPoint[];
  errors: ForecastErrors;
  /** R² of the forecasts on the held-out points (can be negative). */
  testR2: number;
  /** Bootstrap replicates left out because their refit did not converge. */
  bootstrapFailed: number;
}

/**
 * Model-size law (arXiv 2603.04816, forecasting protocol; rahulseetharaman/cross-encoder-scaling, model_scaling.py): per objective, y = a + b·N^c on the last `lastK` (10)
 * checkpoints of every training tier (each checkpoint a point), forecasting each test tier;
 * actual = mean ± sd of the test tier's last `lastK` checkpoints.
 */
export function modelLawForecast(
  records: readonly CheckpointRecord[],
  opts: ProtocolOptions & { lastK?: number },
): ProtocolResult[] {
  const lastK = opts.lastK ?? 10;
  const testTiers = (opts.testTiers ?? defaultTestTiers(records)).slice();
  const runs = groupRuns(records, opts.metric);
  const dir = opts.direction ?? metricDirection(opts.metric);
  return objectivesOf(records, opts).map((objective) => {
    const mine = runs.filter((r) => r.objective === objective);
    const train = mine.filter((r) => !testTiers.includes(r.tier));
    const test = mine.filter((r) => testTiers.includes(r.tier));
    const x: number[][] = [],
      y: number[] = [];
    for (const r of train)
      for (const v of r.values.slice(-lastK)) {
        x.push([r.params]);
        y.push(v);
      }
    const data = { x, y };
    const fit = fitLaw(powerLaw(dir), data, opts.fit);
    const xs = test.map((r) => [r.params]);
    const iv = intervals(fit, data, xs, opts, `model/${objective}`);
    const points = test.map((r, i) => {
      const last = r.values.slice(-lastK);
      const actual = mean(last),
        forecast = iv.delta[i].value;
      return {
        tier: r.tier,
        params: r.params,
        step: r.steps[r.steps.length - 1],
        actual,
        actualSd: sd(last),
        forecast,
        error: actual - forecast,
        delta: iv.delta[i],
        bootstrap: iv.boot ? iv.boot[i] : null,
      };
    });
    return finish(
      "model",
      opts.metric,
      objective,
      train.map((r) => r.tier),
      test.map((r) => r.tier),
      fit,
      data,
      points,
      dir,
      iv.bootFailed,
    );
  });
}

/**
 * Data law (arXiv 2603.04816, forecasting protocol; rahulseetharaman/cross-encoder-scaling, model_scaling.py): per (tier, objective), y = a + b·step^c on all checkpoints but the
 * last `holdout` (5), forecasting those.
 */
export function dataLawForecast(
  records: readonly CheckpointRecord[],
  opts: ProtocolOptions & { holdout?: number },
): ProtocolResult[] {
  const holdout = opts.holdout ?? 5;
  const dir = opts.direction ?? metricDirection(opts.metric);
  const objectives = objectivesOf(records, opts);
  const out: ProtocolResult[] = [];
  for (const r of groupRuns(records, opts.metric)) {
    if (!objectives.includes(r.objective) || r.steps.length <= holdout + 3) continue;
    const cut = r.steps.length - holdout;
    const data = { x: r.steps.slice(0, cut).map((s) => [s]), y: r.values.slice(0, cut) };
    const fit = fitLaw(powerLaw(dir), data, opts.fit);
    const xs = r.steps.slice(cut).map((s) => [s]);
    const iv = intervals(fit, data, xs, opts, `data/${r.tier}/${r.objective}`);
    const points = xs.map((x, i) => {
      const actual = r.values[cut + i];
      return {
        tier: r.tier,
        params: r.params,
        step: x[0],
        actual,
        actualSd: 0,
        forecast: iv.delta[i].value,
        error: actual - iv.delta[i].value,
        delta: iv.delta[i],
        bootstrap: iv.boot ? iv.boot[i] : null,
      };
    });
    out.push(
      finish("data", opts.metric, r.objective, [r.tier], [r.tier], fit, data, points, dir, iv.bootFailed),
    );
  }
  return out;
}

function jointData(runs: readonly MetricRun[]): { data: LawData; meta: { run: MetricRun; i: number }[] } {
  const x: number[][] = [],
    y: number[] = [],
    meta: { run: MetricRun; i: number }[] = [];
  for (const r of runs)
    r.steps.forEach((s, i) => {
      x.push([r.params, s]);
      y.push(r.values[i]);
      meta.push({ run: r, i });
    });
  return { data: { x, y }, meta };
}

function jointOn(
  objective: Objective,
  train: MetricRun[],
  test: MetricRun[],
  opts: ProtocolOptions,
  protocol: "joint" | "leave-one-tier-out",
  dir: Direction,
): ProtocolResult {
  const { data } = jointData(train);
  const fit = fitLaw(jointPowerLaw(dir), data, opts.fit);
  const held = jointData(test);
  const iv = intervals(
    fit,
    data,
    held.data.x as number[][],
    opts,
    `${protocol}/${objective}/${test.map((r) => r.tier).join(",")}`,
  );
  const points = held.meta.map(({ run, i }, j) => ({
    tier: run.tier,
    params: run.params,
    step: run.steps[i],
    actual: run.values[i],
    actualSd: 0,
    forecast: iv.delta[j].value,
    error: run.values[i] - iv.delta[j].value,
    delta: iv.delta[j],
    bootstrap: iv.boot ? iv.boot[j] : null,
  }));
  return finish(
    protocol,
    opts.metric,
    objective,
    train.map((r) => r.tier),
    test.map((r) => r.tier),
    fit,
    data,
    points,
    dir,
    iv.bootFailed,
  );
}

/** Joint law (arXiv 2603.04816, forecasting protocol; rahulseetharaman/cross-encoder-scaling, model_scaling.py): per objective, fitted on every step of the training tiers, tested on every step of the test tiers. */
export function jointLawForecast(
  records: readonly CheckpointRecord[],
  opts: ProtocolOptions,
): ProtocolResult[] {
  const testTiers = (opts.testTiers ?? defaultTestTiers(records)).slice();
  const runs = groupRuns(records, opts.metric);
  const dir = opts.direction ?? metricDirection(opts.metric);
  return objectivesOf(records, opts).map((objective) => {
    const mine = runs.filter((r) => r.objective === objective);
    return jointOn(
      objective,
      mine.filter((r) => !testTiers.includes(r.tier)),
      mine.filter((r) => testTiers.includes(r.tier)),
      opts,
      "joint",
      dir,
    );
  });
}

/** Leave-one-tier-out: per objective and tier, the joint law fitted on the other tiers and tested on that one. */
export function leaveOneTierOut(
  records: readonly CheckpointRecord[],
  opts: ProtocolOptions,
): ProtocolResult[] {
  const runs = groupRuns(records, opts.metric);
  const dir = opts.direction ?? metricDirection(opts.metric);
  const out: ProtocolResult[] = [];
  for (const objective of objectivesOf(records, opts)) {
    const mine = runs.filter((r) => r.objective === objective);
    for (const held of mine)
      out.push(
        jointOn(
          objective,
          mine.filter((r) => r !== held),
          [held],
          opts,
          "leave-one-tier-out",
          dir,
        ),
      );
  }
  return out;
}

function finish(
  protocol: ProtocolResult["protocol"],
  metric: string,
  objective: Objective,
  trainTiers: string[],
  testTiers: string[],
  fit: LawFit,
  data: LawData,
  points: ForecastPoint[],
  dir: Direction,
  bootstrapFailed: number,
): ProtocolResult {
  const actual = points.map((p) => p.actual),
    forecast = points.map((p) => p.forecast);
  return {
    protocol,
    metric,
    objective,
    trainTiers: [...new Set(trainTiers)],
    testTiers: [...new Set(testTiers)],
    fit,
    gof: goodnessOfFit(fit, data),
    train: data,
    points,
    errors: points.length ? forecastErrors(actual, forecast, dir) : forecastErrors([NaN], [NaN], dir),
    testR2: points.length > 1 ? rSquared(actual, forecast) : NaN,
    bootstrapFailed,
  };
}

/** Where a protocol's checkpoint window sits in training (see {@link protocolWindows}). */
export interface CheckpointWindow {
  /** The window's checkpoint steps. */
  steps: number[];
  /**
   * The share of training the window covers: (last step − the step of the checkpoint before the
   * window) / last step, i.e. the window is "the final X of training".
   */
  finalShare: number;
}

/**
 * The paper's protocol windows on a run's checkpoint steps: the model law's last `lastK` (10)
 * checkpoints and the data law's held-out last `holdout` (5). On the paper's layout (every 100 of
 * ~5,000 steps) they are the final 20 % and 10 % of training; on 10 log-spaced checkpoints they
 * are the whole run and the final 90 %, which is why such a grid cannot carry the protocols.
 */
export function protocolWindows(
  steps: readonly number[],
  lastK = 10,
  holdout = 5,
): { model: CheckpointWindow; data: CheckpointWindow } {
  const s = [...steps].sort((a, b) => a - b);
  const last = s[s.length - 1];
  const win = (k: number): CheckpointWindow => {
    const w = s.slice(-k);
    const before = s.length > k ? s[s.length - k - 1] : 0;
    return { steps: w, finalShare: (last - before) / last };
  };
  return { model: win(lastK), data: win(holdout) };
}
