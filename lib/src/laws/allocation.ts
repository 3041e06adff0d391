/**
 * Compute allocation from a joint law (arXiv 2603.04816, compute allocation; Hoffmann et al. 2022 approach 3).
 *
 * Compute per run: C ≈ 6·N·T FLOPs for N non-embedding parameters and T training tokens
 * (forward 2NT + backward 4NT; Kaplan et al. 2020). With D in optimiser steps and a fixed number
 * of tokens per step, C = k·N·D with k = 6 × tokens per step.
 *
 * For the joint law y = a + b·N^c + d·D^e write the distance to the asymptote as
 * Δ(N, D) = |b|·N^−α + |d|·D^−β with α = −c, β = −e (the same for the Chinchilla form with
 * |b| = A, |d| = B). Minimising Δ at fixed C = k·N·D gives
 *
 *     N*(C) = G · (C/k)^(β/(α+β)),   D*(C) = (C/k) / N*,   G = (α|b| / (β|d|))^(1/(α+β)),
 *
 * so N* ∝ C^(β/(α+β)) and D* ∝ C^(α/(α+β)). Forms without this structure use a numeric search.
 */
import type { CheckpointRecord, Objective } from "../records/types";
import type { LawForm } from "./forms";
import type { LawFit } from "./fit";
import { quantile } from "./stats";
import { groupRuns } from "./protocols";

/** Training FLOPs C ≈ 6·N·tokens (Kaplan et al. 2020). */
export function trainingFlops(params: number, tokens: number): number {
  return 6 * params * tokens;
}

/** A record's compute: its `flops` when positive, else 6·params·tokens; throws if neither is known. */
export function recordFlops(r: CheckpointRecord): number {
  if (r.flops > 0) return r.flops;
  if (r.tokens > 0) return trainingFlops(r.params, r.tokens);
  throw new Error(`record ${r.tier}/${r.objective}@${r.step} has neither flops nor tokens`);
}

/** k in C = k·N·D (D = steps) for one objective: 6 × tokens per step, from the records (median over checkpoints). */
export function flopsPerParamStep(records: readonly CheckpointRecord[], objective: Objective): number {
  const ks = records
    .filter((r) => r.objective === objective && r.step > 0)
    .map((r) => recordFlops(r) / (r.params * r.step));
  if (ks.length === 0) throw new Error(`no records with steps > 0 for objective ${objective}`);
  return quantile(ks, 0.5);
}

/** The power-law structure Δ = B·N^−α + Dc·D^−β of a joint form, read from its parameters. */
export interface PowerTerms {
  /** |b| (or A). */
  B: number;
  alpha: number;
  /** |d| (or B of Chinchilla). */
  Dc: number;
  beta: number;
}

/** Power terms of a fitted joint-rising/-falling or Chinchilla law; null for other forms. */
export function powerTerms(form: LawForm, p: readonly number[]): PowerTerms | null {
  if (form.name.startsWith("joint-"))
    return { B: Math.abs(p[1]), alpha: -p[2], Dc: Math.abs(p[3]), beta: -p[4] };
  if (form.name === "chinchilla") return { B: p[1], alpha: p[2], Dc: p[3], beta: p[4] };
  return null;
}

/** Allocation exponents: N* ∝ C^n, D* ∝ C^d with n = β/(α+β), d = α/(α+β) (n + d = 1). */
export function allocationExponents(t: PowerTerms): { n: number; d: number } {
  return { n: t.beta / (t.alpha + t.beta), d: t.alpha / (t.alpha + t.beta) };
}

/** One compute-optimal point. */
export interface AllocationPoint {
  /** Compute C (FLOPs, or whatever unit k makes C = k·N·D). */
  C: number;
  N: number;
  D: number;
}

/** Closed-form N*(C), D*(C) for power terms (see the module comment). */
export function closedFormAllocation(t: PowerTerms, C: number, k: number): AllocationPoint {
  const s = t.alpha + t.beta;
  const G = Math.pow((t.alpha * t.B) / (t.beta * t.Dc), 1 / s);
  const N = G * Math.pow(C / k, t.beta / s);
  return { C, N, D: C / (k * N) };
}

