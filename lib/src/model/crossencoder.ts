/**
 * The cross-encoder: `[CLS] query [SEP] document [SEP]` token ids in, one relevance logit out.
 *
 * BERT-style encoder with pre-LayerNorm blocks (Xiong et al. 2020, "On Layer Normalization in the
 * Transformer Architecture"), exact-erf GELU (Hendrycks & Gimpel 2016), no dropout, and a linear
 * head on the final-LayerNorm vectors pooled by `ModelConfig.pooling`: their mean over the
 * non-padding positions by default (sentence-transformers' pooling), or the [CLS] vector as in
 * Nogueira & Cho 2019, "Passage Re-ranking with BERT".
 * Written with tfjs ops (no tf.layers) so that every weight is a named `tf.Variable` that the
 * optimizer and checkpoints address directly. Shapes and counts are documented in tiers.ts.
 *
 * Initialisation (GPT-2 / BERT practice): weight matrices and embeddings N(0, 0.02²), the two
 * residual-output projections of each layer N(0, (0.02/√(2L))²), biases 0, LayerNorm gains 1, the
 * head 0; with `attentionInit: "mimetic"` (the default) W_K is a copy of W_Q (Trockman & Kolter 2023).
 * Values are drawn in JavaScript from the seeded {@link createRng}, so every backend starts from
 * bit-identical weights.
 */
import { tf } from "../backend/tf";
import { createRng } from "../util/rng";
import { ModelConfig, countParams } from "./tiers";
import {
  INIT_STD,
  initialWeightValues,
  layerNorm,
  preLnBlockSpecs,
  preLnBlocks,
  type WeightSpec,
} from "./blocks";
import { hasHostKernel, registerHostKernel, runHostKernel } from "../backend/kernels";
import { fusedEmbedding, fusedMeanPool, fusedOpsActive } from "./fused";

/** The weight list of a config, in a fixed order (the order of checkpoints and of the optimizer). */
export function weightSpecs(c: ModelConfig): WeightSpec[] {
  const d = c.dModel;
  const s: WeightSpec[] = [
    { name: "tok_emb", shape: [c.vocabSize, d], decay: true, init: "normal" },
    { name: "pos_emb", shape: [c.maxLen, d], decay: true, init: "normal" },
  ];
  if (c.sepId !== undefined) s.push({ name: "seg_emb", shape: [2, d], decay: true, init: "normal" });
  if (c.sepId !== undefined && c.matchEmbedding)
    s.push({ name: "match_emb", shape: [2, d], decay: true, init: "normal" });
  for (let l = 0; l < c.layers; l++) s.push(...preLnBlockSpecs(l, d));
  s.push(
    { name: "lnf_g", shape: [d], decay: false, init: "ones" },
    { name: "lnf_b", shape: [d], decay: false, init: "zeros" },
    { name: "head_w", shape: [d, 1], decay: true, init: "zeros" },
    { name: "head_b", shape: [1], decay: false, init: "zeros" },
  );
  return s;
}

/**
 * Exact-match flags [B, T] (int32 0/1): 1 where the token is not special (id ≥ 5) and the same id
 * occurs somewhere in the other segment of the same row (`seg` [B, T] holds 0/1 segment ids).
 * On the wasm and cpu backends one host kernel computes them (a pass over each row's ids); other
 * backends run {@link exactMatchFlagsReference}. Both give identical integers. Call inside tf.tidy.
 */
export function exactMatchFlags(ids: tf.Tensor2D, seg: tf.Tensor): tf.Tensor2D {
  if (!hasHostKernel(EXACT_MATCH_KERNEL)) return exactMatchFlagsReference(ids, seg);
  return runHostKernel(
    EXACT_MATCH_KERNEL,
    { ids, seg: seg.dtype === "int32" ? seg : tf.cast(seg, "int32") },
    { specialBelow: SPECIAL_IDS_BELOW, T: ids.shape[1] },
  )[0] as tf.Tensor2D;
}

/**
 * The op-by-op definition of {@link exactMatchFlags}: any over t' of (ids[t] = ids[t'] and
 * seg[t] ≠ seg[t']) on [B, T, T] broadcasts, and ids[t] ≥ 5. Call inside tf.tidy.
 */
export function exactMatchFlagsReference(ids: tf.Tensor2D, seg: tf.Tensor): tf.Tensor2D {
  const [B, T] = ids.shape;
  const same = tf.equal(tf.reshape(ids, [B, T, 1]), tf.reshape(ids, [B, 1, T]));
  const cross = tf.notEqual(tf.reshape(seg, [B, T, 1]), tf.reshape(seg, [B, 1, T]));
  return tf.cast(
    tf.logicalAnd(tf.any(tf.logicalAnd(same, cross), 2), tf.greaterEqual(ids, SPECIAL_IDS_BELOW)),
    "int32",
  ) as tf.Tensor2D;
}

