/**
 * Plotly figure builders for the scaling-law notebooks (04 fit, 05 forecast, 06 allocation),
 * laid out like the reranker authors' analysis plots (papers.md §A8): training checkpoints as
 * dots, held-out actual values as stars, forecasts as crosses, fitted curves dashed; objectives
 * coloured listwise blue, pairwise orange, pointwise green. Figures are plain {data, layout}
 * objects for `showFigure`.
 */
import type { PlotlyFigure } from "./display";
import type { Objective } from "../records/types";
import type { LawFit } from "../laws/fit";
import type { ForecastPoint, MetricRun } from "../laws/protocols";
import type { AllocationBands, EqualComputePair } from "../laws/allocation";
import { deltaMethodIntervals } from "../laws/stats";

/** The paper's objective colours (matplotlib tab10 blue, orange, green). */
export const OBJECTIVE_COLORS: Readonly<Record<Objective, string>> = { listwise: "#1f77b4", pairwise: "#ff7f0e", pointwise: "#2ca02c" };

/** A palette for series that are not objectives (tiers, compute levels). */
export const SERIES_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** `n` points evenly spaced in log between lo and hi. */
export function logSpace(lo: number, hi: number, n: number): number[] {
  const a = Math.log(lo), b = Math.log(hi);
  return Array.from({ length: n }, (_, i) => Math.exp(a + ((b - a) * i) / Math.max(n - 1, 1)));
}

/** One series of a 2D law figure. */
export interface LawSeries {
  name: string;
  color?: string;
  /** Points the law was fitted on. */
  train?: { x: readonly number[]; y: readonly number[] };
  /** Held-out actual values (stars). */
  held?: { x: readonly number[]; y: readonly number[]; sd?: readonly number[] };
  /** Forecasts at held-out inputs (crosses). */
  forecast?: { x: readonly number[]; y: readonly number[]; lo?: readonly number[]; hi?: readonly number[] };
  /** The fitted curve (dashed). */
  curve?: { x: readonly number[]; y: readonly number[] };
  /** A band around the curve (e.g. a delta-method 95% interval). */
  band?: { x: readonly number[]; lo: readonly number[]; hi: readonly number[] };
}

/**
 * A 2D law figure: for each series, training dots, held-out stars, forecast crosses with error
 * bars, the dashed fitted curve and an optional shaded band; optional vertical divider.
 */
export function lawFigure(series: readonly LawSeries[], opts: { title: string; xTitle: string; yTitle: string; logX?: boolean; divider?: number; height?: number }): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
    const group = s.name;
    if (s.band) {
      data.push({ type: "scatter", mode: "lines", x: [...s.band.x, ...s.band.x.slice().reverse()], y: [...s.band.hi, ...s.band.lo.slice().reverse()], fill: "toself", fillcolor: hexAlpha(color, 0.15), line: { width: 0 }, hoverinfo: "skip", showlegend: false, legendgroup: group, name: `${s.name} 95% band` });
    }
    if (s.train) data.push({ type: "scatter", mode: "markers", x: s.train.x, y: s.train.y, name: `${s.name} (fitted points)`, legendgroup: group, marker: { color, size: 5, opacity: 0.6 } });
    if (s.curve) data.push({ type: "scatter", mode: "lines", x: s.curve.x, y: s.curve.y, name: `${s.name} law`, legendgroup: group, line: { color, dash: "dash" } });
    if (s.held) data.push({ type: "scatter", mode: "markers", x: s.held.x, y: s.held.y, name: `${s.name} actual (held out)`, legendgroup: group, marker: { color, symbol: "star", size: 11 }, ...(s.held.sd ? { error_y: { type: "data", array: s.held.sd, visible: true, color } } : {}) });
    if (s.forecast) {
      const f = s.forecast;
      data.push({
        type: "scatter", mode: "markers", x: f.x, y: f.y, name: `${s.name} forecast`, legendgroup: group, marker: { color, symbol: "x", size: 10 },
        ...(f.lo && f.hi ? { error_y: { type: "data", symmetric: false, array: f.hi.map((h, j) => h - f.y[j]), arrayminus: f.y.map((v, j) => v - f.lo![j]), visible: true, color } } : {}),
      });
    }
  });
  const shapes = opts.divider !== undefined ? [{ type: "line", xref: "x", yref: "paper", x0: opts.divider, x1: opts.divider, y0: 0, y1: 1, line: { color: "#888", dash: "dot" } }] : [];
  return {
    data,
    layout: {
      title: { text: opts.title }, height: opts.height ?? 460,
      xaxis: { title: { text: opts.xTitle }, type: opts.logX ? "log" : "linear" }, yaxis: { title: { text: opts.yTitle } },
      shapes, legend: { font: { size: 10 } }, margin: { t: 50, r: 10 },
    },
  };
}

