/**
 * The report of notebook 04 (fitting the laws of arXiv 2603.04816): its tables and findings for
 * `results/REPORT.md`, computed from the fits the notebook made.
 */
import type { LawFitResult } from "../laws/lawfits";
import type { ProtocolResult } from "../laws/protocols";
import type { PublishedLaws } from "../records/published";
import type { CglRefit } from "../laws/lawfits";
import { metricLabel } from "../plots/laws";
import type { LawStudy } from "./lawstudy";
import { finiteCell, type SummaryTable } from "./summary";

type Cell = string | number | null;

/** What notebook 04 fitted. */
export interface FitLawsResults {
  jointFits: readonly LawFitResult[];
  modelFits: readonly LawFitResult[];
  /** Joint law fitted without the held-out tiers, per metric (`jointLawForecast`). */
  jointSplit: readonly { metric: string; results: readonly ProtocolResult[] }[];
  cgl: readonly CglRefit[];
}

function fitTables(study: LawStudy, r: FitLawsResults): SummaryTable[] {
  const tables: SummaryTable[] = [
    {
      title: "Joint law y = a + b·N^c + d·D^e (all tiers, all steps)",
      columns: [
        "metric",
        "objective",
        "a",
        "b",
        "c (N exponent)",
        "d",
        "e (D exponent)",
        "R²",
        "adj R²",
        "F",
        "points",
        "status",
      ],
      rows: r.jointFits.map((j) => {
        const p = j.fit.named;
        const g = j.gof;
        return [
          j.metric,
          j.objective,
          p.a,
          p.b,
          p.c,
          p.d,
          p.e,
          g.r2,
          finiteCell(g.adjR2),
          finiteCell(g.F),
          g.n,
          j.fit.status,
        ] as Cell[];
      }),
    },
    {
      title: "Model law y = a + b·N^c (last 10 checkpoints of every tier)",
      columns: ["metric", "objective", "a", "b", "c", "R²", "points", "status"],
      rows: r.modelFits.map((m) => {
        const p = m.fit.named;
        return [m.metric, m.objective, p.a, p.b, p.c, m.gof.r2, m.gof.n, m.fit.status];
      }),
    },
    {
      title:
        `Joint law fitted without ${study.testTiers.join(", ")} (the figures): ` +
        "R² on the fitted and on the held-out checkpoints",
      columns: ["metric", "objective", "R² train", "R² test", "MAE test", "status"],
      rows: r.jointSplit.flatMap((j) =>
        j.results.map((x) => [
          j.metric,
          x.objective,
          x.gof.r2,
          finiteCell(x.testR2),
          x.errors.mae,
          x.fit.status,
        ]),
      ),
      digits: 3,
    },
  ];
  const cfg = study.config;
  if (study.synthetic && cfg)
    tables.push({
      title: "Recovered exponents against the synthetic truth",
      columns: ["metric", "objective", "c fit", "c true", "e fit", "e true"],
      rows: r.jointFits
        .filter((j) => j.metric in cfg.metrics)
        .map((j) => {
          const truth = cfg.metrics[j.metric].laws[j.objective];
          return [j.metric, j.objective, j.fit.params[2], truth[2], j.fit.params[4], truth[4]];
        }),
    });
  return tables;
}

function fitFindings(study: LawStudy, r: FitLawsResults, published: PublishedLaws): string[] {
  const { jointFits } = r;
  const records = study.synthetic
    ? `synthetic, ${study.records.length} checkpoints from a known joint law with seeded noise, because ` +
      study.fallbackReason
    : `${study.records.length} training checkpoints from results/runs`;
  const ok = jointFits.filter((j) => j.fit.status === "ok").length;
  const statuses = ["weakly-identified", "at-bound", "not-converged", "failed"]
    .map((st) => `${jointFits.filter((j) => j.fit.status === st).length} ${st}`)
    .join(", ");
  const r2 = jointFits.map((j) => j.gof.r2);
  const main = jointFits
    .filter((j) => j.metric === study.mainMetric)
    .map((j) => `${j.objective} c = ${j.fit.named.c.toFixed(3)}, e = ${j.fit.named.e.toFixed(3)}`);
  const pub = published.rerankerJointNdcg10;
  const objectives = ["listwise", "pairwise", "pointwise"] as const;
  const pubC = objectives.map((o) => pub[o].c);
  const pubE = objectives.map((o) => `${pub[o].e} ${o}`).join(", ");
  const t5 = r.cgl.find((c) => c.name.startsWith("MINDER-T5"));
  const refit = published.cglRefit.minderT5;
  return [
    `Records: ${records} (${study.tiers.length} tiers × ${study.objectives.length} objectives).`,
    `${ok} of ${jointFits.length} joint-law fits have status ok (${statuses}); R² ranges from ` +
      `${Math.min(...r2).toFixed(3)} to ${Math.max(...r2).toFixed(3)}.`,
    `${metricLabel(study.mainMetric)} joint law: ${main.join("; ")} (the paper's NDCG@10 fits: c between ` +
      `${Math.min(...pubC)} and ${Math.max(...pubC)}, e = ${pubE}).`,
    ...(t5
      ? [
          `The MINDER-T5 CGL refit gives b = ${t5.fit.named.b.toFixed(4)} and c = ${t5.fit.named.c.toFixed(6)} ` +
            `(published refit: b = ${refit.b}, c = ${refit.c}).`,
        ]
      : []),
  ];
}

/**
 * The summary of notebook 04: the joint-law and model-law parameter tables with R², adjusted R²
 * and F (as the authors' joint_scaling.py reports them), the held-out R² of the figures' fits, the
 * recovered exponents on synthetic records, and findings that compare the exponents with the
 * published NDCG@10 fits (`published.rerankerJointNdcg10`) and the CGL refit with the published one.
 */
export function fitLawsSummary(
  study: LawStudy,
  results: FitLawsResults,
  published: PublishedLaws,
): { findings: string[]; tables: SummaryTable[] } {
  return { findings: fitFindings(study, results, published), tables: fitTables(study, results) };
}
