/**
 * Plotly figure builders for the scaling-law notebooks (04 fit, 05 forecast, 06 allocation),
 * laid out like the reranker authors' analysis plots (rahulseetharaman/cross-encoder-scaling): training checkpoints as
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
export const OBJECTIVE_COLORS: Readonly<Record<Objective, string>> = {
  listwise: "#1f77b4",
  pairwise: "#ff7f0e",
  pointwise: "#2ca02c",
};

/** A palette for series that are not objectives (tiers, compute levels). */
export const SERIES_COLORS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** `n` points evenly spaced in log between lo and hi. */
export function logSpace(lo: number, hi: number, n: number): number[] {
  const a = Math.log(lo),
    b = Math.log(hi);
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
 * The traces of one set of law series on one pair of axes (`xa`/`ya`: "x"/"y", "x2"/"y2", …):
 * shaded band, training dots, dashed fitted curve, held-out stars (with sd bars) and forecast
 * crosses (with interval bars). With `showLegend` false the traces join their series' legend
 * group without adding entries (for the second and later panels of a grid).
 */
function lawTraces(
  series: readonly LawSeries[],
  xa: string,
  ya: string,
  showLegend: boolean,
): Record<string, unknown>[] {
  const data: Record<string, unknown>[] = [];
  const leg = showLegend ? {} : { showlegend: false };
  series.forEach((s, i) => {
    const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
    const group = s.name;
    const ax = { xaxis: xa, yaxis: ya, legendgroup: group };
    if (s.band) {
      data.push({
        type: "scatter",
        mode: "lines",
        x: [...s.band.x, ...s.band.x.slice().reverse()],
        y: [...s.band.hi, ...s.band.lo.slice().reverse()],
        fill: "toself",
        fillcolor: hexAlpha(color, 0.15),
        line: { width: 0 },
        hoverinfo: "skip",
        showlegend: false,
        name: `${s.name} 95% band`,
        ...ax,
      });
    }
    if (s.train)
      data.push({
        type: "scatter",
        mode: "markers",
        x: s.train.x,
        y: s.train.y,
        name: `${s.name} (fitted points)`,
        marker: { color, size: 5, opacity: 0.6 },
        ...ax,
        ...leg,
      });
    if (s.curve)
      data.push({
        type: "scatter",
        mode: "lines",
        x: s.curve.x,
        y: s.curve.y,
        name: `${s.name} law`,
        line: { color, dash: "dash" },
        ...ax,
        ...leg,
      });
    if (s.held)
      data.push({
        type: "scatter",
        mode: "markers",
        x: s.held.x,
        y: s.held.y,
        name: `${s.name} actual (held out)`,
        marker: { color, symbol: "star", size: 11, line: { color: "#333", width: 0.5 } },
        ...(s.held.sd ? { error_y: { type: "data", array: s.held.sd, visible: true, color } } : {}),
        ...ax,
        ...leg,
      });
    if (s.forecast) {
      const f = s.forecast;
      data.push({
        type: "scatter",
        mode: "markers",
        x: f.x,
        y: f.y,
        name: `${s.name} forecast`,
        marker: { color, symbol: "x", size: 10 },
        ...(f.lo && f.hi
          ? {
              error_y: {
                type: "data",
                symmetric: false,
                array: f.hi.map((h, j) => h - f.y[j]),
                arrayminus: f.y.map((v, j) => v - f.lo![j]),
                visible: true,
                color,
              },
            }
          : {}),
        ...ax,
        ...leg,
      });
    }
  });
  return data;
}

/**
 * A 2D law figure: for each series, training dots, held-out stars, forecast crosses with error
 * bars, the dashed fitted curve and an optional shaded band; optional vertical divider.
 */
export function lawFigure(
  series: readonly LawSeries[],
  opts: { title: string; xTitle: string; yTitle: string; logX?: boolean; divider?: number; height?: number },
): PlotlyFigure {
  const data = lawTraces(series, "x", "y", true);
  const shapes =
    opts.divider !== undefined
      ? [
          {
            type: "line",
            xref: "x",
            yref: "paper",
            x0: opts.divider,
            x1: opts.divider,
            y0: 0,
            y1: 1,
            line: { color: "#888", dash: "dot" },
          },
        ]
      : [];
  return {
    data,
    layout: {
      title: { text: opts.title },
      height: opts.height ?? 460,
      xaxis: { title: { text: opts.xTitle }, type: opts.logX ? "log" : "linear" },
      yaxis: { title: { text: opts.yTitle } },
      shapes,
      legend: { font: { size: 10 } },
      margin: { t: 50, r: 10 },
    },
  };
}

/**
 * Display label of a metric key for titles and axes: "ndcg@10" → "NDCG@10", "recall@10" →
 * "Recall@10", "map" → "MAP", "mrr@10" → "MRR@10", "p@10" → "P@10", "ce@64" → "CE@64 (nats)"
 * (contrastive entropy is a cross-entropy in natural-log units, arXiv 2603.04816); other keys as given.
 */
export function metricLabel(metric: string): string {
  const m = /^([a-z]+)(@(\d+))?$/i.exec(metric);
  if (!m) return metric;
  const names: Record<string, string> = {
    ndcg: "NDCG",
    map: "MAP",
    mrr: "MRR",
    recall: "Recall",
    p: "P",
    ce: "CE",
  };
  const base = names[m[1].toLowerCase()];
  if (!base) return metric;
  const at = m[3] ? `@${m[3]}` : "";
  return base === "CE" ? `CE${at} (nats)` : `${base}${at}`;
}

/**
 * The metrics of the paper's 2×3 figure grid (the data- and model-scaling plots of rahulseetharaman/cross-encoder-scaling) that `available` holds,
 * in the paper's panel order: NDCG@10, Recall@10, MAP, MRR (MRR@10 preferred), CE (CE@64 as in the
 * paper's tables, else the smallest K), P@10.
 */
export function paperGridMetrics(available: readonly string[]): string[] {
  const pick = (cands: string[]) => cands.find((c) => available.includes(c));
  const ces = available
    .filter((k) => /^ce@\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  const ce = ces.includes("ce@64") ? "ce@64" : ces[0];
  return [
    pick(["ndcg@10"]),
    pick(["recall@10"]),
    pick(["map"]),
    pick(["mrr@10", "mrr"]),
    ce,
    pick(["p@10"]),
  ].filter((m): m is string => !!m);
}

/** One panel of {@link metricGridFigure}: a metric, its law series and an optional divider. */
export interface GridPanel {
  metric: string;
  series: readonly LawSeries[];
  /** x of a vertical train|test divider. */
  divider?: number;
}

/** Domains of a `rows × cols` grid in paper coordinates (row 0 at the top). */
function gridDomains(
  n: number,
  cols: number,
  gaps: { x: number; y: number },
): { x: [number, number]; y: [number, number] }[] {
  const rows = Math.ceil(n / cols);
  const w = (1 - gaps.x * (cols - 1)) / cols,
    h = (1 - gaps.y * (rows - 1)) / rows;
  return Array.from({ length: n }, (_, i) => {
    const r = Math.floor(i / cols),
      c = i % cols;
    const x0 = c * (w + gaps.x),
      y1 = 1 - r * (h + gaps.y);
    return { x: [x0, x0 + w] as [number, number], y: [y1 - h, y1] as [number, number] };
  });
}

/**
 * A grid of law panels, one per metric (rahulseetharaman/cross-encoder-scaling, data- and model-scaling plots: the 2×3 grid of NDCG@10,
 * Recall@10, MAP, MRR, CE and P@10), each with the series of {@link lawFigure} (fitted points,
 * dashed law, held-out stars, forecast crosses) and a dotted train|test divider. The legend is
 * shared: entries come from the first panel, and clicking one hides that series in every panel.
 */
export function metricGridFigure(
  panels: readonly GridPanel[],
  opts: { title: string; xTitle: string; logX?: boolean; columns?: number; height?: number },
): PlotlyFigure {
  const cols = Math.min(opts.columns ?? 3, Math.max(panels.length, 1));
  const rows = Math.ceil(panels.length / cols);
  const dom = gridDomains(panels.length, cols, { x: 0.06, y: rows > 1 ? 0.16 : 0 });
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: opts.title },
    height: opts.height ?? 330 * rows + 90,
    legend: { font: { size: 10 } },
    margin: { t: 80, r: 10, l: 60, b: 60 },
  };
  const shapes: Record<string, unknown>[] = [],
    annotations: Record<string, unknown>[] = [];
  panels.forEach((p, i) => {
    const k = i === 0 ? "" : String(i + 1);
    data.push(...lawTraces(p.series, `x${k}`, `y${k}`, i === 0));
    layout[`xaxis${k}`] = {
      domain: dom[i].x,
      anchor: `y${k}`,
      type: opts.logX ? "log" : "linear",
      title: { text: opts.xTitle, font: { size: 11 } },
    };
    layout[`yaxis${k}`] = {
      domain: dom[i].y,
      anchor: `x${k}`,
      title: { text: metricLabel(p.metric), font: { size: 11 } },
    };
    annotations.push({
      text: `<b>${metricLabel(p.metric)}</b>`,
      xref: "paper",
      yref: "paper",
      x: (dom[i].x[0] + dom[i].x[1]) / 2,
      y: dom[i].y[1],
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
      font: { size: 13 },
    });
    if (p.divider !== undefined)
      shapes.push({
        type: "line",
        xref: `x${k}`,
        yref: "paper",
        x0: p.divider,
        x1: p.divider,
        y0: dom[i].y[0],
        y1: dom[i].y[1],
        line: { color: "#888", dash: "dot" },
      });
  });
  layout.shapes = shapes;
  layout.annotations = annotations;
  return { data, layout };
}

