/**
 * The findings scorecard: for each finding of the reranker paper (PAPER_FINDINGS), our value
 * measured on the records and a verdict computed by a rule written next to it — "reproduced",
 * "partly" or "not reproduced" — never typed in. {@link measureFindings} computes the numbers
 * from checkpoint records with the library's protocols; {@link judgeFindings} applies the rules,
 * so the rules can be tested on constructed measurements.
 */
import type { CheckpointRecord, Objective } from "../records/types";
import { requireMetric } from "../records/types";
import { jointPowerLaw } from "./forms";
import { fitLaw, type FitOptions, type FitStatus } from "./fit";
import { goodnessOfFit } from "./stats";
import { dataLawForecast, groupRuns, metricDirection, modelLawForecast, tiersBySize } from "./protocols";
import { allocationExponents, equalComputePairs, powerTerms } from "./allocation";
import { PAPER_FINDINGS } from "./paperfindings";

/** A verdict of the scorecard. */
export type Verdict = "reproduced" | "partly" | "not reproduced";

/** A value with the status of the fit it came from. */
export interface FittedValue {
  value: number;
  status: FitStatus;
}

/** Everything the rules read, measured on one set of records (see {@link measureFindings}). */
export interface FindingMeasurements {
  /** Joint law on every tier and step, per objective: train R² and the data exponent e. */
  joint: Partial<Record<Objective, { r2: number; e: number; c: number; status: FitStatus }>>;
  /** Model law (last 10 checkpoints of the fitted tiers → the forecast tiers): NDCG@10 MAE per objective. */
  modelMae: Partial<Record<Objective, FittedValue>>;
  /** Model-law forecasts below the actual value, over every retrieval metric, objective and forecast tier. */
  conservative: { below: number; total: number };
  /** Model-law relative error (MAE / mean actual) per metric, averaged over objectives. */
  relativeError: Record<string, number>;
  /** D* ∝ C^d from each objective's joint law (NaN when its terms do not give one). */
  dataShare: Partial<Record<Objective, FittedValue>>;
  /** Equal-compute comparisons per objective: how often the smaller model trained longer wins. */
  equalCompute: Partial<Record<Objective, { small: number; large: number; tie: number }>>;
  /** Runs whose CE(64) rebounds by more than `reboundThreshold` after its running minimum. */
  ceRebound: Partial<Record<Objective, { rebounding: number; runs: number }>>;
  /** Data-law MAE (held-out last 5 checkpoints) of NDCG@10 for every (tier, objective). */
  dataMae: number[];
}

/** A row of the scorecard. */
export interface ScorecardRow {
  id: string;
  claim: string;
  published: string;
  ours: string;
  verdict: Verdict;
  /** The rule that gave the verdict, in words. */
  rule: string;
  source: string;
}

/** Options of {@link measureFindings} (defaults in brackets). */
export interface MeasureOptions {
  /** The metric the paper's main findings are about ["ndcg@10"]. */
  metric?: string;
  /** Tiers forecast by the model law [the two largest]. */
  testTiers?: string[];
  fit?: FitOptions;
  /** A CE(64) rise of more than this many nats after the run's running minimum is a rebound [0.05]. */
  reboundThreshold?: number;
}

const OBJECTIVES: readonly Objective[] = ["pointwise", "pairwise", "listwise"];
const RETRIEVAL = ["ndcg@10", "map", "mrr@10", "recall@10", "p@10"];

/** The largest rise of a series above its running minimum: max_t (y_t − min_{s<t} y_s), 0 if it never rises. */
export function reboundAfterMinimum(ys: readonly number[]): number {
  let lo = Infinity,
    best = 0;
  for (const y of ys) {
    if (y - lo > best) best = y - lo;
    lo = Math.min(lo, y);
  }
  return best;
}

/**
 * Measure every finding on checkpoint records (one consistent series: one profile, evaluation set
 * and seed). The joint law is fitted on every tier and step; the model and data laws follow the
 * paper's protocols (modelLawForecast, dataLawForecast); equal compute uses equalComputePairs.
 */
