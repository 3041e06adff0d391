/**
 * Synthetic checkpoint records drawn from a known joint law with seeded Gaussian noise, so the
 * scaling-law notebooks run — and can be checked against the truth — before real training
 * records exist. Every metric m of every objective follows
 *
 *     m(N, D) = a + b·N^c + d·D^e + ε,   ε ~ Normal(0, σ_m²) independently per checkpoint,
 *
 * with N = non-embedding parameters and D = optimiser step (the reranker paper's joint law,
 * rahulseetharaman/cross-encoder-scaling, joint_scaling.py). The default truth for NDCG@10 is the paper authors' published joint fit
 * (rahulseetharaman/cross-encoder-scaling, joint_scaling_plots/joint_scaling_report.md); the other metrics are made-up laws of plausible size, labelled so.
 */
import { createRng, deriveSeed } from "../util/rng";
import type { CheckpointRecord, Objective } from "./types";
import { readPublishedLaws } from "./published";

/** Joint-law parameters [a, b, c, d, e] of m = a + b·N^c + d·D^e. */
export type JointParams = readonly [number, number, number, number, number];

/** A synthetic metric: its true law per objective and its noise level. */
export interface SyntheticMetric {
  /** True joint-law parameters per objective. */
  laws: Readonly<Record<Objective, JointParams>>;
  /** Noise standard deviation σ (absolute, metric units). */
  sd: number;
}

/** Configuration of {@link syntheticRecords}; every field has a commented default in {@link DEFAULT_SYNTHETIC}. */
export interface SyntheticConfig {
  seed: number;
  /** Size tiers: name and non-embedding parameter count. */
  tiers: readonly { name: string; params: number }[];
  objectives: readonly Objective[];
  /** Checkpoint steps (the same for every run). */
  steps: readonly number[];
  metrics: Readonly<Record<string, SyntheticMetric>>;
  /** Training pairs per optimiser step by objective. */
  pairsPerStep: Readonly<Record<Objective, number>>;
  /** Tokens per (query, passage) pair. */
  tokensPerPair: number;
  profile: string;
  evalSet: string;
}

/** Evaluate the joint law a + b·N^c + d·D^e. */
export function jointLawValue(p: JointParams, N: number, D: number): number {
  return p[0] + p[1] * Math.pow(N, p[2]) + p[3] * Math.pow(D, p[4]);
}

/** Checkpoint steps lo, lo+every, …, ≤ hi. */
export function stepGrid(lo: number, hi: number, every: number): number[] {
  const out: number[] = [];
  for (let s = lo; s <= hi + 1e-9; s += every) out.push(s);
  return out;
}

/** The published joint NDCG@10 parameters per objective (lib/data/published.json, rerankerJointNdcg10), read on first use. */
let publishedNdcg10: Record<Objective, JointParams> | null = null;
function published(): Record<Objective, JointParams> {
  if (!publishedNdcg10) {
    const p = readPublishedLaws().rerankerJointNdcg10;
    const v = (o: Objective): JointParams => [p[o].a, p[o].b, p[o].c, p[o].d, p[o].e];
    publishedNdcg10 = { listwise: v("listwise"), pairwise: v("pairwise"), pointwise: v("pointwise") };
  }
  return publishedNdcg10;
}

/** A law scaled by `k` in a, b and d (the exponents kept): k·m(N, D). */
function scaledLaws(laws: Record<Objective, JointParams>, k: number): Record<Objective, JointParams> {
  const scale = ([a, b, c, d, e]: JointParams): JointParams => [a * k, b * k, c, d * k, e];
  return { listwise: scale(laws.listwise), pairwise: scale(laws.pairwise), pointwise: scale(laws.pointwise) };
}