function hexAlpha(hex: string, a: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? `rgba(${parseInt(m[1], 16)},${parseInt(m[2], 16)},${parseInt(m[3], 16)},${a})` : hex;
}

/**
 * The joint law as a 3D surface over log10 N × log10 step (rahulseetharaman/cross-encoder-scaling, joint-scaling surface plots): the fitted
 * surface, training checkpoints, and held-out checkpoints (actual) with their predictions.
 */
export function jointSurfaceFigure(
  fit: LawFit,
  train: readonly MetricRun[],
  test: readonly MetricRun[],
  opts: { title: string; metric: string; gridSize?: number },
): PlotlyFigure {
  const all = [...train, ...test];
  const Ns = all.map((r) => r.params),
    Ds = all.flatMap((r) => r.steps);
  const g = opts.gridSize ?? 30;
  const nAxis = logSpace(Math.min(...Ns), Math.max(...Ns), g),
    dAxis = logSpace(Math.min(...Ds), Math.max(...Ds), g);
  const z = dAxis.map((D) => nAxis.map((N) => fit.form.f(fit.params, [N, D])));
  const pts = (runs: readonly MetricRun[]) => ({
    x: runs.flatMap((r) => r.steps.map(() => Math.log10(r.params))),
    y: runs.flatMap((r) => r.steps.map((s) => Math.log10(s))),
    z: runs.flatMap((r) => r.values),
  });
  const tr = pts(train),
    te = pts(test);
  const tePred = test.flatMap((r) => r.steps.map((s) => fit.form.f(fit.params, [r.params, s])));
  return {
    data: [
      {
        type: "surface",
        x: nAxis.map(Math.log10),
        y: dAxis.map(Math.log10),
        z,
        opacity: 0.7,
        showscale: false,
        colorscale: "Viridis",
        name: "fitted law",
      },
      {
        type: "scatter3d",
        mode: "markers",
        ...tr,
        name: "training checkpoints",
        marker: { size: 2.5, color: "#333" },
      },
      {
        type: "scatter3d",
        mode: "markers",
        ...te,
        name: "held-out actual",
        marker: { size: 3, color: "#d62728" },
      },
      {
        type: "scatter3d",
        mode: "markers",
        x: te.x,
        y: te.y,
        z: tePred,
        name: "held-out predicted",
        marker: { size: 3, color: "#1f77b4", symbol: "x" },
      },
    ],
    layout: {
      title: { text: opts.title },
      height: 520,
      margin: { t: 50, l: 0, r: 0, b: 0 },
      scene: {
        xaxis: { title: { text: "log10 N" } },
        yaxis: { title: { text: "log10 step" } },
        zaxis: { title: { text: opts.metric } },
      },
    },
  };
}

