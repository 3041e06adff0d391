/**
 * Inference scaling of generative retrieval (arXiv 2503.18941: more inference compute — a wider
 * FM-index-constrained beam — helps, and scales like the training axes): laws of retrieval error
 * in inference FLOPs per query, the iso-budget trade-off between model size and beam, and the
 * decoder-only against encoder–decoder comparison at matched size and matched training compute.
 *
 * Inference compute C is counted per query with a key/value cache (decoder.ts genInferenceFlops):
 * the query once, then one generated token per scored hypothesis and step. The quality measure is
 * the retrieval error ε = 1 − recall@k; the laws are the paper's form ε(C) = (a/C)^b + c per model
 * size (laws/forms inversePowerLaw: c is the error no beam removes) and, across sizes, the
 * Chinchilla form ε(N, C) = E + A/N^α + B/C^β (laws/forms chinchillaLaw with C in place of D),
 * fitted with the laws module's multi-start least squares; intervals are t-quantile × standard
 * error of the fit's covariance.
 */
import { fitLaw, type LawFit } from "../laws/fit";
import { chinchillaLaw, inversePowerLaw } from "../laws/forms";
import { goodnessOfFit } from "../laws/stats";
import { studentTQuantile } from "../util/special";
import { pairedDifference, type MeanWithError } from "./cgl";
import type { GenretModelResult } from "./experiment";
import type { GenretResults, InferenceSweep } from "./run";

/** A parameter with its 95 % interval (estimate ± t_{0.975, n−p} · standard error; NaN bounds without a covariance). */
export interface ParamInterval {
  value: number;
  lo: number;
  hi: number;
}

/** The 95 % interval of parameter `name` of a fit. */
export function paramInterval(fit: LawFit, name: string, level = 0.95): ParamInterval {
  const j = fit.form.params.indexOf(name);
  if (j < 0) throw new RangeError(`the ${fit.form.name} law has no parameter ${name}`);
  const value = fit.params[j],
    se = fit.stderr[j];
  const dof = fit.n - fit.params.length;
  if (!(dof > 0 && Number.isFinite(se))) return { value, lo: NaN, hi: NaN };
  const q = studentTQuantile((1 + level) / 2, dof);
  return { value, lo: value - q * se, hi: value + q * se };
}

/** Retrieval error ε = 1 − mean(measure) at each beam of a sweep, against inference FLOPs per query. */
export function inferenceErrors(
  sweep: InferenceSweep,
  measure = "recall_100",
): { beam: number; C: number; error: number }[] {
  return sweep.points.map((p) => ({ beam: p.beam, C: p.flopsPerQuery, error: 1 - p.metrics[measure] }));
}

/** One model size's inference law ε(C) = (a/C)^b + c, with the exponent's interval and R². */
export interface InferenceLawFit {
  tier: string;
  params: number;
  fit: LawFit | null;
  b: ParamInterval | null;
  r2: number;
}

/**
 * Fit ε(C) = (a/C)^b + c to one sweep (needs ≥ 4 beams: three parameters). b > 0 means more
 * inference compute lowers the error; c is the error no beam removes.
 */
export function fitInferenceLaw(sweep: InferenceSweep, measure = "recall_100"): InferenceLawFit {
  const pts = inferenceErrors(sweep, measure);
  if (pts.length < 4) return { tier: sweep.tier, params: sweep.params, fit: null, b: null, r2: NaN };
  const data = { x: pts.map((p) => [p.C]), y: pts.map((p) => p.error) };
  const fit = fitLaw(inversePowerLaw(), data, { starts: 50 });
  return {
    tier: sweep.tier,
    params: sweep.params,
    fit,
    b: paramInterval(fit, "b"),
    r2: goodnessOfFit(fit, data).r2,
  };
}

/** The joint law ε(N, C) = E + A/N^α + B/C^β over several sizes, with α's and β's intervals and R². */
export interface JointInferenceLaw {
  fit: LawFit;
  alpha: ParamInterval;
  beta: ParamInterval;
  r2: number;
}