/**
 * Default synthetic setup (nanoGPT-style commented defaults):
 * - tiers: the paper's six nominal sizes 17M…1B (arXiv 2603.04816);
 * - steps: every 250 steps from 250 to 5,000 (the paper checkpoints every 100 to ≈5,000; we start
 *   at 250 because the published law goes negative for 17M earlier than that);
 * - `ndcg@10`: the published joint NDCG@10 parameters (arXiv 2603.04816; `rerankerJointNdcg10` of
 *   lib/data/published.json, from rahulseetharaman/cross-encoder-scaling), σ = 0.004 (the spread of
 *   the paper's last-10-checkpoint NDCG@10, 0.002–0.006 in rahulseetharaman/cross-encoder-scaling);
 * - `map`: NDCG@10's law scaled by 0.86 (made up; the paper's MAP ≈ 0.86 × NDCG@10 at 1B), σ = 0.004;
 * - `ce@64`: a made-up falling law (CE near ln 64 ≈ 4.16 early, ≈ 3.7 late), σ = 0.01;
 * - batch: 128 pairs per step pointwise, 176 (16 queries × 11) pairwise/listwise (arXiv 2603.04816, training setup);
 * - 128 tokens per pair (an assumption; the paper's max length is unknown).
 */
export const DEFAULT_SYNTHETIC: SyntheticConfig = {
  seed: 2026,
  tiers: [
    { name: "17m", params: 17e6 },
    { name: "32m", params: 32e6 },
    { name: "68m", params: 68e6 },
    { name: "150m", params: 150e6 },
    { name: "400m", params: 400e6 },
    { name: "1b", params: 1e9 },
  ],
  objectives: ["pointwise", "pairwise", "listwise"],
  steps: stepGrid(250, 5000, 250),
  // a getter, so that the published numbers are read when a default is used, not when the module loads
  get metrics(): Record<string, SyntheticMetric> {
    return {
      "ndcg@10": { laws: published(), sd: 0.004 },
      map: { laws: scaledLaws(published(), 0.86), sd: 0.004 },
      "ce@64": {
        laws: {
          listwise: [3.6, 2.7e7, -1.1, 3.2, -0.4],
          pairwise: [3.4, 3.0e7, -1.1, 4.0, -0.45],
          pointwise: [3.85, 1.5e7, -1.05, 1.5, -0.3],
        },
        sd: 0.01,
      },
    };
  },
  pairsPerStep: { pointwise: 128, pairwise: 176, listwise: 176 },
  tokensPerPair: 128,
  profile: "synthetic",
  evalSet: "synthetic",
};

/**
 * Generate one record per (tier, objective, step) from the configured laws plus noise. Noise is
 * drawn from `createRng(deriveSeed(seed, "<tier>/<objective>"))`, so each run's stream is
 * independent of the others and of their order. flops = 6 · N · tokens (C ≈ 6ND).
 */
export function syntheticRecords(config: Partial<SyntheticConfig> = {}): CheckpointRecord[] {
  const c: SyntheticConfig = { ...DEFAULT_SYNTHETIC, ...config };
  const out: CheckpointRecord[] = [];
  const metricNames = Object.keys(c.metrics);
  for (const tier of c.tiers) {
    for (const objective of c.objectives) {
      const rng = createRng(deriveSeed(c.seed, `${tier.name}/${objective}`));
      for (const step of c.steps) {
        const examples = step * c.pairsPerStep[objective];
        const tokens = examples * c.tokensPerPair;
        const metrics: Record<string, number> = {};
        for (const m of metricNames) {
          const spec = c.metrics[m];
          metrics[m] = jointLawValue(spec.laws[objective], tier.params, step) + spec.sd * rng.normal();
        }
        out.push({
          tier: tier.name,
          params: tier.params,
          totalParams: tier.params,
          objective,
          step,
          examples,
          tokens,
          flops: 6 * tier.params * tokens,
          metrics,
          wallSeconds: 0,
          backend: "synthetic",
          seed: c.seed,
          profile: c.profile,
          evalSet: c.evalSet,
        });
      }
    }
  }
  return out;
}
