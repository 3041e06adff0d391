/**
 * Reading a grid's outputs back for notebooks 02 and 03: loss curves, final-checkpoint tables and
 * plotly figures (plain JSON; display them with the plots module's `showFigure`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { requireMetric, type CheckpointRecord, type Objective } from "../records/types";
import { TIERS } from "../model/tiers";
import { readFinalEvaluation, runDir, type RunSpec } from "./trainer";
import { pairedTTest } from "../eval/significance";
import { protocolWindows } from "../laws/protocols";
import { compareTiers, tierRank, tiersBySizeOrder } from "./tierorder";

/** A plotly figure as plain data (same shape as the plots module's PlotlyFigure). */
export interface FigureJson {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
}

const OBJ_ORDER: Objective[] = ["pointwise", "pairwise", "listwise"];
const TIER_COLORS = [
  "#440154",
  "#3b528b",
  "#21918c",
  "#5ec962",
  "#b5de2b",
  "#fde725",
  "#f89540",
  "#cc4778",
  "#7e03a8",
];
/** Colour of a tier: by its TIERS index; a tier outside TIERS by its position in `others` (pretrained tiers, smallest first). */
const tierColor = (t: string, others: readonly string[] = []) => {
  const r = tierRank(t);
  return TIER_COLORS[
    (r < TIERS.length ? r : TIERS.length + Math.max(0, others.indexOf(t))) % TIER_COLORS.length
  ];
};

/** The training-loss curve of a run (`loss.jsonl`: mean loss per logging window); [] if absent. */
export function readLossCurve(root: string, spec: RunSpec): Array<{ step: number; loss: number }> {
  const f = path.join(runDir(root, spec), "loss.jsonl");
  if (!fs.existsSync(f)) return [];
  return fs
    .readFileSync(f, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { step: number; loss: number });
}

function panels(n: number): Array<{ x: [number, number] }> {
  const gap = 0.06,
    w = (1 - gap * (n - 1)) / n;
  return Array.from({ length: n }, (_, i) => ({ x: [i * (w + gap), i * (w + gap) + w] as [number, number] }));
}

/** One panel per objective, one line per tier: training loss against step. */
export function lossCurvesFigure(root: string, specs: readonly RunSpec[]): FigureJson {
  const objs = OBJ_ORDER.filter((o) => specs.some((s) => s.objective === o));
  const dom = panels(objs.length);
  const data: FigureJson["data"] = [];
  const layout: FigureJson["layout"] = {
    title: { text: "Training loss along exposure (mean per logging window)" },
    height: 380,
    legend: { title: { text: "tier" } },
    annotations: [] as unknown[],
  };
  const others = [...new Set(specs.map((s) => s.tier).filter((t) => tierRank(t) === TIERS.length))];
  objs.forEach((o, i) => {
    const k = i === 0 ? "" : String(i + 1);
    for (const s of specs.filter((x) => x.objective === o)) {
      const c = readLossCurve(root, s);
      data.push({
        type: "scatter",
        mode: "lines",
        name: s.tier,
        legendgroup: s.tier,
        showlegend: i === 0,
        x: c.map((p) => p.step),
        y: c.map((p) => p.loss),
        xaxis: `x${k}`,
        yaxis: `y${k}`,
        line: { color: tierColor(s.tier, others) },
      });
    }
    layout[`xaxis${k}`] = { domain: dom[i].x, anchor: `y${k}`, type: "log", title: { text: "step" } };
    layout[`yaxis${k}`] = { anchor: `x${k}`, title: { text: i === 0 ? "loss" : "" } };
    (layout.annotations as unknown[]).push({
      text: `<b>${o}</b>`,
      xref: "paper",
      yref: "paper",
      x: (dom[i].x[0] + dom[i].x[1]) / 2,
      y: 1.02,
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
    });
  });
  return { data, layout };
}

/** A dashed horizontal reference line at y = v across panel `k` ("" for the first) and its label. */
function referenceLine(name: string, v: number, k: string): { shape: unknown; annotation: unknown } {
  const axes = { xref: `x${k} domain`, yref: `y${k}` };
  return {
    shape: {
      type: "line",
      ...axes,
      x0: 0,
      x1: 1,
      y0: v,
      y1: v,
      line: { dash: "dash", color: "#888", width: 1 },
    },
    annotation: {
      text: name,
      ...axes,
      x: 0,
      y: v,
      xanchor: "left",
      yanchor: "bottom",
      showarrow: false,
      font: { size: 10, color: "#666" },
    },
  };
}

/**
 * One panel per objective, one line per tier: a metric against training examples seen (log x),
 * with optional horizontal reference lines (e.g. BM25 and the oracle).
 */
