/**
 * The figures of notebook 07 (generative retrieval, arXiv 2503.18941): CGL against model size and
 * against data with the fitted law L = (a/x)^b + c, docids against n-gram identifiers, and recall
 * against inference compute over beam sizes.
 */
import type { PlotlyFigure } from "./display";
import type { LawFit } from "../laws/fit";
import { predictLaw } from "../laws/fit";
import type { BeamPoint, GenretModelResult } from "../genret/experiment";
import type { InferenceSweep } from "../genret/run";
import { budgetFrontier, type BudgetPoint, type InferenceLawFit } from "../genret/inference";
import { logSpace } from "./laws";

type Trace = Record<string, unknown>;

/** A horizontal grey line at the no-learning ceiling ln(1 + 1/K) from x0 to x1. */
function ceilingTrace(ceiling: number, x0: number, x1: number): Trace {
  return { x: [x0, x1], y: [ceiling, ceiling], mode: "lines", name: "ln(1+1/K)", line: { color: "grey" } };
}

function layout(title: string, xTitle: string, yTitle: string, logX = true): Record<string, unknown> {
  return { title, xaxis: { ...(logX ? { type: "log" } : {}), title: xTitle }, yaxis: { title: yTitle } };
}

/** CGL of the n-gram models against non-embedding parameters, with standard errors, the ceiling and the size law. */
export function cglSizeFigure(
  ngram: readonly GenretModelResult[],
  ceiling: number,
  fit: LawFit | null,
): PlotlyFigure {
  const xs = ngram.map((r) => r.params);
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  const data: Trace[] = [
    {
      x: xs,
      y: ngram.map((r) => r.cgl),
      error_y: { type: "data", array: ngram.map((r) => r.cglStdErr) },
      mode: "markers+lines",
      name: "n-gram (ours)",
      line: { dash: "dot" },
    },
    ceilingTrace(ceiling, lo / 2, hi * 2),
  ];
  if (fit && fit.status !== "failed") {
    const grid = logSpace(lo, hi, 50);
    const name = `fit (a/N)^b + c, b = ${fit.named.b.toFixed(3)}`;
    data.push({
      x: grid,
      y: predictLaw(
        fit,
        grid.map((g) => [g]),
      ),
      mode: "lines",
      name,
      line: { dash: "dash" },
    });
    const c = fit.named.c;
    data.push({
      x: [lo, hi],
      y: [c, c],
      mode: "lines",
      name: "asymptote c",
      line: { dash: "dot", color: "black" },
    });
  }
  const title = "CGL vs non-embedding parameters (n-gram identifiers)";
  return { data, layout: layout(title, "N (non-embedding parameters)", "CGL (lower is better)") };
}

/**
 * CGL against training pairs for the data sweep; with a converged fit whose asymptote c lies below
 * every point, log(CGL − c) (a straight line under the law), else CGL with standard errors and the ceiling.
 */
export function cglDataFigure(
  sweep: readonly GenretModelResult[],
  ceiling: number,
  fit: LawFit | null,
  tier: string,
): PlotlyFigure {
  const xs = sweep.map((r) => r.trainPairs);
  const useLog = fit !== null && fit.status === "ok" && sweep.every((r) => r.cgl > fit.named.c);
  const trace: Trace = { x: xs, mode: "markers+lines", name: `n-gram ${tier}` };
  if (useLog) trace.y = sweep.map((r) => Math.log(r.cgl - fit!.named.c));
  else
    Object.assign(trace, {
      y: sweep.map((r) => r.cgl),
      error_y: { type: "data", array: sweep.map((r) => r.cglStdErr) },
    });
  const data = useLog ? [trace] : [trace, ceilingTrace(ceiling, Math.min(...xs), Math.max(...xs))];
  const yTitle = useLog ? "log(CGL − c)" : "CGL";
  return { data, layout: layout(`Data scaling (${tier})`, "training pairs (query → span)", yTitle) };
}

