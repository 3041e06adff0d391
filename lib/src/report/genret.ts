/**
 * The report of notebook 07 (generative retrieval, arXiv 2503.18941): CGL over sizes, data and
 * identifiers, the laws fitted to them, recall over beam sizes, and the published CGL series next
 * to ours, for `results/REPORT.md`.
 */
import type { LawFit } from "../laws/fit";
import { readPublishedLaws, type PublishedLaws } from "../records/published";
import {
  bestWithinBudgets,
  budgetGrid,
  budgetPoints,
  compareArchitectures,
  fitInferenceLaw,
  fitJointInferenceLaw,
  sweepsOf,
} from "../genret/inference";
import { judgeGenretFindings, measureGenretFindings, publishedGenretFindings } from "../genret/findings";
import { pairedDifference } from "../genret/cgl";
import type { GenretModelResult } from "../genret/experiment";
import type { GenretResults } from "../genret/run";
import type { SummaryTable } from "./summary";

/** The published CGL series (HongruCai/SLGR) and ours: first and last value and the distance of the last from our ceiling. */
export function cglSeriesRows(
  published: PublishedLaws,
  results: GenretResults,
  profile: string,
): Record<string, unknown>[] {
  const row = (series: string, cgl: readonly number[]) => ({
    series,
    points: cgl.length,
    "CGL first": cgl[0],
    "CGL last": cgl[cgl.length - 1],
    "last − ceiling": cgl[cgl.length - 1] - results.ceiling,
  });
  const paper = Object.entries(published.cglSeries)
    .filter(([, s]) => typeof s === "object" && s !== null && "cgl" in s)
    .map(([name, s]) => row(name, (s as { cgl: number[] }).cgl));
  const ours = (["ngram", "docid"] as const).map((m) =>
    row(
      `ours: ${m} (${profile})`,
      results.size.filter((x) => x.method === m).map((x) => x.cgl),
    ),
  );
  return [...paper, ...ours];
}

/** What notebook 07 fitted and how long it ran. */
export interface GenretFits {
  size: LawFit | null;
  data: LawFit | null;
  joint: LawFit | null;
  /** Minutes the experiment took in this run. */
  minutes: number;
}

const pct = (f: number) => `${Math.round(f * 100)}%`;
const falling = (rs: readonly GenretModelResult[]) => rs.every((r, i) => i === 0 || r.cgl <= rs[i - 1].cgl);

/** Each step of a sweep as a paired CGL difference (next − previous, same queries, negatives and identifiers). */
function sweepSteps(rs: readonly GenretModelResult[], label: (r: GenretModelResult) => string): string {
  return rs
    .slice(1)
    .map((r, i) => {
      const d = pairedDifference(rs[i].cglPerQuery, r.cglPerQuery);
      return `${label(rs[i])} → ${label(r)}: ${d.mean.toExponential(2)} ± ${d.stdErr.toExponential(1)}`;
    })
    .join("; ");
}

function lawFindings(r: GenretResults, f: GenretFits): string[] {
  const s = f.size,
    j = f.joint;
  const warnings = j && j.warnings.length ? `: ${j.warnings.join("; ")}` : "";
  return [
    s
      ? `Size law (a/N)^b + c: b = ${s.named.b.toFixed(3)}, c = ${s.named.c.toFixed(6)} (${s.status}); ` +
        "the paper's T5 refit has b ≈ 0.40."
      : "No size law: fewer than four sizes on this profile.",
    `Data sweep (${r.config.dataTier}, ${r.data.map((x) => pct(x.fraction)).join(", ")}): CGL ` +
      `${r.data.map((x) => x.cgl.toFixed(6)).join(", ")}; ${falling(r.data) ? "falling" : "not monotone"} with data.`,
    `Data steps (paired, as above): ${sweepSteps(r.data, (x) => pct(x.fraction))}.`,
    j
      ? `Joint law E + A/N^α + B/D^β on ${j.n} n-gram models: α = ${j.named.alpha.toFixed(3)}, ` +
        `β = ${j.named.beta.toFixed(3)}, E = ${j.named.E.toExponential(3)}, ` +
        `RMSE ${Math.sqrt(j.sse / j.n).toExponential(2)} (status ${j.status}${warnings}).`
      : "No joint law: fewer than 6 distinct (N, D) models on this profile.",
  ];
}

