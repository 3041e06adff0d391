/**
 * The findings table of the generative-retrieval paper (Cai et al., arXiv 2503.18941), as the
 * reranker paper's scorecard (laws/scorecard.ts): one row per finding with the published value
 * where there is one (from lib/data/published.json), ours, and a verdict computed by the rule
 * written next to it. {@link measureGenretFindings} measures on an experiment's results;
 * {@link judgeGenretFindings} applies the rules, so they can be tested on constructed measurements.
 */
import type { FitStatus, LawFit } from "../laws/fit";
import { goodnessOfFit } from "../laws/stats";
import type { ScorecardRow, Verdict } from "../laws/scorecard";
import type { PublishedLaws } from "../records/published";
import { pairedDifference, type MeanWithError } from "./cgl";
import type { GenretModelResult } from "./experiment";
import type { GenretResults } from "./run";
import {
  beamGain,
  compareArchitectures,
  fitInferenceLaw,
  fitJointInferenceLaw,
  paramInterval,
  sweepsOf,
  type ParamInterval,
} from "./inference";

/** A fitted law as the rules read it. */
export interface FitSummary {
  status: FitStatus;
  r2: number;
}

/** Everything the rules read (see {@link measureGenretFindings}). */
export interface GenretFindingMeasurements {
  /** n-gram size sweep: the size law's fit and exponent b, and the paired CGL steps (next − previous) and total (largest − smallest). */
  size: {
    fit: FitSummary | null;
    b: ParamInterval | null;
    steps: MeanWithError[];
    total: MeanWithError | null;
  };
  /** Data sweep: the data law's fit, paired steps and total (all data − smallest fraction). */
  data: { fit: FitSummary | null; steps: MeanWithError[]; total: MeanWithError | null };
  /** Per decoder-only size: recall@100 gain from the smallest to the largest beam, and the per-size inference law. */
  inference: {
    gains: { tier: string; gain: MeanWithError }[];
    perSize: { tier: string; fit: FitSummary | null; b: ParamInterval | null }[];
    joint: { fit: FitSummary; beta: ParamInterval } | null;
  };
  /**
   * Encoder–decoder − decoder-only paired differences: CGL (> 0: decoder-only better) and
   * recall@100 at the comparison beam (< 0: decoder-only better; null without that beam).
   */
  arch: { match: string; pair: string; cgl: MeanWithError; recall: MeanWithError | null }[];
  /** CGL range (max − min) of the docid models and of the n-gram models over the same tiers. */
  docid: { tiers: string[]; docidRange: number; ngramRange: number } | null;
}

/** A row of the findings table: a scorecard row (laws/scorecard.ts) without a source column (the paper is one). */
export type GenretFindingRow = Omit<ScorecardRow, "source">;

const e2 = (v: number) => (Number.isFinite(v) ? v.toExponential(2) : "–");
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "–");
const pm = (m: MeanWithError) => `${e2(m.mean)} ± ${e2(m.stdErr)}`;
const interval = (p: ParamInterval) => `${f3(p.value)} [${f3(p.lo)}, ${f3(p.hi)}]`;
const verdictOf = (full: boolean, part: boolean): Verdict =>
  full ? "reproduced" : part ? "partly" : "not reproduced";
const range = (v: readonly number[]) => Math.max(...v) - Math.min(...v);

function steps(rs: readonly GenretModelResult[]): { steps: MeanWithError[]; total: MeanWithError | null } {
  const s = rs.slice(1).map((r, i) => pairedDifference(rs[i].cglPerQuery, r.cglPerQuery));
  const total = rs.length > 1 ? pairedDifference(rs[0].cglPerQuery, rs[rs.length - 1].cglPerQuery) : null;
  return { steps: s, total };
}

function fitSummary(fit: LawFit | null, xs: number[], ys: number[]): FitSummary | null {
  if (!fit) return null;
  return { status: fit.status, r2: goodnessOfFit(fit, { x: xs.map((x) => [x]), y: ys }).r2 };
}

/**
 * Measure every finding on an experiment's results, with the size and data laws notebook 07
 * fitted (experiment.ts fitGenretLaw); the inference laws and the architecture comparison are
 * computed here (inference.ts).
 */