export function exposureFigure(
  records: readonly CheckpointRecord[],
  metric: string,
  refs: Record<string, number> = {},
): FigureJson {
  requireMetric(records, metric);
  const objs = OBJ_ORDER.filter((o) => records.some((r) => r.objective === o));
  const dom = panels(objs.length);
  const data: FigureJson["data"] = [];
  const shapes: unknown[] = [],
    annotations: unknown[] = [];
  const layout: FigureJson["layout"] = {
    title: { text: `${metric} along training exposure` },
    height: 400,
    legend: { title: { text: "tier" } },
    shapes,
    annotations,
  };
  const tiers = tiersBySizeOrder(records);
  const others = tiers.filter((t) => tierRank(t) === TIERS.length);
  objs.forEach((o, i) => {
    const k = i === 0 ? "" : String(i + 1);
    for (const t of tiers) {
      const rs = records
        .filter((r) => r.objective === o && r.tier === t)
        .sort((a, b) => a.examples - b.examples);
      if (!rs.length) continue;
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name: t,
        legendgroup: t,
        showlegend: i === 0,
        x: rs.map((r) => r.examples),
        y: rs.map((r) => r.metrics[metric]),
        xaxis: `x${k}`,
        yaxis: `y${k}`,
        line: { color: tierColor(t, others) },
      });
    }
    layout[`xaxis${k}`] = {
      domain: dom[i].x,
      anchor: `y${k}`,
      type: "log",
      title: { text: "training examples seen" },
    };
    layout[`yaxis${k}`] = { anchor: `x${k}`, title: { text: i === 0 ? metric : "" } };
    annotations.push({
      text: `<b>${o}</b>`,
      xref: "paper",
      yref: "paper",
      x: (dom[i].x[0] + dom[i].x[1]) / 2,
      y: 1.02,
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
    });
    for (const [name, v] of Object.entries(refs)) {
      const ref = referenceLine(name, v, k);
      shapes.push(ref.shape);
      annotations.push(ref.annotation);
    }
  });
  return { data, layout };
}

/** The last checkpoint of each (tier, objective, seed) run, as table rows with the given metrics. */
export function finalCheckpointRows(
  records: readonly CheckpointRecord[],
  metrics: readonly string[] = ["ndcg@10", "map", "mrr@10", "recall@10", "p@10", "ce@64"],
): Array<Record<string, string | number>> {
  for (const m of metrics) requireMetric(records, m);
  const last = new Map<string, CheckpointRecord>();
  for (const r of records) {
    const k = `${r.tier}|${r.objective}|${r.seed}`;
    const prev = last.get(k);
    if (!prev || r.step > prev.step) last.set(k, r);
  }
  return [...last.values()]
    .sort((a, b) => compareTiers(a, b) || OBJ_ORDER.indexOf(a.objective) - OBJ_ORDER.indexOf(b.objective))
    .map((r) => {
      const row: Record<string, string | number> = {
        tier: r.tier,
        params: r.params,
        objective: r.objective,
        step: r.step,
        examples: r.examples,
      };
      for (const m of metrics) row[m] = r.metrics[m];
      row["train s"] = r.wallSeconds;
      return row;
    });
}

/** How one objective's metric orders the tiers (see {@link tierOrderByObjective}). */
export interface TierOrderRow {
  objective: Objective;
  /** Tiers smallest first ({@link tiersBySizeOrder}). */
  tiers: string[];
  /** The metric at each tier's last checkpoint, in `tiers` order. */
  final: number[];
  /** True when `final` strictly increases from the smallest tier to the largest. */
  risesWithTier: boolean;
  /** Steps that every tier of the objective has a record for. */
  sharedSteps: number;
  /** Of those steps, how many have the metric strictly increasing with tier. */
  risingSteps: number;
}

/**
 * Does a metric rise with model size, per objective (seed 1 of each run)? For every objective:
 * the tiers in size order, the metric at each one's last checkpoint, whether that sequence is
 * strictly increasing, and at how many of the checkpoint steps shared by all tiers the metric is
 * strictly increasing with tier (y(t₀, s) < y(t₁, s) < …). This is the "NDCG@10 rises with tier" check,
 * read from the records so a notebook prints it from the run it made.
 */