function inferenceFindings(r: GenretResults): string[] {
  const dec = sweepsOf(r, "decoder");
  if (dec.length === 0) return ["No beam sweeps on this profile."];
  const joint = fitJointInferenceLaw(dec);
  const best = bestWithinBudgets(
    budgetPoints(dec, r.config.budgetQueries),
    budgetGrid(budgetPoints(dec, r.config.budgetQueries), 2),
  );
  const pick = (i: number) => {
    const b = best[i].best;
    return b ? `${b.tier} at beam ${b.beam} (recall@100 ${b.value.toFixed(3)})` : "nothing";
  };
  const comps = compareArchitectures(r);
  const better = comps.filter((c) => c.cgl.mean > 0).length;
  return [
    joint
      ? `Inference law ε(N, C) = E + A/N^α + B/C^β on recall@100 error over ${dec.length} sizes × ${dec[0].points.length} beams: ` +
        `β = ${joint.beta.value.toFixed(3)} [${joint.beta.lo.toFixed(3)}, ${joint.beta.hi.toFixed(3)}], ` +
        `α = ${joint.alpha.value.toFixed(3)}, R² ${joint.r2.toFixed(3)} (status ${joint.fit.status}).`
      : "No joint inference law: fewer than 2 sizes or 6 points.",
    `Iso-budget (training + ${r.config.budgetQueries.toLocaleString("en-US")} queries): the cheapest budget is best spent on ` +
      `${pick(0)}, the largest on ${pick(1)}.`,
    comps.length
      ? `Decoder-only against encoder–decoder: the decoder-only model has the lower CGL in ${better} of ${comps.length} ` +
        "comparisons (matched N and matched training FLOPs; paired over the CGL queries)."
      : "No encoder–decoder models on this profile.",
  ];
}

function genretFindings(r: GenretResults, f: GenretFits, profile: string): string[] {
  const ng = r.size.filter((x) => x.method === "ngram");
  const dc = r.size.filter((x) => x.method === "docid");
  const below = ng.filter((x) => x.cgl < x.ceiling).length;
  const [b0, bN] = [r.beams[0], r.beams[r.beams.length - 1]];
  const rises = r.beams.every((p, i) => i === 0 || p.metrics.recall_100 >= r.beams[i - 1].metrics.recall_100);
  return [
    `Profile ${profile}, ${r.corpus.docs} passages, ${r.corpus.trainQueries} training queries; this run of the ` +
      `experiment took ${f.minutes.toFixed(1)} minutes (models saved by an earlier run are read back, not retrained)` +
      (r.freshRun
        ? `; the last run that trained every model took ${r.freshRun.minutes.toFixed(1)} minutes with ` +
          `${r.freshRun.workers} worker${r.freshRun.workers === 1 ? "" : "s"} (${r.freshRun.date.slice(0, 10)}).`
        : "."),
    `No-learning ceiling ln(1 + 1/${r.config.negatives}) = ${r.ceiling.toFixed(6)}.`,
    `n-gram CGL over ${ng.length} sizes (N = ${ng[0].params} … ${ng[ng.length - 1].params}): ` +
      `${ng.map((x) => x.cgl.toFixed(6)).join(", ")}; ${below} of ${ng.length} under the ceiling; ` +
      `${falling(ng) ? "falling" : "not monotone"} with size.`,
    `Size steps (paired CGL difference ± standard error over ${ng[0].cglPerQuery.length} queries; negative = ` +
      `the larger model is better): ${sweepSteps(ng, (x) => x.tier)}.`,
    ...lawFindings(r, f),
    `docid CGL over sizes: ${dc.map((x) => x.cgl.toFixed(6)).join(", ")}.`,
    `Beam ${b0.beam} → ${bN.beam}: recall@100 ${b0.metrics.recall_100.toFixed(3)} → ` +
      `${bN.metrics.recall_100.toFixed(3)} at ${b0.flopsPerQuery.toExponential(2)} → ` +
      `${bN.flopsPerQuery.toExponential(2)} FLOPs per query; recall@100 ` +
      `${rises ? "rises (or holds) at every larger beam" : "does not rise at every larger beam"}: ` +
      `${r.beams.map((p) => p.metrics.recall_100.toFixed(3)).join(", ")}.`,
    ...inferenceFindings(r),
    below === 0
      ? "On this profile the n-gram models did not learn to prefer the positives (CGL at or above the ceiling): " +
        "the models and the training are too small here; read the shape on mini or paper."
      : `The n-gram models learned to prefer the positives' spans (CGL under the ceiling) in ${below} of ` +
        `${ng.length} sizes.`,
  ];
}

