/**
 * An encoder–decoder generator (T5 shaped: Raffel et al. 2020), the second architecture of the
 * generative-retrieval paper (arXiv 2503.18941 fine-tunes T5 and LLaMA and finds the decoder-only
 * LLaMA better at every setting). It reads the same rows as the decoder-only generator
 * (decoder.ts: [query left-padded to Lq] [SEP] [target]) and has the same interface
 * ({@link GenDecoder}), so training, CGL, the scorers and beam search use it unchanged:
 *
 *  - encoder: the Lq query positions (token + learned position embedding) through Le pre-LN
 *    blocks with bidirectional attention (padding keys masked), then a final LayerNorm;
 *  - decoder: the positions from SEP on (token + its own learned position embedding) through Ld
 *    blocks of causal self-attention, cross-attention to the encoded query (padding keys masked)
 *    and the GELU feed-forward, each pre-LN with a residual; final LayerNorm;
 *  - logits by the transposed token embedding, one table for encoder input, decoder input and
 *    output (T5 ties them).
 *
 * Initialisation as the decoder-only generator (N(0, 0.02²), residual projections
 * N(0, (0.02/√(2L))²) with L = Le + Ld), with the same copy initialisation α (decoder.ts) in every
 * attention: W_V·W_O = α·I for the encoder's and the decoder's self-attention and for the
 * cross-attention, whose copy path carries the query's tokens into the decoder's logits.
 *
 * Parameters (decoder.ts genParamCounts): N = Le(12d² + 13d) + 2d + Ld(16d² + 19d) + 2d.
 */
import { tf } from "../backend/tf";
import { createRng } from "../util/rng";
import {
  countSpecWeights,
  initialWeightValues,
  layerNorm,
  multiHeadAttention,
  preLnBlockSpecs,
  preLnBlocks,
  preLnFeedForward,
  type WeightSpec,
} from "../model/blocks";
import {
  PAD_ID,
  createGenDecoder,
  isEncoderDecoder,
  randomOrthogonal,
  type GenConfig,
  type GenDecoder,
} from "./decoder";

/** The 20 weights of decoder layer `l` (names `dec.l<l>.`): self-attention, cross-attention, feed-forward. */
function decoderLayerSpecs(l: number, d: number): WeightSpec[] {
  const p = `dec.l${l}.`;
  const self = preLnBlockSpecs(l, d).map((s) => ({ ...s, name: "dec." + s.name }));
  return [
    ...self.slice(0, 6),
    { name: p + "lnc_g", shape: [d], decay: false, init: "ones" },
    { name: p + "lnc_b", shape: [d], decay: false, init: "zeros" },
    { name: p + "wc_q", shape: [d, d], decay: true, init: "normal" },
    { name: p + "bc_q", shape: [d], decay: false, init: "zeros" },
    { name: p + "wc_kv", shape: [d, 2 * d], decay: true, init: "normal" },
    { name: p + "bc_kv", shape: [2 * d], decay: false, init: "zeros" },
    { name: p + "wc_o", shape: [d, d], decay: true, init: "normal-residual" },
    { name: p + "bc_o", shape: [d], decay: false, init: "zeros" },
    ...self.slice(6),
  ];
}

/** Every weight of an encoder–decoder, in a fixed order. */
export function encDecWeightSpecs(c: GenConfig): WeightSpec[] {
  const d = c.dModel,
    le = c.encoderLayers ?? c.layers;
  const s: WeightSpec[] = [
    { name: "tok_emb", shape: [c.vocabSize, d], decay: true, init: "normal" },
    { name: "enc_pos", shape: [c.queryLen, d], decay: true, init: "normal" },
    { name: "dec_pos", shape: [c.targetLen, d], decay: true, init: "normal" },
  ];
  for (let l = 0; l < le; l++) s.push(...preLnBlockSpecs(l, d).map((x) => ({ ...x, name: "enc." + x.name })));
  s.push(
    { name: "enc_lnf_g", shape: [d], decay: false, init: "ones" },
    { name: "enc_lnf_b", shape: [d], decay: false, init: "zeros" },
  );
  for (let l = 0; l < c.layers; l++) s.push(...decoderLayerSpecs(l, d));
  s.push(
    { name: "lnf_g", shape: [d], decay: false, init: "ones" },
    { name: "lnf_b", shape: [d], decay: false, init: "zeros" },
  );
  return s;
}

/**
 * Copy initialisation of one attention (decoder.ts): columns `col … col + d − 1` of the value
 * weight `wv` (row-major, `cols` wide) become √α·Q and the output weight `wo` becomes √α·Qᵀ, for a
 * random orthogonal Q, so that W_V·W_O = α·I.
 */
function copyInit(
  wv: Float32Array,
  cols: number,
  col: number,
  wo: Float32Array,
  d: number,
  alpha: number,
  rng: ReturnType<typeof createRng>,
): void {
  const q = randomOrthogonal(d, rng),
    ra = Math.sqrt(alpha);
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) {
      wv[a * cols + col + b] = q[a][b] * ra;
      wo[a * d + b] = q[b][a] * ra;
    }
}

let varCounter = 0;