export function tierOrderByObjective(
  records: readonly CheckpointRecord[],
  metric = "ndcg@10",
): TierOrderRow[] {
  requireMetric(records, metric);
  const out: TierOrderRow[] = [];
  for (const objective of OBJ_ORDER) {
    const recs = records.filter((r) => r.objective === objective && r.seed === 1);
    if (recs.length === 0) continue;
    const tiers = tiersBySizeOrder(recs);
    const byTier = tiers.map(
      (t) => new Map(recs.filter((r) => r.tier === t).map((r) => [r.step, r.metrics[metric]])),
    );
    const final = byTier.map((m) => m.get(Math.max(...m.keys()))!);
    const increasing = (ys: number[]) => ys.every((y, i) => i === 0 || y > ys[i - 1]);
    const steps = [...byTier[0].keys()].filter((s) => byTier.every((m) => m.has(s)));
    const risingSteps = steps.filter((s) => increasing(byTier.map((m) => m.get(s)!))).length;
    out.push({
      objective,
      tiers,
      final,
      risesWithTier: tiers.length > 1 && increasing(final),
      sharedSteps: steps.length,
      risingSteps,
    });
  }
  return out;
}

const OBJ_COLORS: Record<Objective, string> = {
  pointwise: "#2ca02c",
  pairwise: "#ff7f0e",
  listwise: "#1f77b4",
};

/**
 * The headline figure of a grid: left, a metric at each run's last checkpoint against the
 * non-embedding parameters N (log x), one line per objective (the model axis of the scaling laws);
 * right, the metric against training examples seen (log x) for each objective's largest tier
 * (the data axis). `refs` are drawn as dashed horizontal lines on both panels (e.g. BM25 and the
 * oracle on the same queries). Seed 1 of each run.
 */