/**
 * Joint-law slices (rahulseetharaman/cross-encoder-scaling, joint-scaling slice plots): left, the metric against step (log x) with the law's
 * curve per size (held-out sizes dashed-dot); right, the metric against N at the last step with the
 * delta-method 95% band.
 */
export function jointSlicesFigure(
  fit: LawFit,
  runs: readonly MetricRun[],
  heldTiers: readonly string[],
  opts: { title: string; metric: string },
): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  const Ds = runs.flatMap((r) => r.steps);
  const dGrid = logSpace(Math.min(...Ds), Math.max(...Ds), 60);
  runs.forEach((r, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const held = heldTiers.includes(r.tier);
    data.push({
      type: "scatter",
      mode: "markers",
      x: r.steps,
      y: r.values,
      name: `${r.tier}${held ? " (held out)" : ""}`,
      legendgroup: r.tier,
      marker: { color, size: 4, symbol: held ? "star" : "circle" },
      xaxis: "x",
      yaxis: "y",
    });
    data.push({
      type: "scatter",
      mode: "lines",
      x: dGrid,
      y: dGrid.map((D) => fit.form.f(fit.params, [r.params, D])),
      showlegend: false,
      legendgroup: r.tier,
      line: { color, dash: held ? "dashdot" : "dash" },
      xaxis: "x",
      yaxis: "y",
    });
  });
  const last = Math.max(...Ds);
  const Ns = runs.map((r) => r.params);
  const nGrid = logSpace(Math.min(...Ns) / 1.5, Math.max(...Ns) * 1.5, 60);
  const iv = deltaMethodIntervals(
    fit,
    nGrid.map((N) => [N, last]),
  );
  data.push({
    type: "scatter",
    mode: "lines",
    x: [...nGrid, ...nGrid.slice().reverse()],
    y: [...iv.map((v) => v.hi), ...iv.map((v) => v.lo).reverse()],
    fill: "toself",
    fillcolor: "rgba(100,100,100,0.2)",
    line: { width: 0 },
    name: "95% delta-method band",
    xaxis: "x2",
    yaxis: "y2",
  });
  data.push({
    type: "scatter",
    mode: "lines",
    x: nGrid,
    y: iv.map((v) => v.value),
    name: `law at step ${last}`,
    line: { color: "#333", dash: "dash" },
    xaxis: "x2",
    yaxis: "y2",
  });
  data.push({
    type: "scatter",
    mode: "markers",
    x: runs.map((r) => r.params),
    y: runs.map((r) => r.values[r.values.length - 1]),
    name: "last checkpoint",
    marker: {
      color: runs.map((r) => (heldTiers.includes(r.tier) ? "#d62728" : "#333")),
      size: 8,
      symbol: runs.map((r) => (heldTiers.includes(r.tier) ? "star" : "circle")),
    },
    xaxis: "x2",
    yaxis: "y2",
  });
  return {
    data,
    layout: {
      title: { text: opts.title },
      height: 430,
      grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: { title: { text: "step" }, type: "log", domain: [0, 0.47] },
      yaxis: { title: { text: opts.metric } },
      xaxis2: { title: { text: "parameters N" }, type: "log", domain: [0.55, 1] },
      yaxis2: { title: { text: opts.metric }, anchor: "x2" },
      legend: { font: { size: 9 } },
      margin: { t: 50, r: 10 },
    },
  };
}