export function measureFindings(
  records: readonly CheckpointRecord[],
  opts: MeasureOptions = {},
): FindingMeasurements {
  const metric = opts.metric ?? "ndcg@10";
  requireMetric(records, metric);
  const testTiers =
    opts.testTiers ??
    tiersBySize(records)
      .slice(-2)
      .map((t) => t.tier);
  const objectives = OBJECTIVES.filter((o) => records.some((r) => r.objective === o));
  const m: FindingMeasurements = {
    joint: {},
    modelMae: {},
    conservative: { below: 0, total: 0 },
    relativeError: {},
    dataShare: {},
    equalCompute: {},
    ceRebound: {},
    dataMae: [],
  };
  const runs = groupRuns(records, metric);
  for (const o of objectives) {
    const rs = runs.filter((r) => r.objective === o);
    const data = { x: rs.flatMap((r) => r.steps.map((s) => [r.params, s])), y: rs.flatMap((r) => r.values) };
    const fit = fitLaw(jointPowerLaw(metricDirection(metric)), data, opts.fit);
    m.joint[o] = { r2: goodnessOfFit(fit, data).r2, e: fit.named.e, c: fit.named.c, status: fit.status };
    const t = powerTerms(fit.form, fit.params);
    m.dataShare[o] = {
      value: t && t.alpha > 0 && t.beta > 0 ? allocationExponents(t).d : NaN,
      status: fit.status,
    };
  }
  const present = Object.keys(records[0]?.metrics ?? {});
  for (const met of present.filter((k) => RETRIEVAL.includes(k) || k === "ce@64")) {
    const res = modelLawForecast(records, { metric: met, testTiers, fit: opts.fit });
    const rel = res.map(
      (r) => r.errors.mae / Math.abs(r.points.reduce((a, p) => a + p.actual, 0) / r.points.length),
    );
    m.relativeError[met] = rel.reduce((a, b) => a + b, 0) / rel.length;
    if (met === metric)
      for (const r of res) m.modelMae[r.objective] = { value: r.errors.mae, status: r.fit.status };
    if (RETRIEVAL.includes(met))
      for (const r of res)
        for (const p of r.points) {
          m.conservative.total++;
          if (p.actual > p.forecast) m.conservative.below++;
        }
  }
  for (const p of equalComputePairs(records, metric, metricDirection(metric))) {
    const e = (m.equalCompute[p.objective] ??= { small: 0, large: 0, tie: 0 });
    e[p.winner]++;
  }
  if (present.includes("ce@64")) {
    for (const r of groupRuns(records, "ce@64")) {
      const e = (m.ceRebound[r.objective] ??= { rebounding: 0, runs: 0 });
      e.runs++;
      if (reboundAfterMinimum(r.values) > (opts.reboundThreshold ?? 0.05)) e.rebounding++;
    }
  }
  m.dataMae = dataLawForecast(records, { metric, fit: opts.fit }).map((r) => r.errors.mae);
  return m;
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "–");
const flagged = (s: FitStatus) => (s === "ok" ? "" : ` (${s})`);
const median = (v: readonly number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

/** A verdict from two thresholds: all pass → reproduced; the weaker test passes → partly. */
const verdictOf = (full: boolean, part: boolean): Verdict =>
  full ? "reproduced" : part ? "partly" : "not reproduced";

/** Apply the scorecard's rules to measurements (the rule of each row is in its `rule` field). */
export function judgeFindings(m: FindingMeasurements): ScorecardRow[] {
  const obj = (rec: Partial<Record<Objective, unknown>>) => OBJECTIVES.filter((o) => rec[o] !== undefined);
  const rows: Omit<ScorecardRow, "claim" | "published" | "source">[] = [];
  {
    const os = obj(m.joint);
    const r2 = os.map((o) => m.joint[o]!.r2),
      allOk = os.every((o) => m.joint[o]!.status === "ok");
    rows.push({
      id: "joint-r2",
      ours: os.map((o) => `${o} ${fmt(m.joint[o]!.r2)}${flagged(m.joint[o]!.status)}`).join(", "),
      verdict: verdictOf(
        r2.length > 0 && r2.every((v) => v >= 0.9) && allOk,
        r2.length > 0 && r2.every((v) => v >= 0.75),
      ),
      rule: "reproduced: every objective's R² ≥ 0.90 and every fit ok; partly: every R² ≥ 0.75",
    });
  }
  {
    const os = obj(m.modelMae);
    const v = os.map((o) => m.modelMae[o]!.value);
    rows.push({
      id: "model-mae",
      ours: os.map((o) => `${o} ${fmt(m.modelMae[o]!.value)}${flagged(m.modelMae[o]!.status)}`).join(", "),
      verdict: verdictOf(
        v.length > 0 && v.every((x) => x <= 0.025),
        v.length > 0 && v.every((x) => x <= 0.05),
      ),
      rule: "reproduced: every objective's MAE ≤ 0.025 (the published range); partly: every MAE ≤ 0.05",
    });
  }
  {
    const share = m.conservative.total ? m.conservative.below / m.conservative.total : NaN;
    rows.push({
      id: "conservative",
      ours: `${m.conservative.below} of ${m.conservative.total} (${fmt(100 * share, 0)} %)`,
      verdict: verdictOf(share >= 0.8, share > 0.5),
      rule: "reproduced: ≥ 80 % of forecasts below the actual; partly: more than half",
    });
  }
  {
    const os = obj(m.joint);
    const e = (o: Objective) => Math.abs(m.joint[o]!.e);
    const smallest =
      os.includes("pointwise") &&
      os.length > 1 &&
      os.every((o) => o === "pointwise" || e("pointwise") < e(o));
    const allOk = os.every((o) => m.joint[o]!.status === "ok");
    rows.push({
      id: "data-exponents",
      ours: os.map((o) => `${o} ${fmt(m.joint[o]!.e)}${flagged(m.joint[o]!.status)}`).join(", "),
      verdict: verdictOf(smallest && allOk, smallest),
      rule: "reproduced: pointwise has the smallest |e| and every joint fit is ok; partly: smallest but some fit flagged",
    });
  }
  {
    const good = ["ndcg@10", "map"].map((k) => m.relativeError[k]).filter(Number.isFinite);
    const bad = ["ce@64", "mrr@10"].map((k) => m.relativeError[k]).filter(Number.isFinite);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    rows.push({
      id: "metrics",
      ours: Object.entries(m.relativeError)
        .map(([k, v]) => `${k} ${fmt(100 * v, 1)} %`)
        .join(", "),
      verdict: verdictOf(
        good.length > 0 && bad.length > 0 && Math.max(...good) < Math.min(...bad),
        good.length > 0 && bad.length > 0 && mean(good) < mean(bad),
      ),
      rule: "relative model-law error (MAE / mean actual); reproduced: NDCG@10 and MAP both below CE(64) and MRR@10; partly: their mean below",
    });
  }
  {
    const os = obj(m.dataShare);
    const d = os.map((o) => m.dataShare[o]!.value),
      allOk = os.every((o) => m.dataShare[o]!.status === "ok");
    rows.push({
      id: "allocation",
      ours: os
        .map((o) => `${o} D* ∝ C^${fmt(m.dataShare[o]!.value, 2)}${flagged(m.dataShare[o]!.status)}`)
        .join(", "),
      verdict: verdictOf(
        d.length > 0 && d.every((x) => x > 0.5) && allOk,
        d.some((x) => x > 0.5),
      ),
      rule: "reproduced: D* grows faster than N* (exponent > 0.5) for every objective from ok fits; partly: for some",
    });
  }
  {
    const os = obj(m.equalCompute);
    const winner = (o: Objective) => {
      const e = m.equalCompute[o]!;
      return e.small > e.large ? "small" : e.large > e.small ? "large" : "tie";
    };
    const want: Record<Objective, string> = { pairwise: "small", pointwise: "small", listwise: "large" };
    const match = os.filter((o) => winner(o) === want[o]).length;
    rows.push({
      id: "equal-compute",
      ours: os
        .map((o) => {
          const e = m.equalCompute[o]!;
          return `${o}: smaller wins ${e.small} of ${e.small + e.large + e.tie}`;
        })
        .join("; "),
      verdict: verdictOf(os.length === 3 && match === 3, match >= 2),
      rule: "majority winner per objective; reproduced: smaller-longer for pairwise and pointwise, larger for listwise; partly: 2 of 3 objectives as published",
    });
  }
  {
    const p = m.ceRebound.pairwise;
    rows.push({
      id: "pairwise-ce",
      ours: OBJECTIVES.filter((o) => m.ceRebound[o])
        .map((o) => `${o} ${m.ceRebound[o]!.rebounding} of ${m.ceRebound[o]!.runs} runs`)
        .join(", "),
      verdict: verdictOf(!!p && p.rebounding * 2 >= p.runs && p.runs > 0, !!p && p.rebounding > 0),
      rule: "a run is non-monotonic when CE(64) rises > 0.05 nats above its running minimum; reproduced: at least half the pairwise runs; partly: any",
    });
  }
  {
    const med = median(m.dataMae),
      max = Math.max(...m.dataMae);
    rows.push({
      id: "data-mae",
      ours: `median ${fmt(med)}, max ${fmt(max)} over ${m.dataMae.length} runs`,
      verdict: verdictOf(med <= 0.02 && max <= 0.04, med <= 0.04),
      rule: "reproduced: median MAE ≤ 0.02 and max ≤ 0.04; partly: median ≤ 0.04",
    });
  }
  return rows.map((r) => {
    const f = PAPER_FINDINGS.find((x) => x.id === r.id)!;
    return { ...r, claim: f.claim, published: f.published, source: f.source };
  });
}
