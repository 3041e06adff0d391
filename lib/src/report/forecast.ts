/**
 * The tables of notebook 05 (the forecasting protocols of arXiv 2603.04816): rows for the
 * notebook's tables, interval coverage, and the summary for `results/REPORT.md`, computed from the
 * protocol results the notebook made.
 */
import type { Interval } from "../laws/stats";
import { jointLawValue } from "../records/synthetic";
import { metricDirection, type ForecastPoint, type ProtocolResult } from "../laws/protocols";
import { PAPER_FINDINGS } from "../laws/paperfindings";
import { metricLabel, tableFigure } from "../plots/laws";
import type { PlotlyFigure } from "../plots/display";
import type { LawStudy } from "./lawstudy";
import { finiteCell, type SummaryTable } from "./summary";

type Cell = string | number | null;
type Row = Record<string, unknown>;

const interval = (iv: Interval | null | undefined) =>
  iv ? `[${iv.lo.toFixed(4)}, ${iv.hi.toFixed(4)}]` : "";

/** One table row per forecast point: forecast, its delta-method and bootstrap 95% intervals, actual, error. */
export function forecastPointRows(results: readonly ProtocolResult[]): Row[] {
  return results.flatMap((r) =>
    r.points.map((p) => ({
      metric: r.metric,
      objective: r.objective,
      tier: p.tier,
      step: p.step,
      forecast: p.forecast,
      "delta 95%": interval(p.delta),
      "bootstrap 95%": interval(p.bootstrap),
      actual: p.actual,
      "actual sd": p.actualSd,
      error: p.error,
      status: r.fit.status,
    })),
  );
}

/** One row of errors per protocol result (R² train and test, MAE, RMSE, bias, conservative share, p(t)), after `label(r)`. */
export function forecastErrorRows(
  results: readonly ProtocolResult[],
  label: (r: ProtocolResult) => Row,
): Row[] {
  return results.map((r) => ({
    ...label(r),
    "train R²": r.gof.r2,
    "test R²": r.testR2,
    MAE: r.errors.mae,
    RMSE: r.errors.rmse,
    bias: r.errors.bias,
    conservative: r.errors.conservative,
    "p(t)": r.errors.pT,
    status: r.fit.status,
  }));
}

/** True when the forecast is on the safe side: below the actual value for a rising metric, above it for a loss. */
export function isConservative(r: ProtocolResult, p: ForecastPoint): boolean {
  return metricDirection(r.metric) === "rising" ? p.error > 0 : p.error < 0;
}

const inside = (iv: Interval | null | undefined, v: number) => (iv ? iv.lo <= v && v <= iv.hi : false);
const share = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;

/**
 * How often the 95% intervals contain the actual value, per protocol; on synthetic records also
 * how often the joint law's intervals contain the true law value at (N, step) (the model law's
 * forecast is of a mean over checkpoints, not of the law, so it has no such row).
 */
export function intervalCoverageRows(
  study: LawStudy,
  protocols: Record<string, readonly ProtocolResult[]>,
): Row[] {
  return Object.entries(protocols).map(([name, results]) => {
    const pts = results.flatMap((r) => r.points.map((p) => ({ r, p })));
    const row: Row = {
      protocol: name,
      forecasts: pts.length,
      "actual inside delta 95%": share(pts.map((q) => inside(q.p.delta, q.p.actual))),
      "actual inside bootstrap 95%": share(pts.map((q) => inside(q.p.bootstrap, q.p.actual))),
    };
    const cfg = study.config;
    if (study.synthetic && cfg) {
      const joint = pts.filter((q) => q.r.protocol === "joint" && q.r.metric in cfg.metrics);
      const truth = (q: (typeof joint)[number]) =>
        jointLawValue(cfg.metrics[q.r.metric].laws[q.r.objective], q.p.params, q.p.step);
      row["true law inside delta 95%"] = joint.length
        ? share(joint.map((q) => inside(q.p.delta, truth(q))))
        : "";
      row["true law inside bootstrap 95%"] = joint.length
        ? share(joint.map((q) => inside(q.p.bootstrap, truth(q))))
        : "";
    }
    return row;
  });
}

/** The model-law forecasts as a static table figure (the paper's forecast-vs-actual table). */
export function forecastTableFigure(
  modelResults: readonly ProtocolResult[],
  testTiers: readonly string[],
): PlotlyFigure {
  const rows = modelResults.flatMap((r) =>
    r.points.map((p) => [
      metricLabel(r.metric),
      r.objective,
      p.tier,
      p.forecast.toFixed(4),
      p.bootstrap ? interval(p.bootstrap) : "–",
      `${p.actual.toFixed(4)} ± ${p.actualSd.toFixed(4)}`,
      p.error.toFixed(4),
    ]),
  );
  return tableFigure(
    ["metric", "objective", "tier", "forecast", "bootstrap 95%", "actual ± sd", "error"],
    rows,
    {
      title:
        `Model law: forecast against actual for ${testTiers.join(", ")} ` +
        "(fitted on the last 10 checkpoints of the smaller tiers)",
      columnWidths: [1, 1, 0.7, 1, 1.8, 1.6, 1],
    },
  );
}

/** What notebook 05 forecast. */
export interface ForecastResults {
  model: readonly ProtocolResult[];
  data: readonly ProtocolResult[];
  joint: readonly ProtocolResult[];
  leaveOneOut: readonly ProtocolResult[];
}

