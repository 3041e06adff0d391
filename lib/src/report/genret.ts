/**
 * The report of notebook 07 (generative retrieval, arXiv 2503.18941): CGL over sizes, data and
 * identifiers, the laws fitted to them, recall over beam sizes, and the published CGL series next
 * to ours, for `results/REPORT.md`.
 */
import type { LawFit } from "../laws/fit";
import type { PublishedLaws } from "../records/published";
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

function genretFindings(r: GenretResults, f: GenretFits, profile: string): string[] {
  const ng = r.size.filter((x) => x.method === "ngram");
  const dc = r.size.filter((x) => x.method === "docid");
  const below = ng.filter((x) => x.cgl < x.ceiling).length;
  const [b0, bN] = [r.beams[0], r.beams[r.beams.length - 1]];
  const rises = r.beams.every((p, i) => i === 0 || p.metrics.recall_100 >= r.beams[i - 1].metrics.recall_100);
  return [
    `Profile ${profile}, ${r.corpus.docs} passages, ${r.corpus.trainQueries} training queries; this run of the ` +
      `experiment took ${f.minutes.toFixed(1)} minutes (models saved by an earlier run are read back, not retrained).`,
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
    below === 0
      ? "On this profile the n-gram models did not learn to prefer the positives (CGL at or above the ceiling): " +
        "the models and the training are too small here; read the shape on mini or paper."
      : `The n-gram models learned to prefer the positives' spans (CGL under the ceiling) in ${below} of ` +
        `${ng.length} sizes.`,
  ];
}

function genretTables(r: GenretResults): SummaryTable[] {
  return [
    {
      title: "CGL of the trained generators",
      columns: ["method", "tier", "data %", "N", "training pairs", "CGL", "CGL s.e.", "CGL − ceiling"],
      rows: [...r.size, ...r.data.filter((x) => x.fraction < 1)].map((x) => [
        ...[x.method, x.tier, Math.round(x.fraction * 100), x.params, x.trainPairs],
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
 * The summary of notebook 07: the CGL of every trained generator, retrieval against beam size, and
 * findings on the size, data and joint laws, the identifiers and the beam sweep.
 */
export function genretSummary(
  results: GenretResults,
  fits: GenretFits,
  profile: string,
): { findings: string[]; tables: SummaryTable[] } {
  return { findings: genretFindings(results, fits, profile), tables: genretTables(results) };
}