/** One objective's joint fit for the multi-panel joint-law figures. */
export interface JointPanel {
  /** Panel label, e.g. the objective. */
  name: string;
  fit: LawFit;
  /** Runs the law was fitted on. */
  train: readonly MetricRun[];
  /** Held-out runs (actual against predicted); may be empty. */
  test: readonly MetricRun[];
  /** R² on the training and the held-out checkpoints, shown in the panel title when given. */
  r2Train?: number;
  r2Test?: number;
}

/** Colour per tier, smallest first, shared by every panel of a figure. */
function tierColors(panels: readonly JointPanel[]): Map<string, string> {
  const tiers = new Map<string, number>();
  for (const p of panels) for (const r of [...p.train, ...p.test]) tiers.set(r.tier, r.params);
  const sorted = [...tiers.entries()].sort((a, b) => a[1] - b[1]);
  return new Map(sorted.map(([t], i) => [t, SERIES_COLORS[i % SERIES_COLORS.length]]));
}

function panelTitle(p: JointPanel): string {
  const r2 = [
    p.r2Train !== undefined ? `R² train ${p.r2Train.toFixed(3)}` : "",
    p.r2Test !== undefined && Number.isFinite(p.r2Test) ? `test ${p.r2Test.toFixed(3)}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return `<b>${p.name}</b>${r2 ? ` (${r2})` : ""}`;
}

/**
 * The joint law as 3D surfaces over log10 N × log10 step, one panel per objective (rahulseetharaman/cross-encoder-scaling, joint-scaling plots
 * item 3): the fitted surface, training checkpoints coloured by size, held-out checkpoints
 * (diamonds, actual) with the law's predictions (black crosses), R² (train, test) in the panel title.
 */
export function jointSurfacesFigure(
  panels: readonly JointPanel[],
  opts: { title: string; metric: string; gridSize?: number },
): PlotlyFigure {
  const colors = tierColors(panels);
  const n = panels.length,
    g = opts.gridSize ?? 30;
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: opts.title },
    height: 600,
    margin: { t: 70, l: 10, r: 0, b: 10 },
    legend: { font: { size: 11 }, itemsizing: "constant" },
  };
  const annotations: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  panels.forEach((p, i) => {
    const scene = i === 0 ? "scene" : `scene${i + 1}`;
    const all = [...p.train, ...p.test];
    const Ns = all.map((r) => r.params),
      Ds = all.flatMap((r) => r.steps);
    const nAxis = logSpace(Math.min(...Ns), Math.max(...Ns), g),
      dAxis = logSpace(Math.min(...Ds), Math.max(...Ds), g);
    const z = dAxis.map((D) => nAxis.map((N) => p.fit.form.f(p.fit.params, [N, D])));
    data.push({
      type: "surface",
      scene,
      x: nAxis.map(Math.log10),
      y: dAxis.map(Math.log10),
      z,
      opacity: 0.6,
      showscale: false,
      colorscale: "Viridis",
      name: "fitted law",
      hoverinfo: "skip",
    });
    for (const r of all) {
      const held = p.test.includes(r);
      const key = `${r.tier}${held ? " (held out, actual)" : ""}`;
      data.push({
        type: "scatter3d",
        mode: "markers",
        scene,
        name: key,
        legendgroup: key,
        showlegend: !seen.has(key),
        x: r.steps.map(() => Math.log10(r.params)),
        y: r.steps.map((s) => Math.log10(s)),
        z: r.values,
        marker: { size: held ? 4 : 2.5, color: colors.get(r.tier), symbol: held ? "diamond" : "circle" },
      });
      seen.add(key);
    }
    if (p.test.length) {
      data.push({
        type: "scatter3d",
        mode: "markers",
        scene,
        name: "held out, predicted by the law",
        legendgroup: "pred",
        showlegend: i === 0,
        x: p.test.flatMap((r) => r.steps.map(() => Math.log10(r.params))),
        y: p.test.flatMap((r) => r.steps.map((s) => Math.log10(s))),
        z: p.test.flatMap((r) => r.steps.map((s) => p.fit.form.f(p.fit.params, [r.params, s]))),
        marker: { size: 3, color: "#000", symbol: "x" },
      });
    }
    const x0 = i / n,
      x1 = (i + 1) / n;
    layout[scene] = {
      domain: { x: [x0, x1], y: [0, 0.9] },
      camera: { eye: { x: -2.1, y: -1.9, z: 1.15 } },
      aspectmode: "cube",
      xaxis: { title: { text: "log10 N (params)" } },
      yaxis: { title: { text: "log10 step" } },
      zaxis: { title: { text: metricLabel(opts.metric) } },
    };
    annotations.push({
      text: panelTitle(p),
      xref: "paper",
      yref: "paper",
      x: (x0 + x1) / 2,
      y: 0.97,
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
      font: { size: 12 },
    });
  });
  layout.annotations = annotations;
  return { data, layout };
}

/**
 * Joint-law slices, one row per objective (rahulseetharaman/cross-encoder-scaling, joint-scaling slice plots). Left: the metric against step
 * (log x) with the law's curve per size (held-out sizes dash-dotted, stars). Right: the metric
 * against N at the last step with the law, its delta-method 95% band, and the last checkpoints.
 */
export function jointSlicesGridFigure(
  panels: readonly JointPanel[],
  opts: { title: string; metric: string },
): PlotlyFigure {
  const colors = tierColors(panels);
  const rows = panels.length;
  const gapY = rows > 1 ? 0.08 : 0;
  const h = (1 - gapY * (rows - 1)) / rows;
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: opts.title },
    height: 300 * rows + 110,
    margin: { t: 80, r: 10, l: 60, b: 50 },
    legend: { font: { size: 10 } },
  };
  const annotations: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const label = metricLabel(opts.metric);
  panels.forEach((p, i) => {
    const kl = String(2 * i + 1 === 1 ? "" : 2 * i + 1),
      kr = String(2 * i + 2);
    const y1 = 1 - i * (h + gapY),
      y0 = y1 - h;
    const runs = [...p.train, ...p.test].sort((a, b) => a.params - b.params);
    const Ds = runs.flatMap((r) => r.steps);
    const dGrid = logSpace(Math.min(...Ds), Math.max(...Ds), 60);
    for (const r of runs) {
      const held = p.test.includes(r);
      const key = `${r.tier}${held ? " (held out)" : ""}`;
      const color = colors.get(r.tier);
      data.push({
        type: "scatter",
        mode: "markers",
        x: r.steps,
        y: r.values,
        name: key,
        legendgroup: key,
        showlegend: !seen.has(key),
        marker: { color, size: held ? 7 : 4, symbol: held ? "star" : "circle" },
        xaxis: `x${kl}`,
        yaxis: `y${kl}`,
      });
      data.push({
        type: "scatter",
        mode: "lines",
        x: dGrid,
        y: dGrid.map((D) => p.fit.form.f(p.fit.params, [r.params, D])),
        showlegend: false,
        legendgroup: key,
        line: { color, dash: held ? "dashdot" : "dash", width: 1.5 },
        xaxis: `x${kl}`,
        yaxis: `y${kl}`,
        hoverinfo: "skip",
      });
      seen.add(key);
    }
    const last = Math.max(...Ds);
    const Ns = runs.map((r) => r.params);
    const nGrid = logSpace(Math.min(...Ns) / 1.5, Math.max(...Ns) * 1.5, 60);
    const iv = deltaMethodIntervals(
      p.fit,
      nGrid.map((N) => [N, last]),
    );
    data.push({
      type: "scatter",
      mode: "lines",
      x: [...nGrid, ...nGrid.slice().reverse()],
      y: [...iv.map((v) => v.hi), ...iv.map((v) => v.lo).reverse()],
      fill: "toself",
      fillcolor: "rgba(100,100,100,0.25)",
      line: { width: 0 },
      name: "law: 95% delta-method band",
      legendgroup: "band",
      showlegend: i === 0,
      hoverinfo: "skip",
      xaxis: `x${kr}`,
      yaxis: `y${kr}`,
    });
    data.push({
      type: "scatter",
      mode: "lines",
      x: nGrid,
      y: iv.map((v) => v.value),
      name: "law at the last step",
      legendgroup: "lawN",
      showlegend: i === 0,
      line: { color: "#333", dash: "dash" },
      xaxis: `x${kr}`,
      yaxis: `y${kr}`,
    });
    data.push({
      type: "scatter",
      mode: "markers",
      x: runs.map((r) => r.params),
      y: runs.map((r) => r.values[r.values.length - 1]),
      name: "last checkpoint (held out: star)",
      legendgroup: "lastck",
      showlegend: i === 0,
      text: runs.map((r) => r.tier),
      marker: {
        color: runs.map((r) => colors.get(r.tier)),
        size: runs.map((r) => (p.test.includes(r) ? 11 : 8)),
        symbol: runs.map((r) => (p.test.includes(r) ? "star" : "circle")),
        line: { color: "#333", width: 0.5 },
      },
      xaxis: `x${kr}`,
      yaxis: `y${kr}`,
    });
    const bottom = i === rows - 1;
    layout[`xaxis${kl}`] = {
      domain: [0, 0.46],
      anchor: `y${kl}`,
      type: "log",
      title: bottom ? { text: "training step (log scale)" } : undefined,
    };
    layout[`yaxis${kl}`] = { domain: [y0, y1], anchor: `x${kl}`, title: { text: label, font: { size: 11 } } };
    layout[`xaxis${kr}`] = {
      domain: [0.54, 1],
      anchor: `y${kr}`,
      type: "log",
      title: bottom ? { text: `non-embedding parameters N (log scale), at step ${last}` } : undefined,
    };
    layout[`yaxis${kr}`] = { domain: [y0, y1], anchor: `x${kr}`, title: { text: label, font: { size: 11 } } };
    annotations.push({
      text: panelTitle(p),
      xref: "paper",
      yref: "paper",
      x: 0.5,
      y: y1,
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
      font: { size: 12 },
    });
  });
  layout.annotations = annotations;
  return { data, layout };
}

/**
 * A table as a plotly figure (header row, then cells), for tables that should also exist as static
 * images, e.g. forecast against actual. Numbers are shown with `digits` significant digits.
 */
export function tableFigure(
  columns: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null>>,
  opts: { title: string; digits?: number; columnWidths?: readonly number[] },
): PlotlyFigure {
  const fmt = (v: string | number | null) =>
    v === null
      ? "–"
      : typeof v === "number"
        ? Number.isInteger(v)
          ? String(v)
          : v.toPrecision(opts.digits ?? 4)
        : v;
  const cells = columns.map((_, j) => rows.map((r) => fmt(r[j])));
  return {
    data: [
      {
        type: "table",
        columnwidth: opts.columnWidths,
        header: {
          values: columns.map((c) => `<b>${c}</b>`),
          fill: { color: "#e8e8e8" },
          align: "center",
          font: { size: 12 },
        },
        cells: { values: cells, align: "right", font: { size: 11 }, height: 24 },
      },
    ],
    layout: {
      title: { text: opts.title },
      height: Math.min(110 + 26 * (rows.length + 1), 1600),
      margin: { t: 50, l: 10, r: 10, b: 10 },
    },
  };
}

/** Forecast against actual for labelled points: y = x diagonal, crosses with interval bars, coloured by group. */
export function forecastVsActualFigure(
  groups: readonly { name: string; color?: string; points: readonly ForecastPoint[] }[],
  opts: { title: string; metric: string; useBootstrap?: boolean },
): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  const all = groups.flatMap((g) => g.points);
  const vals = all.flatMap((p) => [p.actual, p.forecast]);
  const lo = Math.min(...vals),
    hi = Math.max(...vals),
    pad = (hi - lo) * 0.05 || 0.01;
  data.push({
    type: "scatter",
    mode: "lines",
    x: [lo - pad, hi + pad],
    y: [lo - pad, hi + pad],
    name: "forecast = actual",
    line: { color: "#999", dash: "dot" },
  });
  groups.forEach((g, i) => {
    const color = g.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
    const iv = g.points.map((p) => (opts.useBootstrap && p.bootstrap ? p.bootstrap : p.delta));
    data.push({
      type: "scatter",
      mode: "markers",
      x: g.points.map((p) => p.actual),
      y: g.points.map((p) => p.forecast),
      name: g.name,
      text: g.points.map((p) => `${p.tier} @ ${p.step}`),
      marker: { color, size: 8, symbol: "x" },
      error_y: {
        type: "data",
        symmetric: false,
        array: iv.map((v, j) => v.hi - g.points[j].forecast),
        arrayminus: iv.map((v, j) => g.points[j].forecast - v.lo),
        visible: true,
        color,
      },
    });
  });
  return {
    data,
    layout: {
      title: { text: opts.title },
      height: 440,
      xaxis: { title: { text: `actual ${metricLabel(opts.metric)}` } },
      yaxis: { title: { text: `forecast ${metricLabel(opts.metric)}` } },
      margin: { t: 50, r: 10 },
    },
  };
}

/**
 * Iso-FLOP curves: the law's prediction against N at several compute budgets, with each optimum
 * marked. Far from the optimum a fitted law runs to meaningless values (e.g. a negative NDCG for a
 * tiny model trained very long), so the y axis is limited to the optima's neighbourhood: from the
 * best point down to one optima-spread below the worst optimum (mirrored for falling metrics), or
 * `opts.yRange`.
 */
export function isoFlopFigure(
  curves: readonly {
    C: number;
    points: readonly { N: number; y: number }[];
    optimum?: { N: number; y: number };
  }[],
  opts: { title: string; metric: string; yRange?: [number, number] },
): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  curves.forEach((c, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const label = `C = ${c.C.toExponential(1)} FLOPs`;
    data.push({
      type: "scatter",
      mode: "lines",
      x: c.points.map((p) => p.N),
      y: c.points.map((p) => p.y),
      name: label,
      legendgroup: label,
      line: { color },
    });
    if (c.optimum)
      data.push({
        type: "scatter",
        mode: "markers",
        x: [c.optimum.N],
        y: [c.optimum.y],
        name: `${label} optimum`,
        legendgroup: label,
        showlegend: false,
        marker: { color, size: 11, symbol: "diamond", line: { color: "#333", width: 1 } },
      });
  });
  let range = opts.yRange;
  const opt = curves.flatMap((c) => (c.optimum ? [c.optimum.y] : []));
  if (!range && opt.length) {
    const ys = curves.flatMap((c) => c.points.map((p) => p.y)).filter(Number.isFinite);
    const rising = curves.every((c) => !c.optimum || c.points.every((p) => p.y <= c.optimum!.y + 1e-12));
    const spread = Math.max(Math.max(...opt) - Math.min(...opt), 0.05 * Math.max(...opt.map(Math.abs)), 1e-6);
    range = rising
      ? [Math.min(...opt) - spread, Math.max(...ys, ...opt) + 0.1 * spread]
      : [Math.min(...ys, ...opt) - 0.1 * spread, Math.max(...opt) + spread];
  }
  return {
    data,
    layout: {
      title: { text: opts.title },
      height: 440,
      xaxis: { title: { text: "non-embedding parameters N (log scale); steps D = C / (k·N)" }, type: "log" },
      yaxis: { title: { text: metricLabel(opts.metric) }, ...(range ? { range } : {}) },
      margin: { t: 60, r: 10 },
    },
  };
}

/** Compute-optimal N*(C) and D*(C) per objective with bootstrap bands, log–log, two panels. */
export function allocationFigure(
  series: readonly { name: string; color?: string; bands: AllocationBands }[],
  opts: { title: string; dUnit?: string },
): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
    const b = s.bands;
    for (const [key, axis] of [
      ["N", "1"],
      ["D", "2"],
    ] as const) {
      const v = b[key];
      const xa = axis === "1" ? "x" : "x2",
        ya = axis === "1" ? "y" : "y2";
      data.push({
        type: "scatter",
        mode: "lines",
        x: [...b.C, ...b.C.slice().reverse()],
        y: [...v.hi, ...v.lo.slice().reverse()],
        fill: "toself",
        fillcolor: hexAlpha(color, 0.15),
        line: { width: 0 },
        showlegend: false,
        legendgroup: s.name,
        hoverinfo: "skip",
        xaxis: xa,
        yaxis: ya,
      });
      data.push({
        type: "scatter",
        mode: "lines",
        x: b.C,
        y: v.mid,
        name:
          key === "N"
            ? `${s.name}: N* ∝ C^${b.exponentN.mid.toFixed(2)}`
            : `${s.name}: D* ∝ C^${b.exponentD.mid.toFixed(2)}`,
        legendgroup: s.name,
        line: { color, dash: key === "N" ? "solid" : "dash" },
        xaxis: xa,
        yaxis: ya,
      });
    }
  });
  return {
    data,
    layout: {
      title: { text: opts.title },
      height: 430,
      grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: { title: { text: "compute C (FLOPs)" }, type: "log", domain: [0, 0.47] },
      yaxis: { title: { text: "optimal parameters N*" }, type: "log" },
      xaxis2: { title: { text: "compute C (FLOPs)" }, type: "log", domain: [0.55, 1] },
      yaxis2: { title: { text: `optimal ${opts.dUnit ?? "steps"} D*` }, type: "log", anchor: "x2" },
      legend: { font: { size: 9 } },
      margin: { t: 50, r: 10 },
    },
  };
}

/** Equal-compute pairs: the smaller (longer-trained) model's value against the larger one's, per objective. */
export function equalComputeFigure(
  pairs: readonly EqualComputePair[],
  opts: { title: string; metric: string },
): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  const vals = pairs.flatMap((p) => [p.small.value, p.large.value]);
  const lo = Math.min(...vals),
    hi = Math.max(...vals),
    pad = (hi - lo) * 0.05 || 0.01;
  data.push({
    type: "scatter",
    mode: "lines",
    x: [lo - pad, hi + pad],
    y: [lo - pad, hi + pad],
    name: "equal",
    line: { color: "#999", dash: "dot" },
  });
  for (const o of ["listwise", "pairwise", "pointwise"] as const) {
    const ps = pairs.filter((p) => p.objective === o);
    if (!ps.length) continue;
    data.push({
      type: "scatter",
      mode: "markers",
      x: ps.map((p) => p.large.value),
      y: ps.map((p) => p.small.value),
      name: o,
      marker: { color: OBJECTIVE_COLORS[o], size: 9 },
      text: ps.map((p) => `${p.small.tier}@${p.small.step} vs ${p.large.tier}@${Math.round(p.large.step)}`),
    });
  }
  return {
    data,
    layout: {
      title: { text: opts.title },
      height: 440,
      xaxis: { title: { text: `larger model, fewer steps: ${metricLabel(opts.metric)}` } },
      yaxis: { title: { text: `smaller model, more steps: ${metricLabel(opts.metric)}` } },
      margin: { t: 50, r: 10 },
    },
  };
}