function hexAlpha(hex: string, a: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${a})` : hex;
}

/**
 * The joint law as a 3D surface over log10 N × log10 step (papers.md §A8 item 3): the fitted
 * surface, training checkpoints, and held-out checkpoints (actual) with their predictions.
 */
export function jointSurfaceFigure(fit: LawFit, train: readonly MetricRun[], test: readonly MetricRun[], opts: { title: string; metric: string; gridSize?: number }): PlotlyFigure {
  const all = [...train, ...test];
  const Ns = all.map((r) => r.params), Ds = all.flatMap((r) => r.steps);
  const g = opts.gridSize ?? 30;
  const nAxis = logSpace(Math.min(...Ns), Math.max(...Ns), g), dAxis = logSpace(Math.min(...Ds), Math.max(...Ds), g);
  const z = dAxis.map((D) => nAxis.map((N) => fit.form.f(fit.params, [N, D])));
  const pts = (runs: readonly MetricRun[]) => ({
    x: runs.flatMap((r) => r.steps.map(() => Math.log10(r.params))), y: runs.flatMap((r) => r.steps.map((s) => Math.log10(s))), z: runs.flatMap((r) => r.values),
  });
  const tr = pts(train), te = pts(test);
  const tePred = test.flatMap((r) => r.steps.map((s) => fit.form.f(fit.params, [r.params, s])));
  return {
    data: [
      { type: "surface", x: nAxis.map(Math.log10), y: dAxis.map(Math.log10), z, opacity: 0.7, showscale: false, colorscale: "Viridis", name: "fitted law" },
      { type: "scatter3d", mode: "markers", ...tr, name: "training checkpoints", marker: { size: 2.5, color: "#333" } },
      { type: "scatter3d", mode: "markers", ...te, name: "held-out actual", marker: { size: 3, color: "#d62728" } },
      { type: "scatter3d", mode: "markers", x: te.x, y: te.y, z: tePred, name: "held-out predicted", marker: { size: 3, color: "#1f77b4", symbol: "x" } },
    ],
    layout: {
      title: { text: opts.title }, height: 520, margin: { t: 50, l: 0, r: 0, b: 0 },
      scene: { xaxis: { title: { text: "log10 N" } }, yaxis: { title: { text: "log10 step" } }, zaxis: { title: { text: opts.metric } } },
    },
  };
}

/**
 * Joint-law slices (papers.md §A8 item 4): left, the metric against step (log x) with the law's
 * curve per size (held-out sizes dashed-dot); right, the metric against N at the last step with the
 * delta-method 95% band.
 */
export function jointSlicesFigure(fit: LawFit, runs: readonly MetricRun[], heldTiers: readonly string[], opts: { title: string; metric: string }): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  const Ds = runs.flatMap((r) => r.steps);
  const dGrid = logSpace(Math.min(...Ds), Math.max(...Ds), 60);
  runs.forEach((r, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const held = heldTiers.includes(r.tier);
    data.push({ type: "scatter", mode: "markers", x: r.steps, y: r.values, name: `${r.tier}${held ? " (held out)" : ""}`, legendgroup: r.tier, marker: { color, size: 4, symbol: held ? "star" : "circle" }, xaxis: "x", yaxis: "y" });
    data.push({ type: "scatter", mode: "lines", x: dGrid, y: dGrid.map((D) => fit.form.f(fit.params, [r.params, D])), showlegend: false, legendgroup: r.tier, line: { color, dash: held ? "dashdot" : "dash" }, xaxis: "x", yaxis: "y" });
  });
  const last = Math.max(...Ds);
  const Ns = runs.map((r) => r.params);
  const nGrid = logSpace(Math.min(...Ns) / 1.5, Math.max(...Ns) * 1.5, 60);
  const iv = deltaMethodIntervals(fit, nGrid.map((N) => [N, last]));
  data.push({ type: "scatter", mode: "lines", x: [...nGrid, ...nGrid.slice().reverse()], y: [...iv.map((v) => v.hi), ...iv.map((v) => v.lo).reverse()], fill: "toself", fillcolor: "rgba(100,100,100,0.2)", line: { width: 0 }, name: "95% delta-method band", xaxis: "x2", yaxis: "y2" });
  data.push({ type: "scatter", mode: "lines", x: nGrid, y: iv.map((v) => v.value), name: `law at step ${last}`, line: { color: "#333", dash: "dash" }, xaxis: "x2", yaxis: "y2" });
  data.push({
    type: "scatter", mode: "markers", x: runs.map((r) => r.params), y: runs.map((r) => r.values[r.values.length - 1]), name: "last checkpoint",
    marker: { color: runs.map((r) => (heldTiers.includes(r.tier) ? "#d62728" : "#333")), size: 8, symbol: runs.map((r) => (heldTiers.includes(r.tier) ? "star" : "circle")) }, xaxis: "x2", yaxis: "y2",
  });
  return {
    data,
    layout: {
      title: { text: opts.title }, height: 430, grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: { title: { text: "step" }, type: "log", domain: [0, 0.47] }, yaxis: { title: { text: opts.metric } },
      xaxis2: { title: { text: "parameters N" }, type: "log", domain: [0.55, 1] }, yaxis2: { title: { text: opts.metric }, anchor: "x2" },
      legend: { font: { size: 9 } }, margin: { t: 50, r: 10 },
    },
  };
}

/** Forecast against actual for labelled points: y = x diagonal, crosses with interval bars, coloured by group. */
export function forecastVsActualFigure(groups: readonly { name: string; color?: string; points: readonly ForecastPoint[] }[], opts: { title: string; metric: string; useBootstrap?: boolean }): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  const all = groups.flatMap((g) => g.points);
  const vals = all.flatMap((p) => [p.actual, p.forecast]);
  const lo = Math.min(...vals), hi = Math.max(...vals), pad = (hi - lo) * 0.05 || 0.01;
  data.push({ type: "scatter", mode: "lines", x: [lo - pad, hi + pad], y: [lo - pad, hi + pad], name: "forecast = actual", line: { color: "#999", dash: "dot" } });
  groups.forEach((g, i) => {
    const color = g.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
    const iv = g.points.map((p) => (opts.useBootstrap && p.bootstrap ? p.bootstrap : p.delta));
    data.push({
      type: "scatter", mode: "markers", x: g.points.map((p) => p.actual), y: g.points.map((p) => p.forecast), name: g.name,
      text: g.points.map((p) => `${p.tier} @ ${p.step}`), marker: { color, size: 8, symbol: "x" },
      error_y: { type: "data", symmetric: false, array: iv.map((v, j) => v.hi - g.points[j].forecast), arrayminus: iv.map((v, j) => g.points[j].forecast - v.lo), visible: true, color },
    });
  });
  return {
    data,
    layout: { title: { text: opts.title }, height: 440, xaxis: { title: { text: `actual ${opts.metric}` } }, yaxis: { title: { text: `forecast ${opts.metric}` } }, margin: { t: 50, r: 10 } },
  };
}

/** Iso-FLOP curves: the law's prediction against N at several compute budgets, with each optimum marked. */
export function isoFlopFigure(curves: readonly { C: number; points: readonly { N: number; y: number }[]; optimum?: { N: number; y: number } }[], opts: { title: string; metric: string }): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  curves.forEach((c, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const label = `C = ${c.C.toExponential(1)}`;
    data.push({ type: "scatter", mode: "lines", x: c.points.map((p) => p.N), y: c.points.map((p) => p.y), name: label, legendgroup: label, line: { color } });
    if (c.optimum) data.push({ type: "scatter", mode: "markers", x: [c.optimum.N], y: [c.optimum.y], name: `${label} optimum`, legendgroup: label, showlegend: false, marker: { color, size: 10, symbol: "diamond" } });
  });
  return { data, layout: { title: { text: opts.title }, height: 440, xaxis: { title: { text: "parameters N (D = C / kN)" }, type: "log" }, yaxis: { title: { text: opts.metric } }, margin: { t: 50, r: 10 } } };
}

/** Compute-optimal N*(C) and D*(C) per objective with bootstrap bands, log–log, two panels. */
export function allocationFigure(series: readonly { name: string; color?: string; bands: AllocationBands }[], opts: { title: string; dUnit?: string }): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
    const b = s.bands;
    for (const [key, axis] of [["N", "1"], ["D", "2"]] as const) {
      const v = b[key];
      const xa = axis === "1" ? "x" : "x2", ya = axis === "1" ? "y" : "y2";
      data.push({ type: "scatter", mode: "lines", x: [...b.C, ...b.C.slice().reverse()], y: [...v.hi, ...v.lo.slice().reverse()], fill: "toself", fillcolor: hexAlpha(color, 0.15), line: { width: 0 }, showlegend: false, legendgroup: s.name, hoverinfo: "skip", xaxis: xa, yaxis: ya });
      data.push({ type: "scatter", mode: "lines", x: b.C, y: v.mid, name: key === "N" ? `${s.name}: N* ∝ C^${b.exponentN.mid.toFixed(2)}` : `${s.name}: D* ∝ C^${b.exponentD.mid.toFixed(2)}`, legendgroup: s.name, line: { color, dash: key === "N" ? "solid" : "dash" }, xaxis: xa, yaxis: ya });
    }
  });
  return {
    data,
    layout: {
      title: { text: opts.title }, height: 430, grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: { title: { text: "compute C (FLOPs)" }, type: "log", domain: [0, 0.47] }, yaxis: { title: { text: "optimal parameters N*" }, type: "log" },
      xaxis2: { title: { text: "compute C (FLOPs)" }, type: "log", domain: [0.55, 1] }, yaxis2: { title: { text: `optimal ${opts.dUnit ?? "steps"} D*` }, type: "log", anchor: "x2" },
      legend: { font: { size: 9 } }, margin: { t: 50, r: 10 },
    },
  };
}

/** Equal-compute pairs: the smaller (longer-trained) model's value against the larger one's, per objective. */
export function equalComputeFigure(pairs: readonly EqualComputePair[], opts: { title: string; metric: string }): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  const vals = pairs.flatMap((p) => [p.small.value, p.large.value]);
  const lo = Math.min(...vals), hi = Math.max(...vals), pad = (hi - lo) * 0.05 || 0.01;
  data.push({ type: "scatter", mode: "lines", x: [lo - pad, hi + pad], y: [lo - pad, hi + pad], name: "equal", line: { color: "#999", dash: "dot" } });
  for (const o of ["listwise", "pairwise", "pointwise"] as const) {
    const ps = pairs.filter((p) => p.objective === o);
    if (!ps.length) continue;
    data.push({
      type: "scatter", mode: "markers", x: ps.map((p) => p.large.value), y: ps.map((p) => p.small.value), name: o, marker: { color: OBJECTIVE_COLORS[o], size: 9 },
      text: ps.map((p) => `${p.small.tier}@${p.small.step} vs ${p.large.tier}@${Math.round(p.large.step)}`),
    });
  }
  return {
    data,
    layout: { title: { text: opts.title }, height: 440, xaxis: { title: { text: `larger model, less data (${opts.metric})` } }, yaxis: { title: { text: `smaller model, more data (${opts.metric})` } }, margin: { t: 50, r: 10 } },
  };
}