function modelForecastTable(study: LawStudy, r: ForecastResults): SummaryTable {
  return {
    title: `Model law: forecast vs actual for ${study.testTiers.join(", ")} (mean ± sd of the last 10 checkpoints)`,
    columns: [
      ...["metric", "objective", "tier", "forecast", "delta 95% lo", "delta 95% hi"],
      ...[
        "bootstrap 95% lo",
        "bootstrap 95% hi",
        "actual (mean of last 10)",
        "actual sd",
        "error (actual − forecast)",
      ],
    ],
    rows: r.model.flatMap((x) =>
      x.points.map((p) => [
        ...[x.metric, x.objective, p.tier, p.forecast, p.delta.lo, p.delta.hi],
        ...[
          p.bootstrap ? p.bootstrap.lo : null,
          p.bootstrap ? p.bootstrap.hi : null,
          p.actual,
          p.actualSd,
          p.error,
        ],
      ]),
    ),
  };
}

function errorTable(r: ForecastResults): SummaryTable {
  const row = (name: string, x: ProtocolResult): Cell[] => [
    ...[name, x.metric, x.objective, x.gof.r2, finiteCell(x.testR2), x.errors.mae, x.errors.rmse],
    ...[x.errors.bias, x.errors.conservative, finiteCell(x.errors.pT), x.fit.status],
  ];
  return {
    title: "Forecast errors of the model and joint laws",
    columns: [
      ...["protocol", "metric", "objective", "train R²", "test R²", "MAE", "RMSE"],
      ...["bias (actual − forecast)", "conservative share", "p(t)", "fit status"],
    ],
    rows: [...r.model.map((x) => row("model law", x)), ...r.joint.map((x) => row("joint law", x))],
    digits: 3,
  };
}

function conservativenessTable(r: ForecastResults): SummaryTable {
  const flags = (rs: readonly ProtocolResult[], o: string) =>
    rs.filter((x) => x.objective === o).flatMap((x) => x.points.map((p) => isConservative(x, p)));
  return {
    title: "Conservativeness: share of forecasts on the safe side, per objective",
    columns: [
      ...["objective", "model-law cases (metric × tier)", "conservative (model law)"],
      ...["joint-law forecasts", "conservative (joint law)"],
    ],
    rows: [...new Set(r.model.map((x) => x.objective))].map((o) => {
      const m = flags(r.model, o),
        j = flags(r.joint, o);
      return [o, m.length, share(m), j.length, share(j)];
    }),
    digits: 3,
  };
}

function dataLawTable(study: LawStudy, r: ForecastResults): SummaryTable {
  const main = study.mainMetric;
  return {
    title: `Data law (${metricLabel(main)}): fitted on all but the last 5 checkpoints of each run`,
    columns: ["tier", "objective", "c (data exponent)", "train R²", "MAE (last 5)", "bias", "fit status"],
    rows: r.data
      .filter((x) => x.metric === main)
      .map((x) => [
        ...[x.trainTiers[0], x.objective, x.fit.named.c, x.gof.r2],
        ...[x.errors.mae, x.errors.bias, x.fit.status],
      ]),
    digits: 3,
  };
}

function forecastTables(study: LawStudy, r: ForecastResults): SummaryTable[] {
  return [modelForecastTable(study, r), errorTable(r), conservativenessTable(r), dataLawTable(study, r)];
}

function forecastFindings(study: LawStudy, r: ForecastResults): string[] {
  const main = study.mainMetric;
  const published = (id: string) => PAPER_FINDINGS.find((f) => f.id === id)!.published;
  const range = (v: number[]) => `${Math.min(...v).toFixed(4)}–${Math.max(...v).toFixed(4)}`;
  const mae = (rs: readonly ProtocolResult[]) =>
    range(rs.filter((x) => x.metric === main).map((x) => x.errors.mae));
  const cons = [...r.model, ...r.joint].flatMap((x) => x.points.map((p) => isConservative(x, p)));
  const all = [...r.model, ...r.data, ...r.joint, ...r.leaveOneOut];
  const flagged = all.filter((x) => x.fit.status !== "ok").length;
  const bootIn = r.model.flatMap((x) =>
    x.points.filter((p) => p.bootstrap).map((p) => inside(p.bootstrap, p.actual)),
  );
  const records = study.synthetic
    ? `synthetic (${study.records.length} checkpoints from a known joint law with seeded noise)`
    : `${study.records.length} training checkpoints from results/runs`;
  const consNote = study.synthetic
    ? "; synthetic records follow the law exactly, so about half is expected"
    : "";
  return [
    `Records: ${records}; laws fitted on ${study.trainTiers.join(", ")}, forecast for ${study.testTiers.join(", ")}.`,
    `${metricLabel(main)}: model-law MAE ${mae(r.model)}, data-law MAE ${mae(r.data)} (last 5 checkpoints of ` +
      `each run), joint-law MAE ${mae(r.joint)} across objectives (the paper: model law ${published("model-mae")}; ` +
      `data law ${published("data-mae")}).`,
    `${(100 * share(cons)).toFixed(0)}% of ${cons.length} model- and joint-law forecasts are conservative ` +
      `(below the actual value; above it for CE)${consNote} (the paper: ${published("conservative")}).`,
    `${bootIn.filter(Boolean).length} of ${bootIn.length} model-law actual values lie inside the bootstrap 95% ` +
      `interval of their forecast; ${flagged} fit(s) were flagged (weakly identified, on a bound, or not converged).`,
  ];
}

/**
 * The summary of notebook 05: the model-law forecasts against the actual values with both
 * intervals, the errors of the model and joint laws, the conservative share per objective and the
 * data-law fits of the main metric; findings that put the errors next to the paper's
 * (`PAPER_FINDINGS`: model-mae, data-mae, conservative).
 */
export function forecastSummary(
  study: LawStudy,
  results: ForecastResults,
): { findings: string[]; tables: SummaryTable[] } {
  return { findings: forecastFindings(study, results), tables: forecastTables(study, results) };
}