const EXACT_MATCH_KERNEL = "ScalerankExactMatch";
registerHostKernel({
  kernelName: EXACT_MATCH_KERNEL,
  outputs: (inputs) => [{ shape: [...inputs.ids.shape], dtype: "int32" }],
  run: ({ ids, seg }, [out], attrs) => {
    const special = attrs.specialBelow as number,
      T = attrs.T as number;
    // Rows of T ids are independent: flag t if some u of the same row has the same id in the other segment.
    for (let r = 0; r < ids.length; r += T) {
      for (let t = r; t < r + T; t++) {
        const id = ids[t],
          s = seg[t];
        let hit = 0;
        if (id >= special) {
          for (let u = r; u < r + T; u++) {
            if (ids[u] === id && seg[u] !== s) {
              hit = 1;
              break;
            }
          }
        }
        out[t] = hit;
      }
    }
  },
});

/** A cross-encoder instance: its config, its variables and its scoring function. */
export interface CrossEncoder {
  config: ModelConfig;
  /** Weight specs in checkpoint order. */
  specs: WeightSpec[];
  /** Variables by name (same order as specs). */
  weights: Map<string, tf.Variable>;
  /**
   * Relevance logits [B] for token ids [B, T'] (T' ≤ maxLen). `segStart` [B] (int32) is where each
   * row's segment 1 starts, from the pair template (`pairSegmentStart`); absent, segment 1 starts
   * after the first [SEP] id. Call inside tf.tidy.
   */
  score(ids: tf.Tensor2D, segStart?: tf.Tensor1D): tf.Tensor1D;
  /** Dispose all variables. */
  dispose(): void;
}

/** Segment ids [B, T]: 1 from position segStart[b] on, else 0 (padding after the pair is 1, as {@link segmentsAfterFirstSep} gives). */
export function segmentsFromStart(segStart: tf.Tensor1D, T: number): tf.Tensor2D {
  return tf.cast(
    tf.greaterEqual(tf.range(0, T, 1, "int32").reshape([1, T]), segStart.reshape([-1, 1])),
    "int32",
  ) as tf.Tensor2D;
}

/** Segment ids [B, T]: 0 up to and including the first [SEP], 1 after it: min(cumsum(isSep) − isSep, 1). */
export function segmentsAfterFirstSep(ids: tf.Tensor2D, sepId: number): tf.Tensor2D {
  const isSep = tf.cast(tf.equal(ids, sepId), "int32");
  return tf.minimum(tf.sub(tf.cumsum(isSep, 1), isSep), tf.scalar(1, "int32")) as tf.Tensor2D;
}

/** Ids below this are special tokens ([PAD], [UNK], [CLS], [SEP], [MASK]); they never count as matches. */
const SPECIAL_IDS_BELOW = 5;

