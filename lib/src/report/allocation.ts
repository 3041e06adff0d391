/**
 * The tables of notebook 06 (compute allocation and equal-compute checkpoints, arXiv 2603.04816):
 * the allocation implied by the published joint NDCG@10 fits, the allocation of the fitted laws,
 * a sentence per objective, and the summary for `results/REPORT.md`.
 */
import type { Objective } from "../records/types";
import { jointPowerLaw } from "../laws/forms";
import { allocationExponents, powerTerms, type EqualComputePair } from "../laws/allocation";
import type { AllocationFit } from "../laws/lawfits";
import type { PublishedLaws } from "../records/published";
import { metricLabel } from "../plots/laws";
import type { LawStudy } from "./lawstudy";
import type { SummaryTable } from "./summary";

type Cell = string | number | null;
const OBJECTIVES: Objective[] = ["listwise", "pairwise", "pointwise"];

/** The published joint NDCG@10 parameters of one objective as a parameter vector [a, b, c, d, e]. */
function publishedVector(published: PublishedLaws, o: Objective): number[] {
  const p = published.rerankerJointNdcg10[o];
  return [p.a, p.b, p.c, p.d, p.e];
}

/**
 * Per objective, the allocation exponents implied by the published joint NDCG@10 parameters
 * (α = −c, β = −e; N* ∝ C^(β/(α+β)), D* ∝ C^(α/(α+β))) next to the reference values carried in
 * `published.rerankerAllocationExponents`.
 */
export function publishedAllocationRows(published: PublishedLaws): Record<string, unknown>[] {
  return OBJECTIVES.map((o) => {
    const t = powerTerms(jointPowerLaw("rising"), publishedVector(published, o))!;
    const ex = allocationExponents(t);
    const ref = published.rerankerAllocationExponents[o];
    return {
      objective: o,
      "α = −c": t.alpha,
      "β = −e": t.beta,
      "N* exponent β/(α+β)": ex.n,
      "D* exponent α/(α+β)": ex.d,
      "reference N*": ref.n,
      "reference D*": ref.d,
    };
  });
}

/** The published law at the equal-compute points (68M late against 400M early), with the reference values. */
export function publishedEqualComputeRows(published: PublishedLaws): Record<string, unknown>[] {
  const eq = published.rerankerEqualCompute;
  const form = jointPowerLaw("rising");
  return OBJECTIVES.map((o) => {
    const v = publishedVector(published, o);
    return {
      objective: o,
      [`68M @ ${eq.small.step}`]: form.f(v, [eq.small.params, eq.small.step]),
      [`400M @ ${eq.large.step}`]: form.f(v, [eq.large.params, eq.large.step]),
      "reference (small)": eq[o].small,
      "reference (large)": eq[o].large,
    };
  });
}

/** The N* exponent of the synthetic truth, when the records are synthetic and carry the metric; else null. */
export function trueNExponent(study: LawStudy, metric: string, objective: Objective): number | null {
  const cfg = study.config;
  if (!study.synthetic || !cfg || !(metric in cfg.metrics)) return null;
  const p = cfg.metrics[metric].laws[objective];
  return -p[4] / (-p[2] - p[4]);
}

/**
 * One sentence per objective: D* and N* exponents with the bootstrap band, data- or model-heavy,
 * how many equal-compute pairs the smaller model wins, and a caution when the fit is flagged.
 */
export function allocationVerdicts(
  allocs: readonly AllocationFit[],
  pairs: readonly EqualComputePair[],
): string[] {
  return allocs.map((a) => {
    const ex = a.exponents;
    const band = a.bands.exponentD;
    const ps = pairs.filter((p) => p.objective === a.objective);
    const small = ps.filter((p) => p.winner === "small").length;
    const heavy = ex ? (ex.d > 0.5 ? "data-heavy" : "model-heavy") : "undetermined";
    const caveat =
      a.fit.status === "ok"
        ? ""
        : ` Caution: the joint fit is flagged \`${a.fit.status}\` (${a.fit.warnings.join("; ")}), so the ` +
          "exponents rest on a law whose asymptote the data do not pin down.";
    return (
      `**${a.objective}**: D* ∝ C^${ex ? ex.d.toFixed(2) : "?"} (95% band ${band.lo.toFixed(2)}–` +
      `${band.hi.toFixed(2)}), N* ∝ C^${ex ? ex.n.toFixed(2) : "?"} — ${heavy}; the smaller model wins ` +
      `${small} of ${ps.length} equal-compute pairs.${caveat}`
    );
  });
}

/** What notebook 06 computed. */
export interface AllocationResults {
  metric: string;
  allocs: readonly AllocationFit[];
  pairs: readonly EqualComputePair[];
  replicates: number;
}

