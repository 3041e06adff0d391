/**
 * Cross-encoder size tiers and their exact parameter and FLOP accounting.
 *
 * Architecture (BERT-style, pre-LN; see crossencoder.ts): token embedding V×d and learned
 * position embedding T×d; L encoder layers, each LayerNorm → multi-head self-attention (fused
 * QKV projection d×3d, output d×d) → residual, LayerNorm → FFN d×4d, GELU, 4d×d → residual; a final
 * LayerNorm on the [CLS] (first) position and a linear head d→1 giving the relevance logit.
 *
 * Parameter counts (exact, every bias and LayerNorm gain/shift included):
 *   per layer: LN 2d + QKV 3d²+3d + out d²+d + LN 2d + FFN 4d²+4d + 4d²+d = 12d² + 13d
 *   N (non-embedding) = L·(12d² + 13d) + 3d + 1      (final LN 2d, head d + 1)
 *   E (embedding)     = (V + T)·d
 * N is the size axis of the scaling laws, as in Kaplan et al. (2020) §2.1, and the count used by
 * the paper's analysis code for its nominal sizes (Seetharaman et al., arXiv 2603.04816).
 *
 * FLOPs (multiply-add = 2 FLOPs), per example of T tokens:
 *   forward  = 2·N·T + 4·L·T²·d
 *   training = 6·N·T + 12·L·T²·d      (backward = 2 × forward)
 * The 2·N·T term is the dense matmuls (Kaplan's C ≈ 2N per token; bias and LayerNorm parameters
 * are counted as one multiply-add each, a < 1% overcount). The attention term is non-causal
 * self-attention: QKᵀ (T·d multiply-adds per query token) plus A·V (T·d), i.e. 4·T·d FLOPs per
 * token per layer in the forward pass. Embedding lookups, softmax, GELU and LayerNorm
 * element-wise work are not counted (the usual convention).
 */

/** Shape of one cross-encoder. */
export interface ModelConfig {
  /** Encoder layers L. */
  layers: number;
  /** Hidden width d. */
  dModel: number;
  /** Attention heads (d must be divisible by heads). */
  heads: number;
  /** Vocabulary size V (from the tokenizer). */
  vocabSize: number;
  /** Maximum sequence length T (position embeddings). */
  maxLen: number;
  /** Token id of padding; padded keys are masked out of attention. Default 0. */
  padId?: number;
}

/** A named size tier (vocabulary and length come from the data). */
export interface Tier {
  name: string;
  layers: number;
  dModel: number;
  heads: number;
}

/**
 * The tier table: nine sizes from 3.3 thousand to 85 million non-embedding parameters (4.4
 * decades). t0–t4 train on a CPU (the `mini` grid uses a subset); t5–t8 are GPU tiers (t8 has
 * BERT-base's layer shape: 12 × 768, 12 heads).
 */
export const TIERS: readonly Tier[] = [
  { name: "t0", layers: 1, dModel: 16, heads: 2 },
  { name: "t1", layers: 1, dModel: 32, heads: 2 },
  { name: "t2", layers: 2, dModel: 48, heads: 3 },
  { name: "t3", layers: 2, dModel: 64, heads: 4 },
  { name: "t4", layers: 3, dModel: 96, heads: 4 },
  { name: "t5", layers: 4, dModel: 256, heads: 4 },
  { name: "t6", layers: 6, dModel: 384, heads: 6 },
  { name: "t7", layers: 8, dModel: 512, heads: 8 },
  { name: "t8", layers: 12, dModel: 768, heads: 12 },
];

/** Look up a tier by name; throws with the list of names for an unknown one. */
export function getTier(name: string): Tier {
  const t = TIERS.find((x) => x.name === name);
  if (!t) throw new Error(`unknown tier "${name}" (tiers: ${TIERS.map((x) => x.name).join(", ")})`);
  return t;
}

/** The model config of a tier for a given vocabulary size and sequence length. */
export function tierConfig(tier: Tier | string, vocabSize: number, maxLen: number, padId = 0): ModelConfig {
  const t = typeof tier === "string" ? getTier(tier) : tier;
  return { layers: t.layers, dModel: t.dModel, heads: t.heads, vocabSize, maxLen, padId };
}

/** Parameter counts of a config (see the module comment for the formula). */
export interface ParamCounts {
  /** Non-embedding parameters N = L(12d² + 13d) + 3d + 1. */
  nonEmbedding: number;
  /** Embedding parameters E = (V + T)·d. */
  embedding: number;
  /** N + E. */
  total: number;
}

/** Exact parameter counts: N = L(12d² + 13d) + 3d + 1, E = (V + T)d, total = N + E. */
export function countParams(c: ModelConfig): ParamCounts {
  const d = c.dModel;
  const nonEmbedding = c.layers * (12 * d * d + 13 * d) + 3 * d + 1;
  const embedding = (c.vocabSize + c.maxLen) * d;
  return { nonEmbedding, embedding, total: nonEmbedding + embedding };
}

/** Forward FLOPs of one example of `seqLen` tokens: 2·N·T + 4·L·T²·d. */
export function forwardFlopsPerExample(c: ModelConfig, seqLen = c.maxLen): number {
  const n = countParams(c).nonEmbedding;
  return 2 * n * seqLen + 4 * c.layers * seqLen * seqLen * c.dModel;
}

/** Training FLOPs (forward + backward) of one example of `seqLen` tokens: 6·N·T + 12·L·T²·d. */
export function trainFlopsPerExample(c: ModelConfig, seqLen = c.maxLen): number {
  return 3 * forwardFlopsPerExample(c, seqLen);
}

/** One row of the tier table as shown in notebooks. */
export interface TierRow {
  tier: string;
  layers: number;
  dModel: number;
  heads: number;
  nonEmbedding: number;
  embedding: number;
  total: number;
  trainFlopsPerExample: number;
}

/** The tier table with counts for a vocabulary size and sequence length. */
export function tierTable(vocabSize: number, maxLen: number, tiers: readonly Tier[] = TIERS): TierRow[] {
  return tiers.map((t) => {
    const c = tierConfig(t, vocabSize, maxLen);
    const p = countParams(c);
    return { tier: t.name, layers: t.layers, dModel: t.dModel, heads: t.heads, ...p, trainFlopsPerExample: trainFlopsPerExample(c) };
  });
}
