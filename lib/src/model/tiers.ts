/**
 * Cross-encoder size tiers and their exact parameter and FLOP accounting.
 *
 * Architecture (BERT-style, pre-LN; see crossencoder.ts): token embedding V×d and learned
 * position embedding T×d; L encoder layers, each LayerNorm → multi-head self-attention (fused
 * QKV projection d×3d, output d×d) → residual, LayerNorm → FFN d×4d, GELU, 4d×d → residual; a final
 * LayerNorm and a linear head d→1 on the pooled vector (mean over non-padding positions by default,
 * or [CLS]) giving the relevance logit.
 *
 * Parameter counts (exact, every bias and LayerNorm gain/shift included):
 *   per layer: LN 2d + QKV 3d²+3d + out d²+d + LN 2d + FFN 4d²+4d + 4d²+d = 12d² + 13d
 *   N (non-embedding) = L·(12d² + 13d) + 3d + 1      (final LN 2d, head d + 1)
 *   E (embedding)     = (V + T)·d, plus 2·d for segment embeddings (when `sepId` is set) and 2·d
 *                       for exact-match embeddings (when `matchEmbedding` is also set)
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
  /**
   * Token id of [SEP]. When set, the model adds BERT's segment embedding (2×d: segment 0 for
   * `[CLS] q [SEP]`, 1 for `d [SEP]`, found from the first [SEP]); counted as embedding parameters.
   */
  sepId?: number;
  /**
   * Attention initialisation: "standard" (independent N(0, 0.02²) for Q and K) or "mimetic"
   * (Trockman & Kolter 2023, "Mimetic Initialization of Self-Attention Layers": W_K = W_Q so that
   * W_Q W_Kᵀ is positive semi-definite and a token attends to copies of itself at initialisation,
   * which a reranker needs to match query and document terms). Default "mimetic".
   */
  attentionInit?: "standard" | "mimetic";
  /**
   * What the head reads: "cls" (the final [CLS] vector, BERT's choice) or "mean" (the mean of all
   * non-padding positions, as sentence-transformers' default pooling). Default "mean": trained
   * from scratch, a [CLS] head collapses to one score for every document for hundreds of steps
   * (measured on the embedded collection), a mean-pooled head does not.
   */
  pooling?: "cls" | "mean" | "query";
  /**
   * Add an exact-match embedding (2×d, needs `sepId`): each token gets match_emb[1] when the same
   * token id occurs in the other segment, else match_emb[0] — the exact-match input feature of
   * DrQA's reader (Chen et al. 2017, "Reading Wikipedia to Answer Open-Domain Questions", §3.2).
   * Counted as embedding parameters. Default false.
   */
  matchEmbedding?: boolean;
}

/** A named size tier (vocabulary and length come from the data). */
export interface Tier {
  name: string;
  layers: number;
  dModel: number;
  heads: number;
}

/**
 * The tier table: eleven sizes from 529 to 85 million non-embedding parameters (5.2 decades).
 * t0–t6 are one-layer models of width 6, 8, 12, 16, 32, 64 and 128 (head width 6–16); t7–t10 are
 * GPU tiers (t10 has BERT-base's layer shape: 12 × 768, 12 heads).
 *
 * The `mini` grid trains t0–t5, six sizes over 1.98 decades (529 … 50,177), shaped like the
 * paper's six Ettin sizes (17M … 1B, 1.77 decades): the four smallest are fitted and the two
 * largest forecast. Why these: the CPU tiers grow in width only, because one-layer models of
 * width 16, 32, 64 rose with width on the embedded collection while tiers that also grew in depth
 * (2 × 48, 2 × 64, 3 × 96) ended no better than 1 × 16; and the forecast tiers start at twice the
 * largest fitted width, because widths 24, 48 and 96 all end near the same NDCG@10 after one
 * epoch (0.69–0.71, listwise and pointwise, 800 steps), so the size effect is in how fast a model
 * learns from the same examples, which separates 1 × 16 from 1 × 32 and 1 × 64 within 400 steps.
 */
export const TIERS: readonly Tier[] = [
  { name: "t0", layers: 1, dModel: 6, heads: 1 },
  { name: "t1", layers: 1, dModel: 8, heads: 1 },
  { name: "t2", layers: 1, dModel: 12, heads: 1 },
  { name: "t3", layers: 1, dModel: 16, heads: 2 },
  { name: "t4", layers: 1, dModel: 32, heads: 2 },
  { name: "t5", layers: 1, dModel: 64, heads: 4 },
  { name: "t6", layers: 1, dModel: 128, heads: 8 },
  { name: "t7", layers: 4, dModel: 256, heads: 4 },
  { name: "t8", layers: 6, dModel: 384, heads: 6 },
  { name: "t9", layers: 8, dModel: 512, heads: 8 },
  { name: "t10", layers: 12, dModel: 768, heads: 12 },
];

/** An ad-hoc shape name: `<layers>x<width>h<heads>`, e.g. "1x24h2" (probes of shapes outside the table). */
const SHAPE_NAME = /^(\d+)x(\d+)h(\d+)$/;

/**
 * Look up a tier by name: a TIERS name, or an ad-hoc shape `<layers>x<width>h<heads>` (e.g.
 * "1x24h2", for probing shapes outside the table). Throws with the list of names for an unknown one.
 */
export function getTier(name: string): Tier {
  const t = TIERS.find((x) => x.name === name);
  if (t) return t;
  const m = SHAPE_NAME.exec(name);
  if (m && Number(m[1]) >= 1 && Number(m[2]) >= 1 && Number(m[3]) >= 1 && Number(m[2]) % Number(m[3]) === 0) {
    return { name, layers: Number(m[1]), dModel: Number(m[2]), heads: Number(m[3]) };
  }
  throw new Error(
    `unknown tier "${name}" (tiers: ${TIERS.map((x) => x.name).join(", ")}, or a shape such as 1x24h2: layers x width h heads, heads dividing the width)`,
  );
}

/** The model config of a tier for a given vocabulary size and sequence length. */
export function tierConfig(
  tier: Tier | string,
  vocabSize: number,
  maxLen: number,
  padId = 0,
  sepId?: number,
): ModelConfig {
  const t = typeof tier === "string" ? getTier(tier) : tier;
  const c: ModelConfig = { layers: t.layers, dModel: t.dModel, heads: t.heads, vocabSize, maxLen, padId };
  if (sepId !== undefined) c.sepId = sepId;
  return c;
}

/** Parameter counts of a config (see the module comment for the formula). */
export interface ParamCounts {
  /** Non-embedding parameters N = L(12d² + 13d) + 3d + 1. */
  nonEmbedding: number;
  /** Embedding parameters E = (V + T)·d, + 2d with segment embeddings, + 2d more with exact-match embeddings. */
  embedding: number;
  /** N + E. */
  total: number;
}

/** Exact parameter counts: N = L(12d² + 13d) + 3d + 1, E = (V + T + 2·[sepId set])d, total = N + E. */
export function countParams(c: ModelConfig): ParamCounts {
  const d = c.dModel;
  const nonEmbedding = c.layers * (12 * d * d + 13 * d) + 3 * d + 1;
  const extra = c.sepId !== undefined ? (c.matchEmbedding ? 4 : 2) : 0;
  const embedding = (c.vocabSize + c.maxLen + extra) * d;
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
    return {
      tier: t.name,
      layers: t.layers,
      dModel: t.dModel,
      heads: t.heads,
      ...p,
      trainFlopsPerExample: trainFlopsPerExample(c),
    };
  });
}