function exponentTable(study: LawStudy, r: AllocationResults): SummaryTable {
  const withTruth = trueNExponent(study, r.metric, r.allocs[0]?.objective ?? "listwise") !== null;
  const rows = r.allocs.map((a) => {
    const t = powerTerms(a.fit.form, a.fit.params);
    const b = a.bands;
    const row: Cell[] = [a.objective, t ? t.alpha : null, t ? t.beta : null, a.exponents?.n ?? null];
    row.push(b.exponentN.lo, b.exponentN.hi, a.exponents?.d ?? null, b.exponentD.lo, b.exponentD.hi);
    row.push(a.k, a.fit.status);
    if (withTruth) row.push(trueNExponent(study, r.metric, a.objective));
    return row;
  });
  return {
    title:
      `Compute-optimal exponents from the fitted joint law (${metricLabel(r.metric)}): N* ∝ C^(β/(α+β)), ` +
      `D* ∝ C^(α/(α+β)), bootstrap ${r.replicates} replicates`,
    columns: [
      ...["objective", "α = −c", "β = −e", "N* exponent", "N* 95% lo", "N* 95% hi"],
      ...["D* exponent", "D* 95% lo", "D* 95% hi", "k = 6·tokens/step", "fit status"],
      ...(withTruth ? ["true N* exponent"] : []),
    ],
    rows,
    digits: 3,
  };
}

function allocationTables(study: LawStudy, r: AllocationResults, published: PublishedLaws): SummaryTable[] {
  const m = r.metric;
  return [
    exponentTable(study, r),
    {
      title: "Allocation exponents implied by the published joint NDCG@10 parameters",
      columns: ["objective", "c", "e", "N* exponent", "D* exponent"],
      rows: publishedAllocationRows(published).map((p) => {
        const v = published.rerankerJointNdcg10[p.objective as Objective];
        return [p.objective, v.c, v.e, p["N* exponent β/(α+β)"], p["D* exponent α/(α+β)"]] as Cell[];
      }),
      digits: 3,
    },
    {
      title:
        `Equal-compute comparison (${metricLabel(m)}): the smaller model's last checkpoint against the ` +
        "larger model at the same training FLOPs",
      columns: [
        ...["objective", "smaller", "step", "larger", "step (at equal compute)", "compute (FLOPs)"],
        ...[`${m} smaller`, `${m} larger`, "winner", "interpolated"],
      ],
      rows: r.pairs.map((p) => [
        ...[p.objective, p.small.tier, p.small.step, p.large.tier, p.large.step, p.flops],
        ...[p.small.value, p.large.value, p.winner, p.interpolated ? "yes" : "no"],
      ]),
    },
    {
      title: "Equal-compute wins per objective",
      columns: ["objective", "pairs", "smaller wins", "larger wins"],
      rows: study.objectives.map((o) => {
        const ps = r.pairs.filter((p) => p.objective === o);
        const wins = (w: string) => ps.filter((p) => p.winner === w).length;
        return [o, ps.length, wins("small"), wins("large")];
      }),
    },
  ];
}

function allocationFindings(study: LawStudy, r: AllocationResults, published: PublishedLaws): string[] {
  const pub = publishedAllocationRows(published).map(
    (p) => `${p.objective} ${(p["D* exponent α/(α+β)"] as number).toFixed(2)}`,
  );
  const fitted = r.allocs.map((a) => {
    const d = a.exponents ? a.exponents.d.toFixed(2) : "?";
    return `${a.objective} D* ∝ C^${d} (95% ${a.bands.exponentD.lo.toFixed(2)}–${a.bands.exponentD.hi.toFixed(2)})`;
  });
  const small = r.pairs.filter((p) => p.winner === "small").length;
  const perObjective = study.objectives.map((o) => {
    const ps = r.pairs.filter((p) => p.objective === o);
    return `${o} ${ps.filter((p) => p.winner === "small").length} of ${ps.length}`;
  });
  return [
    `The published joint NDCG@10 parameters imply D* ∝ C^x with x = ${pub.join(", ")}: data-heavy for every ` +
      "objective, most for pointwise.",
    `On our ${study.synthetic ? "synthetic" : "training"} records (${metricLabel(r.metric)}), the fitted joint ` +
      `law gives ${fitted.join(", ")}.`,
    `Smaller models trained longer win ${small} of ${r.pairs.length} equal-compute comparisons ` +
      `(${((100 * small) / Math.max(r.pairs.length, 1)).toFixed(0)}%); ${perObjective.join(", ")}.`,
    "The data axis is exposure within one epoch; allocations far beyond it are extrapolations of the law, " +
      "not measurements.",
  ];
}

/**
 * The summary of notebook 06: the fitted allocation exponents with bootstrap bands, those implied
 * by the published joint NDCG@10 fits, the equal-compute pairs and the wins per objective.
 */
export function allocationSummary(
  study: LawStudy,
  results: AllocationResults,
  published: PublishedLaws,
): { findings: string[]; tables: SummaryTable[] } {
  return {
    findings: allocationFindings(study, results, published),
    tables: allocationTables(study, results, published),
  };
}