export function headlineFigure(
  records: readonly CheckpointRecord[],
  metric = "ndcg@10",
  refs: Record<string, number> = {},
): FigureJson {
  requireMetric(records, metric);
  const recs = records.filter((r) => r.seed === 1);
  const objs = OBJ_ORDER.filter((o) => recs.some((r) => r.objective === o));
  const data: FigureJson["data"] = [];
  for (const o of objs) {
    const tiers = tiersBySizeOrder(recs.filter((r) => r.objective === o));
    const finals = tiers.map((t) =>
      recs.filter((r) => r.objective === o && r.tier === t).reduce((a, b) => (b.step > a.step ? b : a)),
    );
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: o,
      legendgroup: o,
      x: finals.map((r) => r.params),
      y: finals.map((r) => r.metrics[metric]),
      text: tiers,
      line: { color: OBJ_COLORS[o] },
      xaxis: "x",
      yaxis: "y",
    });
    const big = tiers[tiers.length - 1];
    const curve = recs
      .filter((r) => r.objective === o && r.tier === big)
      .sort((a, b) => a.examples - b.examples);
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${o} (${big})`,
      legendgroup: o,
      showlegend: false,
      x: curve.map((r) => r.examples),
      y: curve.map((r) => r.metrics[metric]),
      line: { color: OBJ_COLORS[o] },
      xaxis: "x2",
      yaxis: "y2",
    });
  }
  const shapes: unknown[] = [],
    annotations: unknown[] = [];
  for (const [name, v] of Object.entries(refs)) {
    for (const k of ["", "2"]) {
      const ref = referenceLine(name, v, k);
      shapes.push(ref.shape);
      annotations.push(ref.annotation);
    }
  }
  const layout: FigureJson["layout"] = {
    title: {
      text: `${metric}: against model size (last checkpoint) and against training exposure (largest tier)`,
    },
    height: 420,
    legend: { title: { text: "objective" } },
    shapes,
    annotations,
    xaxis: { domain: [0, 0.46], type: "log", title: { text: "non-embedding parameters N" } },
    yaxis: { title: { text: metric } },
    xaxis2: { domain: [0.54, 1], type: "log", anchor: "y2", title: { text: "training examples seen" } },
    yaxis2: { anchor: "x2" },
  };
  return { data, layout };
}

/** One paired comparison of a forecast tier with the largest fitted tier (see {@link sizeEffectTests}). */
export interface SizeEffectTest {
  objective: Objective;
  fitted: string;
  forecast: string;
  queries: number;
  /** Mean NDCG@10 of the forecast tier minus the fitted tier's, over the same queries. */
  meanDiff: number;
  t: number;
  pValue: number;
  /** meanDiff > 0 and p < `alpha`. */
  significant: boolean;
}

/**
 * Is the size effect real? For each objective and each forecast tier, a paired t-test
 * (eval/significance `pairedTTest`) of the final model's per-query NDCG@10 against the largest
 * fitted tier's, on every evaluation query of the final evaluation (TrainConfig.finalEval; runs
 * without one are skipped). Seed 1.
 */
export function sizeEffectTests(
  root: string,
  profile: string,
  fitted: string,
  forecast: readonly string[],
  objectives: readonly Objective[] = OBJ_ORDER,
  alpha = 0.05,
): SizeEffectTest[] {
  const out: SizeEffectTest[] = [];
  for (const objective of objectives) {
    const base = readFinalEvaluation(root, { profile, tier: fitted, objective, seed: 1 });
    if (!base) continue;
    for (const tier of forecast) {
      const other = readFinalEvaluation(root, { profile, tier, objective, seed: 1 });
      if (!other) continue;
      const qids = Object.keys(base.perQueryNdcg10).filter((q) => q in other.perQueryNdcg10);
      const r = pairedTTest(
        qids.map((q) => other.perQueryNdcg10[q]),
        qids.map((q) => base.perQueryNdcg10[q]),
      );
      out.push({
        objective,
        fitted,
        forecast: tier,
        queries: r.n,
        meanDiff: r.meanDiff,
        t: r.statistic,
        pValue: r.pValue,
        significant: r.meanDiff > 0 && r.pValue < alpha,
      });
    }
  }
  return out;
}

/** One line of {@link gridDesignChecks}. */
export interface DesignCheck {
  check: string;
  value: string;
  required: string;
  ok: boolean;
}

/**
 * Is a grid shaped like the paper's (arXiv 2603.04816: six sizes over 1.77 decades, the four
 * smallest fitted and two forecast, checkpoints every 100 of ~5,000 steps)? Checks on the records
 * (seed 1): tiers ≥ 6 over ≥ 1.7 decades of N; ≥ 30 checkpoints in every run; the model law's
 * last 10 checkpoints within the final 25 % of training and the data law's last 5 within the final
 * 15 % (`protocolWindows`); every run's `metric` varies by sd ≤ 0.01 over its last 10; and, from
 * `sizeTests`, every forecast tier significantly above the largest fitted tier for every objective.
 */
export function gridDesignChecks(
  records: readonly CheckpointRecord[],
  sizeTests: readonly SizeEffectTest[],
  metric = "ndcg@10",
): DesignCheck[] {
  requireMetric(records, metric);
  const recs = records.filter((r) => r.seed === 1);
  const tiers = tiersBySizeOrder(recs);
  const params = tiers.map((t) => recs.find((r) => r.tier === t)!.params);
  const decades = Math.log10(params[params.length - 1] / params[0]);
  const runs = new Map<string, CheckpointRecord[]>();
  for (const r of recs) {
    const k = `${r.tier} ${r.objective}`;
    runs.set(k, [...(runs.get(k) ?? []), r]);
  }
  let fewest = Infinity,
    worstModel = 0,
    worstData = 0,
    worstSd = 0,
    worstRun = "";
  for (const [k, rs] of runs) {
    rs.sort((a, b) => a.step - b.step);
    fewest = Math.min(fewest, rs.length);
    const w = protocolWindows(rs.map((r) => r.step));
    worstModel = Math.max(worstModel, w.model.finalShare);
    worstData = Math.max(worstData, w.data.finalShare);
    const last = rs.slice(-10).map((r) => r.metrics[metric]);
    const mean = last.reduce((a, b) => a + b, 0) / last.length;
    const sd = Math.sqrt(last.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, last.length - 1));
    if (sd > worstSd) {
      worstSd = sd;
      worstRun = k;
    }
  }
  const sig = sizeTests.filter((t) => t.significant).length;
  const pct = (v: number) => `${(100 * v).toFixed(0)} %`;
  return [
    {
      check: "size tiers",
      value: `${tiers.length} (${tiers.join(", ")})`,
      required: "≥ 6",
      ok: tiers.length >= 6,
    },
    {
      check: "decades of non-embedding parameters",
      value: decades.toFixed(2),
      required: "≥ 1.7",
      ok: decades >= 1.7,
    },
    { check: "checkpoints per run (fewest)", value: String(fewest), required: "≥ 30", ok: fewest >= 30 },
    {
      check: "model law's last 10 checkpoints",
      value: `final ${pct(worstModel)} of training`,
      required: "≤ final 25 %",
      ok: worstModel <= 0.25,
    },
    {
      check: "data law's held-out last 5",
      value: `final ${pct(worstData)} of training`,
      required: "≤ final 15 %",
      ok: worstData <= 0.15,
    },
    {
      check: `${metric} sd over the last 10 checkpoints (largest)`,
      value: `${worstSd.toFixed(4)} (${worstRun})`,
      required: "≤ 0.01",
      ok: worstSd <= 0.01,
    },
    {
      check: "forecast tiers significantly above the largest fitted tier",
      value: `${sig} of ${sizeTests.length} (paired t-test, p < 0.05)`,
      required: "all, for every objective",
      ok: sizeTests.length > 0 && sig === sizeTests.length,
    },
  ];
}