/** Fit ε(N, C) = E + A/N^α + B/C^β to the sweeps of several sizes (null below 6 points). */
export function fitJointInferenceLaw(
  sweeps: readonly InferenceSweep[],
  measure = "recall_100",
): JointInferenceLaw | null {
  const x: number[][] = [],
    y: number[] = [];
  for (const s of sweeps)
    for (const p of inferenceErrors(s, measure)) {
      x.push([s.params, p.C]);
      y.push(p.error);
    }
  if (y.length < 6 || sweeps.length < 2) return null;
  const data = { x, y };
  const fit = fitLaw(chinchillaLaw(), data, { starts: 50 });
  return {
    fit,
    alpha: paramInterval(fit, "alpha"),
    beta: paramInterval(fit, "beta"),
    r2: goodnessOfFit(fit, data).r2,
  };
}

/** One (model, beam) choice with its total compute: training + `queries` × inference per query. */
export interface BudgetPoint {
  tier: string;
  params: number;
  beam: number;
  trainFlops: number;
  flopsPerQuery: number;
  total: number;
  /** The quality measure (mean over the retrieval queries). */
  value: number;
}

/** Every (model, beam) of the sweeps as a {@link BudgetPoint}: total = C_train + Q · C_query. */
export function budgetPoints(
  sweeps: readonly InferenceSweep[],
  queries: number,
  measure = "recall_100",
): BudgetPoint[] {
  return sweeps.flatMap((s) =>
    s.points.map((p) => ({
      tier: s.tier,
      params: s.params,
      beam: p.beam,
      trainFlops: s.trainFlops,
      flopsPerQuery: p.flopsPerQuery,
      total: s.trainFlops + queries * p.flopsPerQuery,
      value: p.metrics[measure],
    })),
  );
}

/**
 * The iso-budget frontier: the choices no cheaper choice beats — sorted by total compute, each
 * kept when its quality exceeds every cheaper one's. At any budget the best choice is the last
 * frontier point within it.
 */
export function budgetFrontier(points: readonly BudgetPoint[]): BudgetPoint[] {
  const sorted = [...points].sort((a, b) => a.total - b.total || b.value - a.value);
  const out: BudgetPoint[] = [];
  for (const p of sorted) if (out.length === 0 || p.value > out[out.length - 1].value) out.push(p);
  return out;
}

/** The best choice within each budget (null when nothing fits), from {@link budgetFrontier}. */
export function bestWithinBudgets(
  points: readonly BudgetPoint[],
  budgets: readonly number[],
): { budget: number; best: BudgetPoint | null }[] {
  const f = budgetFrontier(points);
  return budgets.map((budget) => {
    const within = f.filter((p) => p.total <= budget);
    return { budget, best: within.length ? within[within.length - 1] : null };
  });
}

/** `count` budgets spaced evenly in log between the cheapest and the dearest total of the points. */
export function budgetGrid(points: readonly BudgetPoint[], count = 6): number[] {
  const t = points.map((p) => p.total);
  const [lo, hi] = [Math.log(Math.min(...t)), Math.log(Math.max(...t))];
  return Array.from({ length: count }, (_, i) => Math.exp(lo + ((hi - lo) * i) / Math.max(1, count - 1)));
}

/** One decoder-only against encoder–decoder comparison (differences: encoder–decoder − decoder-only). */
export interface ArchComparison {
  match: "N" | "training FLOPs";
  encoderDecoder: string;
  /** The decoder-only tier (matched N) or the two tiers interpolated between (matched FLOPs). */
  decoderOnly: string;
  encN: number;
  decN: number;
  encFlops: number;
  decFlops: number;
  /** Paired CGL difference over the CGL queries: > 0 means the decoder-only model is better. */
  cgl: MeanWithError;
  /** Paired recall@100 difference at `beam` over the retrieval queries: < 0 means the decoder-only model is better; null without that beam. */
  recall: MeanWithError | null;
  beam: number;
}