export function measureGenretFindings(
  r: GenretResults,
  fits: { size: LawFit | null; data: LawFit | null },
): GenretFindingMeasurements {
  const ng = r.size.filter((x) => x.method === "ngram" && x.arch === "decoder");
  const dc = r.size.filter((x) => x.method === "docid");
  const dec = sweepsOf(r, "decoder");
  const joint = fitJointInferenceLaw(dec);
  const tiers = dc.map((x) => x.tier).filter((t) => ng.some((x) => x.tier === t));
  return {
    size: {
      fit: fitSummary(
        fits.size,
        ng.map((x) => x.params),
        ng.map((x) => x.cgl),
      ),
      b: fits.size ? paramInterval(fits.size, "b") : null,
      ...steps(ng),
    },
    data: {
      fit: fitSummary(
        fits.data,
        r.data.map((x) => x.trainPairs),
        r.data.map((x) => x.cgl),
      ),
      ...steps(r.data),
    },
    inference: {
      gains: dec.flatMap((s) => {
        const g = beamGain(s);
        return g ? [{ tier: s.tier, gain: g }] : [];
      }),
      perSize: dec.map((s) => {
        const f = fitInferenceLaw(s);
        return { tier: s.tier, fit: f.fit ? { status: f.fit.status, r2: f.r2 } : null, b: f.b };
      }),
      joint: joint ? { fit: { status: joint.fit.status, r2: joint.r2 }, beta: joint.beta } : null,
    },
    arch: compareArchitectures(r).map((c) => ({
      match: c.match,
      pair: `${c.encoderDecoder} vs ${c.decoderOnly}`,
      cgl: c.cgl,
      recall: c.recall,
    })),
    docid:
      tiers.length >= 2
        ? {
            tiers,
            docidRange: range(dc.filter((x) => tiers.includes(x.tier)).map((x) => x.cgl)),
            ngramRange: range(ng.filter((x) => tiers.includes(x.tier)).map((x) => x.cgl)),
          }
        : null,
  };
}

/** The published side of each row, from published.json (values computed, not typed in). */
export function publishedGenretFindings(p: PublishedLaws): Record<string, string> {
  const s = p.cglSeries,
    refit = p.cglRefit as { minderT5: { b: number; r2: number }; minderT5AuthorsScript: { b: number } };
  const last = (v: readonly number[]) => v[v.length - 1];
  const span = (x: readonly number[]) => (last(x) / x[0]).toFixed(0);
  return {
    "size-law": `MINDER-T5, ${s.minderT5.cgl.length} sizes: CGL ${s.minderT5.cgl[0]} → ${last(s.minderT5.cgl)}; (a/N)^b + c refit R² = ${refit.minderT5.r2}`,
    "data-law": `MINDER-LLaMA-7B, ${s.minderLlama7bData.cgl.length} fractions: CGL ${s.minderLlama7bData.cgl[0]} → ${last(s.minderLlama7bData.cgl)}`,
    "size-exponent": `b = ${refit.minderT5.b} (refit of MINDER-T5; the authors' script: ${refit.minderT5AuthorsScript.b})`,
    "inference-helps":
      "more inference compute gives substantial gains (abstract); beams 1–100 in HongruCai/SLGR",
    "inference-law": "claimed (abstract); no fitted inference law in the stored text or the authors' scripts",
    "decoder-better": `LLaMA-7B CGL ${s.minderLlama.cgl[0]} below T5-11B ${last(s.minderT5.cgl)} (LLaMA better at every setting)`,
    "docid-flat": `RIPOR-T5 CGL range ${e2(range(s.riporT5.cgl))} against MINDER-T5 ${e2(range(s.minderT5.cgl))} over ${span(s.riporT5.x)}× in N`,
  };
}

const CLAIMS: Record<string, string> = {
  "size-law": "n-gram CGL follows a size law (a/N)^b + c",
  "data-law": "n-gram CGL follows a data law: it falls with training data",
  "size-exponent": "the size exponent b is about 0.40",
  "inference-helps": "more inference compute (a wider beam) improves retrieval",
  "inference-law": "retrieval quality follows a law in inference compute",
  "decoder-better": "decoder-only beats encoder–decoder",
  "docid-flat": "docid CGL stays flat with size while n-gram CGL scales",
};

function sizeRows(m: GenretFindingMeasurements): Omit<GenretFindingRow, "claim" | "published">[] {
  const { size, data } = m;
  const fitText = (f: FitSummary | null) => (f ? `fit ${f.status}, R² ${f3(f.r2)}` : "no fit");
  const falling = (s: MeanWithError[]) => s.length > 0 && s.every((x) => x.mean < 0);
  const clear = (t: MeanWithError | null) => !!t && t.mean < -2 * t.stdErr;
  const b = size.b;
  return [
    {
      id: "size-law",
      ours: `${fitText(size.fit)}; paired steps ${size.steps.map(pm).join(", ")}`,
      verdict: verdictOf(
        !!size.fit && size.fit.status === "ok" && size.fit.r2 >= 0.9 && falling(size.steps),
        clear(size.total),
      ),
      rule: "reproduced: fit ok, R² ≥ 0.90 and CGL lower at every larger size; partly: largest below smallest by > 2 s.e. (paired)",
    },
    {
      id: "data-law",
      ours: `${fitText(data.fit)}; paired steps ${data.steps.map(pm).join(", ")}`,
      verdict: verdictOf(!!data.fit && data.fit.status === "ok" && falling(data.steps), clear(data.total)),
      rule: "reproduced: fit ok and CGL lower at every larger fraction; partly: all data below the smallest fraction by > 2 s.e.",
    },
    {
      id: "size-exponent",
      ours: b
        ? `b = ${interval(b)}${size.fit && size.fit.status !== "ok" ? ` (${size.fit.status})` : ""}`
        : "no fit",
      verdict: verdictOf(
        !!b && size.fit?.status === "ok" && b.lo <= 0.4 && 0.4 <= b.hi,
        !!b && b.value >= 0.2 && b.value <= 0.8,
      ),
      rule: "reproduced: fit ok and 0.40 inside the 95 % interval of b; partly: b within a factor 2 of 0.40",
    },
  ];
}