/** Build an encoder–decoder generator with seeded weights (see the module comment). */
export function createEncDecGenerator(config: GenConfig, seed: number): GenDecoder {
  if (config.dModel % config.heads !== 0)
    throw new Error(`dModel ${config.dModel} is not divisible by heads ${config.heads}`);
  const specs = encDecWeightSpecs(config);
  const rng = createRng(seed);
  const d = config.dModel,
    H = config.heads,
    Lq = config.queryLen,
    le = config.encoderLayers ?? config.layers;
  const values = new Map(specs.map((s) => [s.name, initialWeightValues(s, rng, le + config.layers)]));
  const alpha = config.copyInit ?? 0;
  if (!(alpha >= 0)) throw new RangeError(`copyInit must be >= 0, got ${alpha}`);
  if (alpha > 0) {
    const v = (n: string) => values.get(n)!;
    for (let l = 0; l < le; l++)
      copyInit(v(`enc.l${l}.w_qkv`), 3 * d, 2 * d, v(`enc.l${l}.w_o`), d, alpha, rng);
    for (let l = 0; l < config.layers; l++) {
      copyInit(v(`dec.l${l}.w_qkv`), 3 * d, 2 * d, v(`dec.l${l}.w_o`), d, alpha, rng);
      copyInit(v(`dec.l${l}.wc_kv`), 2 * d, d, v(`dec.l${l}.wc_o`), d, alpha, rng);
    }
  }
  const W = new Map<string, tf.Variable>();
  for (const s of specs)
    W.set(
      s.name,
      tf.tidy(() =>
        tf.variable(
          tf.tensor(values.get(s.name)!, s.shape, "float32"),
          true,
          `encdec_${s.name}_${varCounter++}`,
        ),
      ),
    );
  const w = (name: string) => W.get(name)!;
  const encode = (q: tf.Tensor2D): tf.Tensor => {
    const B = q.shape[0];
    const tok = tf.reshape(tf.gather(w("tok_emb"), tf.reshape(q, [B * Lq])), [B, Lq, d]);
    const x = tf.reshape(tf.add(tok, w("enc_pos")), [B * Lq, d]);
    const bias = tf.reshape(tf.mul(tf.cast(tf.equal(q, PAD_ID), "float32"), -1e9), [B, 1, 1, Lq]);
    const h = preLnBlocks(x, (n) => w("enc." + n), { layers: le, B, T: Lq, heads: H, bias });
    return layerNorm(h, w("enc_lnf_g"), w("enc_lnf_b"));
  };
  const logits = (ids: tf.Tensor2D, from: number, count: number): tf.Tensor3D => {
    const [B, T] = ids.shape;
    const Td = T - Lq;
    if (Td < 1 || Td > config.targetLen)
      throw new Error(`sequence length ${T} outside ${Lq + 1}..${Lq + config.targetLen}`);
    if (from < Lq || from + count > T)
      throw new Error(`logit positions ${from}..${from + count - 1} outside ${Lq}..${T - 1}`);
    const q = tf.slice(ids, [0, 0], [B, Lq]) as tf.Tensor2D;
    const memory = encode(q);
    const memBias = tf.reshape(tf.mul(tf.cast(tf.equal(q, PAD_ID), "float32"), -1e9), [B, 1, 1, Lq]);
    const causal = tf.reshape(
      tf.tensor2d(
        Float32Array.from({ length: Td * Td }, (_, k) => (k % Td > Math.floor(k / Td) ? -1e10 : 0)),
        [Td, Td],
      ),
      [1, 1, Td, Td],
    );
    const dIds = tf.reshape(tf.slice(ids, [0, Lq], [B, Td]), [B * Td]);
    const tok = tf.reshape(tf.gather(w("tok_emb"), dIds), [B, Td, d]);
    let x = tf.reshape(tf.add(tok, tf.slice(w("dec_pos"), [0, 0], [Td, d])), [B * Td, d]);
    for (let l = 0; l < config.layers; l++) {
      const p = `dec.l${l}.`;
      const h = layerNorm(x, w(p + "ln1_g"), w(p + "ln1_b"));
      const [sq, sk, sv] = tf.split(tf.add(tf.matMul(h, w(p + "w_qkv")), w(p + "b_qkv")), 3, 1);
      const self = multiHeadAttention(sq, sk, sv, { B, Tq: Td, Tk: Td, heads: H, bias: causal });
      x = tf.add(x, tf.add(tf.matMul(self, w(p + "w_o")), w(p + "b_o")));
      const hc = layerNorm(x, w(p + "lnc_g"), w(p + "lnc_b"));
      const cq = tf.add(tf.matMul(hc, w(p + "wc_q")), w(p + "bc_q"));
      const [ck, cv] = tf.split(tf.add(tf.matMul(memory, w(p + "wc_kv")), w(p + "bc_kv")), 2, 1);
      const cross = multiHeadAttention(cq, ck, cv, { B, Tq: Td, Tk: Lq, heads: H, bias: memBias });
      x = tf.add(x, tf.add(tf.matMul(cross, w(p + "wc_o")), w(p + "bc_o")));
      x = preLnFeedForward(x, w, p);
    }
    const sel = tf.reshape(tf.slice(tf.reshape(x, [B, Td, d]), [0, from - Lq, 0], [B, count, d]), [
      B * count,
      d,
    ]);
    const hf = layerNorm(sel, w("lnf_g"), w("lnf_b"));
    return tf.reshape(tf.matMul(hf, w("tok_emb"), false, true), [B, count, config.vocabSize]) as tf.Tensor3D;
  };
  const embedding = new Set(["tok_emb", "enc_pos", "dec_pos"]);
  return {
    config,
    variables: specs.map((s) => W.get(s.name)!),
    decay: specs.map((s) => s.decay),
    logits,
    countWeights: () => countSpecWeights(specs, embedding),
    dispose: () => W.forEach((v) => v.dispose()),
  };
}

/** A generator of either architecture (`config.arch`): {@link createEncDecGenerator} or decoder.ts createGenDecoder. */
export function createGenerator(config: GenConfig, seed: number): GenDecoder {
  return isEncoderDecoder(config) ? createEncDecGenerator(config, seed) : createGenDecoder(config, seed);
}