/** Per-query values of two models mixed linearly: (1 − w)·a + w·b. */
function mix(a: readonly number[], b: readonly number[], w: number): number[] {
  return a.map((v, i) => (1 - w) * v + w * b[i]);
}

function recallPerQuery(r: GenretResults, tier: string, beam: number): number[] | null {
  const s = r.inference.find((x) => x.tier === tier);
  return s?.points.find((p) => p.beam === beam)?.perQuery.recall_100 ?? null;
}

/**
 * Compare every encoder–decoder model with the decoder-only n-gram models (arXiv 2503.18941: LLaMA
 * better than T5 at every setting), query by query on the same CGL queries, negatives and
 * identifiers and the same retrieval queries:
 *  - matched N: against the decoder-only tier of nearest non-embedding parameter count;
 *  - matched training FLOPs: against the decoder-only per-query values interpolated linearly in
 *    log training FLOPs between the two tiers that bracket the encoder–decoder's (skipped when
 *    outside their range).
 * Recall is compared at `beam` (the encoder–decoder's first retrieval beam by default).
 */
export function compareArchitectures(r: GenretResults, beam = r.config.encdecBeams[0]): ArchComparison[] {
  const dec = r.size
    .filter((x) => x.method === "ngram" && x.arch === "decoder")
    .sort((a, b) => a.params - b.params);
  const out: ArchComparison[] = [];
  const diff = (a: readonly number[] | null, b: readonly number[] | null) =>
    a && b ? pairedDifference(b, a) : null;
  for (const e of r.encdec) {
    const near = [...dec].sort(
      (a, b) => Math.abs(Math.log(a.params / e.params)) - Math.abs(Math.log(b.params / e.params)),
    )[0];
    if (!near) continue;
    const eRecall = recallPerQuery(r, e.tier, beam);
    out.push({
      match: "N",
      encoderDecoder: e.tier,
      decoderOnly: near.tier,
      encN: e.params,
      decN: near.params,
      encFlops: e.trainFlops,
      decFlops: near.trainFlops,
      cgl: diff(e.cglPerQuery, near.cglPerQuery)!,
      recall: diff(eRecall, recallPerQuery(r, near.tier, beam)),
      beam,
    });
    const i = dec.findIndex(
      (d, k) => k + 1 < dec.length && d.trainFlops <= e.trainFlops && e.trainFlops <= dec[k + 1].trainFlops,
    );
    if (i < 0) continue;
    const [lo, hi] = [dec[i], dec[i + 1]];
    const w = Math.log(e.trainFlops / lo.trainFlops) / Math.log(hi.trainFlops / lo.trainFlops);
    const rl = recallPerQuery(r, lo.tier, beam),
      rh = recallPerQuery(r, hi.tier, beam);
    out.push({
      match: "training FLOPs",
      encoderDecoder: e.tier,
      decoderOnly: `${lo.tier}–${hi.tier} (w = ${w.toFixed(2)})`,
      encN: e.params,
      decN: Math.exp((1 - w) * Math.log(lo.params) + w * Math.log(hi.params)),
      encFlops: e.trainFlops,
      decFlops: e.trainFlops,
      cgl: diff(e.cglPerQuery, mix(lo.cglPerQuery, hi.cglPerQuery, w))!,
      recall: rl && rh ? diff(eRecall, mix(rl, rh, w)) : null,
      beam,
    });
  }
  return out;
}

/** Recall@100 gain from the smallest to the largest beam of a sweep, paired over the retrieval queries. */
export function beamGain(sweep: InferenceSweep): MeanWithError | null {
  const [first, last] = [sweep.points[0], sweep.points[sweep.points.length - 1]];
  if (!first || first === last) return null;
  return pairedDifference(first.perQuery.recall_100, last.perQuery.recall_100);
}

/** The models of a result set that have a sweep of one architecture, smallest first. */
export function sweepsOf(r: GenretResults, arch: GenretModelResult["arch"]): InferenceSweep[] {
  return r.inference.filter((s) => s.arch === arch).sort((a, b) => a.params - b.params);
}