/**
 * Numeric N*(C) for any law: maximise (rising) or minimise (falling) f(N, C/(kN)) over
 * log N ∈ [ln nMin, ln nMax] by a 200-point scan refined with golden-section search.
 */
export function numericAllocation(
  predict: (N: number, D: number) => number,
  C: number,
  k: number,
  options: { direction: "rising" | "falling"; nMin: number; nMax: number },
): AllocationPoint {
  const sign = options.direction === "rising" ? -1 : 1;
  const g = (ln: number) => {
    const N = Math.exp(ln);
    return sign * predict(N, C / (k * N));
  };
  const lo0 = Math.log(options.nMin),
    hi0 = Math.log(options.nMax);
  const M = 200;
  let bestI = 0,
    bestV = Infinity;
  for (let i = 0; i <= M; i++) {
    const v = g(lo0 + ((hi0 - lo0) * i) / M);
    if (v < bestV) {
      bestV = v;
      bestI = i;
    }
  }
  let a = lo0 + ((hi0 - lo0) * Math.max(bestI - 1, 0)) / M,
    b = lo0 + ((hi0 - lo0) * Math.min(bestI + 1, M)) / M;
  const r = (Math.sqrt(5) - 1) / 2;
  let x1 = b - r * (b - a),
    x2 = a + r * (b - a),
    f1 = g(x1),
    f2 = g(x2);
  for (let it = 0; it < 100 && b - a > 1e-10; it++) {
    if (f1 < f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - r * (b - a);
      f1 = g(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + r * (b - a);
      f2 = g(x2);
    }
  }
  const N = Math.exp((a + b) / 2);
  return { C, N, D: C / (k * N) };
}

/**
 * Compute-optimal allocation at each C for a fitted law: closed form for the joint and
 * Chinchilla forms, numeric otherwise (then `nRange` bounds the search, default 1e3…1e13).
 */
export function optimalAllocation(
  fit: LawFit,
  Cs: readonly number[],
  k: number,
  nRange: [number, number] = [1e3, 1e13],
): AllocationPoint[] {
  const t = powerTerms(fit.form, fit.params);
  if (t && t.alpha > 0 && t.beta > 0 && t.B > 0 && t.Dc > 0)
    return Cs.map((C) => closedFormAllocation(t, C, k));
  const direction = fit.form.name.endsWith("rising") ? "rising" : "falling";
  return Cs.map((C) =>
    numericAllocation((N, D) => fit.form.f(fit.params, [N, D]), C, k, {
      direction,
      nMin: nRange[0],
      nMax: nRange[1],
    }),
  );
}

/** Percentile bands of N*(C), D*(C) and the exponents over bootstrap replicate parameters. */
export interface AllocationBands {
  C: number[];
  N: { mid: number[]; lo: number[]; hi: number[] };
  D: { mid: number[]; lo: number[]; hi: number[] };
  exponentN: { mid: number; lo: number; hi: number };
  exponentD: { mid: number; lo: number; hi: number };
}

/**
 * Bootstrap bands for the allocation: N*(C), D*(C) and the exponents computed for every replicate
 * parameter vector (from {@link bootstrapLaw}); mid = median, bands = percentiles at `level`.
 * Replicates without valid power terms (α, β ≤ 0) are skipped.
 */
export function allocationBands(
  form: LawForm,
  replicateParams: readonly (readonly number[])[],
  Cs: readonly number[],
  k: number,
  level = 0.95,
): AllocationBands {
  const terms = replicateParams
    .map((p) => powerTerms(form, p))
    .filter((t): t is PowerTerms => !!t && t.alpha > 0 && t.beta > 0 && t.B > 0 && t.Dc > 0);
  if (terms.length === 0)
    throw new Error(`allocationBands: no replicate of ${form.name} has the power-law structure`);
  const lq = (1 - level) / 2,
    hq = 1 - lq;
  const band = (vals: number[]) => ({
    mid: quantile(vals, 0.5),
    lo: quantile(vals, lq),
    hi: quantile(vals, hq),
  });
  const Nb = Cs.map((C) => band(terms.map((t) => closedFormAllocation(t, C, k).N)));
  const Db = Cs.map((C) => band(terms.map((t) => closedFormAllocation(t, C, k).D)));
  return {
    C: Cs.slice(),
    N: { mid: Nb.map((b) => b.mid), lo: Nb.map((b) => b.lo), hi: Nb.map((b) => b.hi) },
    D: { mid: Db.map((b) => b.mid), lo: Db.map((b) => b.lo), hi: Db.map((b) => b.hi) },
    exponentN: band(terms.map((t) => allocationExponents(t).n)),
    exponentD: band(terms.map((t) => allocationExponents(t).d)),
  };
}

/** The law's prediction along an iso-FLOP line: for each N, D = C/(kN). */
export function isoFlopCurve(
  fit: LawFit,
  C: number,
  k: number,
  Ns: readonly number[],
): { N: number; D: number; y: number }[] {
  return Ns.map((N) => {
    const D = C / (k * N);
    return { N, D, y: fit.form.f(fit.params, [N, D]) };
  });
}

/** One equal-compute comparison: a smaller model trained longer vs a larger model trained shorter. */
export interface EqualComputePair {
  objective: Objective;
  small: { tier: string; params: number; step: number; value: number };
  large: { tier: string; params: number; step: number; value: number };
  /** Compute of the small model's checkpoint (the large model is read at the same compute). */
  flops: number;
  /** True when the large model's value was interpolated between two checkpoints. */
  interpolated: boolean;
  /** "small" when the smaller model is better at equal compute (higher for rising metrics, lower for falling). */
  winner: "small" | "large" | "tie";
}

/**
 * Equal-compute checkpoint pairs (arXiv 2603.04816, equal-compute comparison): for each objective and each pair of tiers
 * (smaller, larger), the smaller model's final checkpoint against the larger model at the same
 * compute — its metric interpolated linearly in compute between the two checkpoints that bracket
 * it (exact when a checkpoint matches). Pairs whose compute lies outside the larger run are skipped.
 */
export function equalComputePairs(
  records: readonly CheckpointRecord[],
  metric: string,
  direction: "rising" | "falling" = "rising",
): EqualComputePair[] {
  // Runs by objective, objectives in order of first appearance, each objective's runs by size.
  const byObjective = new Map<Objective, CheckpointRecord[][]>();
  for (const r of records)
    if (metric in r.metrics && !byObjective.has(r.objective)) byObjective.set(r.objective, []);
  for (const run of groupRuns(records, metric)) byObjective.get(run.objective)!.push(run.records);
  const out: EqualComputePair[] = [];
  for (const [objective, list] of byObjective) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const small = list[i],
          large = list[j];
        const s = small[small.length - 1];
        const C = recordFlops(s);
        const lf = large.map(recordFlops);
        if (C < lf[0] || C > lf[lf.length - 1]) continue;
        let h = 0;
        while (h < lf.length - 1 && lf[h + 1] < C) h++;
        let value: number, step: number, interpolated: boolean;
        if (lf[h] === C || h === lf.length - 1) {
          value = large[h].metrics[metric];
          step = large[h].step;
          interpolated = false;
        } else if (lf[h + 1] === C) {
          value = large[h + 1].metrics[metric];
          step = large[h + 1].step;
          interpolated = false;
        } else {
          const w = (C - lf[h]) / (lf[h + 1] - lf[h]);
          value = (1 - w) * large[h].metrics[metric] + w * large[h + 1].metrics[metric];
          step = (1 - w) * large[h].step + w * large[h + 1].step;
          interpolated = true;
        }
        const sv = s.metrics[metric];
        const better = direction === "rising" ? sv - value : value - sv;
        out.push({
          objective,
          flops: C,
          interpolated,
          small: { tier: s.tier, params: s.params, step: s.step, value: sv },
          large: { tier: large[0].tier, params: large[0].params, step, value },
          winner: better > 0 ? "small" : better < 0 ? "large" : "tie",
        });
      }
    }
  }
  return out;
}