function inferenceTables(r: GenretResults): SummaryTable[] {
  const dec = sweepsOf(r, "decoder");
  const laws = dec.map((s) => fitInferenceLaw(s));
  const joint = fitJointInferenceLaw(dec);
  const pts = budgetPoints(dec, r.config.budgetQueries);
  const budgets = pts.length ? bestWithinBudgets(pts, budgetGrid(pts, 6)) : [];
  const comps = compareArchitectures(r);
  const se = (m: { mean: number; stdErr: number } | null) => (m ? [m.mean, m.stdErr] : [null, null]);
  return [
    {
      title: "Inference law per size: recall@100 error ε(C) = (a/C)^b + c, C = inference FLOPs per query",
      columns: ["tier", "N", "beams", "b", "b 95% lo", "b 95% hi", "c", "R²", "status"],
      rows: [
        ...laws.map((l, i) => [
          ...[l.tier, l.params, dec[i].points.length],
          ...(l.fit && l.b
            ? [l.b.value, l.b.lo, l.b.hi, l.fit.named.c, l.r2, l.fit.status]
            : [null, null, null, null, null, "no fit"]),
        ]),
        ...(joint
          ? [
              [
                "joint E + A/N^α + B/C^β (β)",
                null,
                joint.fit.n,
                joint.beta.value,
                joint.beta.lo,
                joint.beta.hi,
                joint.fit.named.E,
                joint.r2,
                joint.fit.status,
              ],
            ]
          : []),
      ],
    },
    {
      title: `Iso-budget: the best model and beam within a total budget (training + ${r.config.budgetQueries.toLocaleString("en-US")} queries)`,
      columns: [
        "budget FLOPs",
        "tier",
        "N",
        "beam",
        "training FLOPs",
        "inference FLOPs / query",
        "recall@100",
      ],
      rows: budgets.map((b) =>
        b.best
          ? [
              b.budget,
              b.best.tier,
              b.best.params,
              b.best.beam,
              b.best.trainFlops,
              b.best.flopsPerQuery,
              b.best.value,
            ]
          : [b.budget, "nothing fits", null, null, null, null, null],
      ),
    },
    {
      title: "Encoder–decoder against decoder-only (differences enc–dec − dec-only, paired over queries)",
      columns: [
        "match",
        "enc–dec",
        "dec-only",
        "N enc–dec",
        "N dec-only",
        "training FLOPs",
        "ΔCGL",
        "ΔCGL s.e.",
        "beam",
        "Δrecall@100",
        "Δrecall s.e.",
      ],
      rows: comps.map((c) => [
        c.match,
        c.encoderDecoder,
        c.decoderOnly,
        c.encN,
        c.decN,
        c.encFlops,
        ...se(c.cgl),
        c.beam,
        ...se(c.recall),
      ]),
      digits: 3,
    },
  ];
}

/** The findings table of arXiv 2503.18941 (genret/findings.ts): rules applied to this run's results. */
export function genretFindingsTable(
  r: GenretResults,
  fits: GenretFits,
  published: PublishedLaws,
): SummaryTable {
  const rows = judgeGenretFindings(measureGenretFindings(r, fits), publishedGenretFindings(published));
  return {
    title: "Findings of arXiv 2503.18941 (generative retrieval): published, ours, verdict by the rule",
    columns: ["finding", "published", "ours", "verdict", "rule"],
    rows: rows.map((x) => [x.claim, x.published, x.ours, x.verdict, x.rule]),
    headline: true,
  };
}

function genretTables(r: GenretResults): SummaryTable[] {
  return [
    {
      title: "CGL of the trained generators",
      columns: [
        "method",
        "arch",
        "tier",
        "data %",
        "N",
        "training pairs",
        "CGL",
        "CGL s.e.",
        "CGL − ceiling",
      ],
      rows: [...r.size, ...r.encdec, ...r.data.filter((x) => x.fraction < 1)].map((x) => [
        ...[x.method, x.arch, x.tier, Math.round(x.fraction * 100), x.params, x.trainPairs],
        ...[x.cgl, x.cglStdErr, x.cgl - x.ceiling],
      ]),
      digits: 6,
    },
    {
      title: `Retrieval vs beam size (${r.beamTier})`,
      columns: ["beam", "FLOPs / query", "recall@5", "recall@20", "recall@100", "nDCG@10"],
      rows: r.beams.map((p) => [
        ...[p.beam, p.flopsPerQuery, p.metrics.recall_5, p.metrics.recall_20],
        ...[p.metrics.recall_100, p.metrics.ndcg_cut_10],
      ]),
    },
  ];
}

/**
 * The summary of notebook 07: the findings table of the paper, the CGL of every trained generator,
 * retrieval against beam size, the inference laws, the iso-budget choices, the architecture
 * comparison, and findings on the size, data and joint laws, the identifiers and the beam sweeps.
 */
export function genretSummary(
  results: GenretResults,
  fits: GenretFits,
  profile: string,
  published: PublishedLaws = readPublishedLaws(),
): { findings: string[]; tables: SummaryTable[] } {
  return {
    findings: genretFindings(results, fits, profile),
    tables: [
      genretFindingsTable(results, fits, published),
      ...genretTables(results),
      ...inferenceTables(results),
    ],
  };
}