/** Build a cross-encoder with seeded initial weights (see the module comment). */
export function createCrossEncoder(config: ModelConfig, seed: number): CrossEncoder {
  if (config.dModel % config.heads !== 0)
    throw new Error(`dModel ${config.dModel} is not divisible by heads ${config.heads}`);
  const specs = weightSpecs(config);
  const rng = createRng(seed);
  const weights = new Map<string, tf.Variable>();
  for (const s of specs) {
    const v = initialWeightValues(s, rng, config.layers);
    if (s.name.endsWith("w_qkv") && (config.attentionInit ?? "mimetic") === "mimetic") {
      // Mimetic: W_K = W_Q (columns d..2d copy columns 0..d) with std 1/√d, so that for a
      // LayerNormed token h the per-head self-score h W_Q W_Qᵀ hᵀ/√dh ≈ √dh is large while
      // scores between unrelated tokens are ≈ N(0, 1).
      const d3 = 3 * config.dModel,
        dm = config.dModel,
        qs = 1 / Math.sqrt(dm);
      for (let r = 0; r < dm; r++) {
        for (let j = 0; j < dm; j++) {
          const q = v[r * d3 + j] * (qs / INIT_STD);
          v[r * d3 + j] = q;
          v[r * d3 + dm + j] = q;
        }
      }
    }
    // tidy frees the initial tensor; the variable keeps its own reference to the data
    weights.set(
      s.name,
      tf.tidy(() =>
        tf.variable(tf.tensor(v, s.shape, "float32"), true, `${s.name}_${seed}_${weightsCounter++}`),
      ),
    );
  }
  const W = (name: string) => weights.get(name)!;
  const d = config.dModel,
    H = config.heads;
  const padId = config.padId ?? 0;

  // [B·T, d]: tok[ids] + pos[t] (+ seg[segment]) (+ match[hit]); the fused op where it runs
  const embed = (ids: tf.Tensor2D, seg: tf.Tensor | null, hit: tf.Tensor | null): tf.Tensor => {
    const [B, T] = ids.shape;
    const flat = (t: tf.Tensor) => tf.reshape(t, [B * T]);
    if (fusedOpsActive()) {
      const tables = {
        tok: W("tok_emb"),
        pos: W("pos_emb"),
        seg: seg ? W("seg_emb") : null,
        match: hit ? W("match_emb") : null,
      };
      return fusedEmbedding(tables, flat(ids), seg ? flat(seg) : null, hit ? flat(hit) : null, T);
    }
    let e = tf.add(
      tf.reshape(tf.gather(W("tok_emb"), flat(ids)), [B, T, d]),
      tf.slice(W("pos_emb"), [0, 0], [T, d]),
    );
    if (seg) e = tf.add(e, tf.reshape(tf.gather(W("seg_emb"), flat(seg)), [B, T, d]));
    if (hit) e = tf.add(e, tf.reshape(tf.gather(W("match_emb"), flat(hit)), [B, T, d]));
    return tf.reshape(e, [B * T, d]);
  };

  const score = (ids: tf.Tensor2D, segStart?: tf.Tensor1D): tf.Tensor1D => {
    const [B, T] = ids.shape;
    if (T > config.maxLen) throw new Error(`sequence length ${T} exceeds maxLen ${config.maxLen}`);
    // x: [B·T, d] token + position (+ segment, + exact-match) embeddings.
    let seg: tf.Tensor | null = null;
    if (config.sepId !== undefined)
      seg = segStart ? segmentsFromStart(segStart, T) : segmentsAfterFirstSep(ids, config.sepId);
    const hit = seg && config.matchEmbedding ? exactMatchFlags(ids, seg) : null;
    let x = embed(ids, seg, hit);
    // Additive key mask [B, 1, 1, T]: −1e9 where the key is padding.
    const maskBias = tf.reshape(tf.mul(tf.cast(tf.equal(ids, padId), "float32"), -1e9), [B, 1, 1, T]);
    x = preLnBlocks(x, W, { layers: config.layers, B, T, heads: H, bias: maskBias });
    let cls: tf.Tensor;
    if ((config.pooling ?? "mean") === "cls") {
      // [CLS] = position 0 of each sequence.
      cls = tf.reshape(tf.slice(tf.reshape(x, [B, T, d]), [0, 0, 0], [B, 1, d]), [B, d]);
    } else {
      // mean over the non-padding positions ("mean") or over segment 0, `[CLS] q [SEP]` ("query"):
      // Σ_t m_t x_t / Σ_t m_t
      let keep = tf.cast(tf.notEqual(ids, padId), "float32"); // [B, T]
      if (config.pooling === "query") {
        if (!seg) throw new Error('pooling "query" needs sepId (segment embeddings)');
        keep = tf.mul(keep, tf.cast(tf.equal(seg, 0), "float32"));
      }
      if (fusedOpsActive()) cls = fusedMeanPool(x, keep, T);
      else {
        const summed = tf.sum(tf.mul(tf.reshape(x, [B, T, d]), tf.reshape(keep, [B, T, 1])), 1);
        cls = tf.div(summed, tf.reshape(tf.maximum(tf.sum(keep, 1), 1), [B, 1]));
      }
    }
    const hf = layerNorm(cls, W("lnf_g"), W("lnf_b"));
    return tf.reshape(tf.add(tf.matMul(hf, W("head_w")), W("head_b")), [B]) as tf.Tensor1D;
  };
  return {
    config,
    specs,
    weights,
    score,
    dispose: () => weights.forEach((v) => v.dispose()),
  };
}
let weightsCounter = 0;

/** Count the parameters of the actual variables: total, and without the two embedding tables. */
export function countModelWeights(m: CrossEncoder): { total: number; nonEmbedding: number } {
  let total = 0,
    emb = 0;
  for (const [name, v] of m.weights) {
    total += v.size;
    if (name === "tok_emb" || name === "pos_emb" || name === "seg_emb" || name === "match_emb") emb += v.size;
  }
  return { total, nonEmbedding: total - emb };
}

/** Copy all weights out as Float32Arrays, in spec order (for checkpoints). */
export async function readWeights(m: CrossEncoder): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const s of m.specs) out.push((await m.weights.get(s.name)!.data()) as Float32Array);
  return out;
}

/** Overwrite all weights from Float32Arrays in spec order (from {@link readWeights}). */
export function writeWeights(m: CrossEncoder, values: readonly Float32Array[]): void {
  if (values.length !== m.specs.length)
    throw new Error(`expected ${m.specs.length} weight arrays, got ${values.length}`);
  m.specs.forEach((s, i) => {
    const v = m.weights.get(s.name)!;
    if (values[i].length !== v.size)
      throw new Error(`weight ${s.name}: expected ${v.size} values, got ${values[i].length}`);
    tf.tidy(() => v.assign(tf.tensor(values[i], s.shape, "float32")));
  });
}

/** Check that a model's variables match the formula of tiers.ts (used by tests and the trainer). */
export function assertCountsMatch(m: CrossEncoder): void {
  const want = countParams(m.config);
  const got = countModelWeights(m);
  if (want.total !== got.total || want.nonEmbedding !== got.nonEmbedding) {
    throw new Error(
      `parameter count mismatch: formula ${JSON.stringify(want)}, weights ${JSON.stringify(got)}`,
    );
  }
}
