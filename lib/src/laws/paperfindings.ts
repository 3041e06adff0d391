/**
 * The reranker paper's findings that the scorecard checks, with the published values and where
 * they come from: Seetharaman et al., "Scaling Laws for Cross-Encoder Reranking" (arXiv
 * 2603.04816, v2), and the authors' analysis repository `rahulseetharaman/cross-encoder-scaling`
 * (its reports `scaling_laws_report.md` and `joint_scaling_plots/joint_scaling_report.md`, whose
 * fits are the paper's v2 numbers). Values are MS MARCO dev, NDCG@10 unless stated.
 */

/** One published finding: what it says, the published value or range, and where it is from. */
export interface PaperFinding {
  id: string;
  claim: string;
  /** The published value as the paper states it. */
  published: string;
  source: string;
}

const REPO = "rahulseetharaman/cross-encoder-scaling";
const JOINT = `${REPO}, joint_scaling_plots/joint_scaling_report.md`;
const SINGLE = `${REPO}, scaling_laws_report.md`;

/** The findings, in the order the scorecard lists them. */
export const PAPER_FINDINGS: readonly PaperFinding[] = [
  {
    id: "joint-r2",
    claim: "The joint law a + b·N^c + d·D^e fits NDCG@10 of every tier and step",
    published: "train R² 0.908–0.931 (pointwise, pairwise, listwise)",
    source: `arXiv 2603.04816 v2, joint law; ${JOINT}, goodness of fit`,
  },
  {
    id: "model-mae",
    claim: "The model law fitted on the smaller tiers forecasts the two largest",
    published: "NDCG@10 MAE 0.009–0.024 (fit ≤150M → 400M, 1B)",
    source: `arXiv 2603.04816 v2, model-scaling forecasts; ${SINGLE}, model scaling`,
  },
  {
    id: "conservative",
    claim: "Forecasts are typically conservative (below the actual value)",
    published: "83–100 % of (metric, objective, size) forecasts below the actual",
    source: `arXiv 2603.04816 abstract ("accurate and typically conservative"); ${SINGLE}`,
  },
  {
    id: "data-exponents",
    claim: "Pointwise has the smallest data exponent",
    published: "e = −0.155 (pointwise) vs −0.430 (pairwise), −0.449 (listwise)",
    source: `arXiv 2603.04816 v2; ${JOINT}, NDCG@10 parameters`,
  },
  {
    id: "metrics",
    claim: "NDCG and MAP forecast reliably; CE and MRR do not",
    published: "CE model-scaling error ≈ 20× NDCG's (relative)",
    source: "arXiv 2603.04816 v1 abstract; v1 forecast tables (RMSE: NDCG 0.015–0.018, CE 0.348)",
  },
  {
    id: "allocation",
    claim: "Compute-optimal allocation is data-heavy",
    published: "D* ∝ C^0.71–0.88 (from the published joint fits)",
    source:
      'arXiv 2603.04816 v2 abstract ("retrieval metrics often favor data-heavy scaling"); exponents α/(α+β) from the joint NDCG@10 parameters',
  },
  {
    id: "equal-compute",
    claim:
      "At equal compute the smaller model trained longer wins for pairwise and pointwise, not for listwise",
    published: "68M at 5,000 steps ≥ 400M at 850 steps for pairwise and pointwise, not listwise",
    source: "arXiv 2603.04816 v2, equal-compute checkpoints",
  },
  {
    id: "pairwise-ce",
    claim: "Pairwise (RankNet) Contrastive Entropy is non-monotonic over training",
    published: "CE(64) of 400M pairwise: 2.87 ± 0.78 over its last checkpoints",
    source: `arXiv 2603.04816 v1 abstract (CE does not scale predictably); ${SINGLE}, CE(64)`,
  },
  {
    id: "data-mae",
    claim: "The data law forecasts the held-out last 5 checkpoints",
    published: "NDCG@10 MAE 0.002–0.023",
    source: `arXiv 2603.04816 v2, data-scaling forecasts; ${SINGLE}, data scaling`,
  },
];