/** CGL against parameters for docid and n-gram identifiers, with the ceiling. */
export function docidVsNgramFigure(size: readonly GenretModelResult[], ceiling: number): PlotlyFigure {
  const doc = size.filter((r) => r.method === "docid");
  const ng = size.filter((r) => r.method === "ngram");
  const xs = doc.map((r) => r.params);
  const series = (rs: readonly GenretModelResult[], name: string, dash: string): Trace => ({
    x: rs.map((r) => r.params),
    y: rs.map((r) => r.cgl),
    mode: "markers+lines",
    name,
    line: { dash },
  });
  return {
    data: [
      series(doc, "docid (hierarchical k-means)", "dash"),
      series(ng, "n-gram spans", "dot"),
      ceilingTrace(ceiling, Math.min(...xs), Math.max(...xs)),
    ],
    layout: layout("CGL vs parameters: docids against n-gram identifiers", "N", "CGL"),
  };
}

/** Recall@5, @20 and @100 against inference FLOPs per query, one point per beam size. */
export function recallBeamFigure(beams: readonly BeamPoint[]): PlotlyFigure {
  return {
    data: ["recall_5", "recall_20", "recall_100"].map((m) => ({
      x: beams.map((p) => p.flopsPerQuery),
      y: beams.map((p) => p.metrics[m]),
      text: beams.map((p) => `beam ${p.beam}`),
      mode: "markers+lines",
      name: m.replace("_", "@"),
    })),
    layout: layout("Recall vs inference compute (beam sizes)", "inference FLOPs per query", "recall"),
  };
}

/**
 * Recall@100 against inference FLOPs per query for every model size (one point per beam), with
 * each size's fitted law recall = 1 − ((a/C)^b + c) dashed (genret/inference.ts fitInferenceLaw).
 */
export function inferenceLawFigure(
  sweeps: readonly InferenceSweep[],
  laws: readonly InferenceLawFit[],
): PlotlyFigure {
  const data: Trace[] = [];
  sweeps.forEach((s, i) => {
    data.push({
      x: s.points.map((p) => p.flopsPerQuery),
      y: s.points.map((p) => p.metrics.recall_100),
      text: s.points.map((p) => `beam ${p.beam}`),
      mode: "markers",
      name: `${s.tier} (N = ${s.params})`,
    });
    const fit = laws[i]?.fit;
    if (fit && fit.status !== "failed") {
      const xs = s.points.map((p) => p.flopsPerQuery);
      const grid = logSpace(Math.min(...xs), Math.max(...xs), 40);
      data.push({
        x: grid,
        y: predictLaw(
          fit,
          grid.map((g) => [g]),
        ).map((e) => 1 - e),
        mode: "lines",
        name: `${s.tier} fit, b = ${fit.named.b.toFixed(2)}`,
        line: { dash: "dash" },
      });
    }
  });
  return {
    data,
    layout: layout(
      "Recall@100 vs inference compute, per model size",
      "inference FLOPs per query",
      "recall@100",
    ),
  };
}

/**
 * The iso-budget view: recall@100 of every (model, beam) against its total compute (training +
 * `queries` × inference per query), one series per model, and the frontier of best choices.
 */
export function isoBudgetFigure(points: readonly BudgetPoint[], queries: number): PlotlyFigure {
  const tiers = [...new Set(points.map((p) => p.tier))];
  const frontier = budgetFrontier(points);
  return {
    data: [
      ...tiers.map((t) => {
        const ps = points.filter((p) => p.tier === t);
        return {
          x: ps.map((p) => p.total),
          y: ps.map((p) => p.value),
          text: ps.map((p) => `beam ${p.beam}`),
          mode: "markers+lines",
          name: t,
          line: { dash: "dot" },
        };
      }),
      {
        x: frontier.map((p) => p.total),
        y: frontier.map((p) => p.value),
        text: frontier.map((p) => `${p.tier}, beam ${p.beam}`),
        mode: "lines",
        name: "frontier (best within budget)",
        line: { shape: "hv", color: "black" },
      },
    ],
    layout: layout(
      `Iso-budget: recall@100 vs total compute (training + ${queries.toLocaleString("en-US")} queries)`,
      "total FLOPs",
      "recall@100",
    ),
  };
}