function inferenceRows(m: GenretFindingMeasurements): Omit<GenretFindingRow, "claim" | "published">[] {
  const { gains, perSize, joint } = m.inference;
  const clear = gains.filter((g) => g.gain.mean > 2 * g.gain.stdErr).length;
  const positive = gains.filter((g) => g.gain.mean > 0).length;
  const sizeOk = perSize.filter((s) => s.fit && s.b && s.b.value > 0 && s.fit.r2 >= 0.8).length;
  return [
    {
      id: "inference-helps",
      ours: `recall@100 gain, smallest → largest beam: ${gains.map((g) => `${g.tier} ${pm(g.gain)}`).join(", ")}`,
      verdict: verdictOf(gains.length > 0 && clear === gains.length, positive > gains.length / 2),
      rule: "reproduced: every size gains by > 2 s.e. (paired over queries); partly: most sizes gain",
    },
    {
      id: "inference-law",
      ours:
        (joint
          ? `ε(N, C) = E + A/N^α + B/C^β: β = ${interval(joint.beta)}, R² ${f3(joint.fit.r2)}, ${joint.fit.status}; `
          : "no joint law; ") +
        `per size b: ${perSize.map((s) => `${s.tier} ${s.b ? f3(s.b.value) : "–"}`).join(", ")}`,
      verdict: verdictOf(
        !!joint && joint.fit.status === "ok" && joint.beta.lo > 0 && joint.fit.r2 >= 0.9,
        perSize.length > 0 && sizeOk === perSize.length,
      ),
      rule: "reproduced: joint law ok, β's interval above 0, R² ≥ 0.90; partly: every size's law has b > 0 and R² ≥ 0.80",
    },
  ];
}

function comparisonRows(m: GenretFindingMeasurements): Omit<GenretFindingRow, "claim" | "published">[] {
  const a = m.arch;
  const better = a.filter((c) => c.cgl.mean > 0).length;
  const clear = a.filter((c) => c.cgl.mean > 2 * c.cgl.stdErr).length;
  const recallBetter = a.filter((c) => c.recall && c.recall.mean < 0).length;
  const recallText = (c: (typeof a)[number]) => (c.recall ? `, Δrecall@100 ${pm(c.recall)}` : "");
  const d = m.docid;
  const ratio = d ? d.docidRange / d.ngramRange : NaN;
  return [
    {
      id: "decoder-better",
      ours: a.length
        ? `enc–dec − dec-only: ${a.map((c) => `${c.pair} (${c.match}) ΔCGL ${pm(c.cgl)}${recallText(c)}`).join("; ")}`
        : "no encoder–decoder models",
      verdict: verdictOf(
        a.length > 0 && better === a.length && clear > a.length / 2,
        better > a.length / 2 || recallBetter > a.length / 2,
      ),
      rule:
        "reproduced: decoder-only lower CGL in every comparison, by > 2 s.e. in most; partly: decoder-only " +
        "better in most comparisons on CGL or on recall@100",
    },
    {
      id: "docid-flat",
      ours: d
        ? `docid range ${e2(d.docidRange)} against n-gram ${e2(d.ngramRange)} over ${d.tiers.join(", ")} (ratio ${f3(ratio)})`
        : "fewer than 2 docid sizes",
      verdict: verdictOf(!!d && ratio <= 0.25, !!d && ratio <= 0.5),
      rule: "reproduced: docid CGL range ≤ 0.25 × the n-gram range over the same sizes; partly: ≤ 0.5 ×",
    },
  ];
}

/** Apply the rules (each row's `rule`) to measurements, with the published side from `published`. */
export function judgeGenretFindings(
  m: GenretFindingMeasurements,
  published: Record<string, string>,
): GenretFindingRow[] {
  return [...sizeRows(m), ...inferenceRows(m), ...comparisonRows(m)].map((r) => ({
    id: r.id,
    claim: CLAIMS[r.id],
    published: published[r.id] ?? "–",
    ours: r.ours,
    verdict: r.verdict,
    rule: r.rule,
  }));
}
