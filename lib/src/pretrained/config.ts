/**
 * `config.json` of a Hugging Face encoder folder → typed configuration.
 *
 * Two families are understood, by `model_type`:
 *  - "bert": BERT (Devlin et al. 2019); field names and defaults of Hugging Face `BertConfig`;
 *  - "modernbert": ModernBERT (Warner et al. 2024, arXiv 2412.13663), the architecture of the
 *    Ettin encoders the paper fine-tunes (arXiv 2603.04816; Ettin: Weller et al. 2025); field names
 *    and defaults of Hugging Face `ModernBertConfig`.
 * A missing field takes the default written next to it below; a present field of the wrong type,
 * an unknown activation, or a width not divisible by the head count is an InputError naming
 * config.json.
 */
import * as fs from "node:fs";
import { InputError } from "../util/fsutil";

/** Activations understood by the encoders (Hugging Face ACT2FN names). */
export const ENCODER_ACTIVATIONS = [
  "gelu",
  "gelu_new",
  "gelu_pytorch_tanh",
  "relu",
  "silu",
  "swish",
  "tanh",
] as const;
/** One of {@link ENCODER_ACTIVATIONS}. */
export type EncoderActivation = (typeof ENCODER_ACTIVATIONS)[number];

/** BERT configuration (Hugging Face `BertConfig` field in brackets, default after it). */
export interface BertConfig {
  modelType: "bert";
  /** [vocab_size] 30522 */
  vocabSize: number;
  /** [hidden_size] 768 */
  hiddenSize: number;
  /** [num_hidden_layers] 12 */
  numLayers: number;
  /** [num_attention_heads] 12 */
  numHeads: number;
  /** [intermediate_size] 3072 */
  intermediateSize: number;
  /** [hidden_act] "gelu" (exact erf GELU) */
  hiddenAct: EncoderActivation;
  /** [max_position_embeddings] 512 */
  maxPositions: number;
  /** [type_vocab_size] 2 */
  typeVocabSize: number;
  /** [layer_norm_eps] 1e-12 */
  layerNormEps: number;
  /** [pad_token_id] 0 */
  padTokenId: number;
  /** [sep_token_id] not in BertConfig; read if present, else null (then taken from tokenizer.json) */
  sepTokenId: number | null;
  /** [initializer_range] 0.02: std of freshly initialised head weights */
  initializerRange: number;
  /** [num_labels or len(id2label)] 2 (HF default); the cross-encoder needs 1 */
  numLabels: number;
}

/** ModernBERT configuration (Hugging Face `ModernBertConfig` field in brackets, default after it). */
export interface ModernBertConfig {
  modelType: "modernbert";
  /** [vocab_size] 50368 */
  vocabSize: number;
  /** [hidden_size] 768 */
  hiddenSize: number;
  /** [intermediate_size] 1152 (the GeGLU input projection Wi is 2 × this wide) */
  intermediateSize: number;
  /** [num_hidden_layers] 22 */
  numLayers: number;
  /** [num_attention_heads] 12 */
  numHeads: number;
  /** [hidden_activation] "gelu" */
  hiddenActivation: EncoderActivation;
  /** [max_position_embeddings] 8192 */
  maxPositions: number;
  /** [norm_eps] 1e-5 */
  normEps: number;
  /** [norm_bias] false: LayerNorms have no shift */
  normBias: boolean;
  /** [attention_bias] false */
  attentionBias: boolean;
  /** [mlp_bias] false */
  mlpBias: boolean;
  /** [global_rope_theta] 160000: rotary base of global-attention layers */
  globalRopeTheta: number;
  /** [local_rope_theta] 10000 (null in the config → global theta): rotary base of local layers */
  localRopeTheta: number;
  /** [global_attn_every_n_layers] 3: layer i is global iff i mod n = 0 (unless layer_types is given) */
  globalAttnEveryNLayers: number;
  /**
   * [layer_types] per layer "full_attention" (global) or "sliding_attention" (local); configs saved
   * by newer transformers carry it, older ones are expanded from global_attn_every_n_layers.
   */
  layerTypes: Array<"full_attention" | "sliding_attention">;
  /** [local_attention] 128: local layers see keys with |i − j| ≤ local_attention / 2 (floored) */
  localAttention: number;
  /** [classifier_pooling] "cls": "cls" (first token) or "mean" (mean over real tokens) */
  classifierPooling: "cls" | "mean";
  /** [classifier_bias] false: bias of head.dense */
  classifierBias: boolean;
  /** [classifier_activation] "gelu" */
  classifierActivation: EncoderActivation;
  /** [pad_token_id] 50283 */
  padTokenId: number;
  /** [cls_token_id] 50281 */
  clsTokenId: number;
  /** [sep_token_id] 50282 */
  sepTokenId: number;
  /** [initializer_range] 0.02 */
  initializerRange: number;
  /** [initializer_cutoff_factor] 2: fresh weights are N(0, σ²) truncated at ±factor·σ */
  initializerCutoffFactor: number;
  /** [num_labels or len(id2label)] 2 (HF default) */
  numLabels: number;
}

/** A configuration of either family. */
export type EncoderConfig = BertConfig | ModernBertConfig;

type Raw = Record<string, unknown>;

function reader(file: string, raw: Raw) {
  const num = (key: string, def: number, opts: { int?: boolean; min?: number } = {}): number => {
    const v = raw[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new InputError(file, 0, `${key} must be a number, got ${JSON.stringify(v)}`);
    if (opts.int && !Number.isInteger(v))
      throw new InputError(file, 0, `${key} must be an integer, got ${v}`);
    if (opts.min !== undefined && v < opts.min)
      throw new InputError(file, 0, `${key} must be ≥ ${opts.min}, got ${v}`);
    return v;
  };
  const int = (key: string, def: number, min = 1) => num(key, def, { int: true, min });
  const bool = (key: string, def: boolean): boolean => {
    const v = raw[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== "boolean")
      throw new InputError(file, 0, `${key} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const act = (key: string, def: EncoderActivation): EncoderActivation => {
    const v = raw[key] ?? def;
    if (typeof v !== "string" || !(ENCODER_ACTIVATIONS as readonly string[]).includes(v)) {
      throw new InputError(
        file,
        0,
        `${key} ${JSON.stringify(v)} is not supported (supported: ${ENCODER_ACTIVATIONS.join(", ")})`,
      );
    }
    return v as EncoderActivation;
  };
  const labels = (): number => {
    if (raw.num_labels !== undefined) return int("num_labels", 2);
    if (raw.id2label && typeof raw.id2label === "object") return Object.keys(raw.id2label).length;
    return 2;
  };
  return { num, int, bool, act, labels };
}

function checkHeads(file: string, d: number, h: number): void {
  if (d % h !== 0)
    throw new InputError(file, 0, `hidden_size ${d} is not divisible by num_attention_heads ${h}`);
}

/** Parse a config.json object (already read) of either family; `file` is used in errors. */
export function parseEncoderConfig(raw: Raw, file: string): EncoderConfig {
  const r = reader(file, raw);
  const type = raw.model_type;
  if (type === "bert") {
    if (raw.position_embedding_type !== undefined && raw.position_embedding_type !== "absolute") {
      throw new InputError(
        file,
        0,
        `position_embedding_type ${JSON.stringify(raw.position_embedding_type)} is not supported (only "absolute")`,
      );
    }
    if (raw.is_decoder === true || raw.add_cross_attention === true)
      throw new InputError(file, 0, "decoder BERT configs are not supported");
    const c: BertConfig = {
      modelType: "bert",
      vocabSize: r.int("vocab_size", 30522),
      hiddenSize: r.int("hidden_size", 768),
      numLayers: r.int("num_hidden_layers", 12),
      numHeads: r.int("num_attention_heads", 12),
      intermediateSize: r.int("intermediate_size", 3072),
      hiddenAct: r.act("hidden_act", "gelu"),
      maxPositions: r.int("max_position_embeddings", 512),
      typeVocabSize: r.int("type_vocab_size", 2),
      layerNormEps: r.num("layer_norm_eps", 1e-12, { min: 0 }),
      padTokenId: r.int("pad_token_id", 0, 0),
      sepTokenId:
        raw.sep_token_id === undefined || raw.sep_token_id === null ? null : r.int("sep_token_id", 0, 0),
      initializerRange: r.num("initializer_range", 0.02, { min: 0 }),
      numLabels: r.labels(),
    };
    checkHeads(file, c.hiddenSize, c.numHeads);
    return c;
  }
  if (type === "modernbert") {
    const pooling = raw.classifier_pooling ?? "cls";
    if (pooling !== "cls" && pooling !== "mean")
      throw new InputError(
        file,
        0,
        `classifier_pooling ${JSON.stringify(pooling)} is not supported (cls or mean)`,
      );
    // Rotary bases: newer transformers write rope_parameters {full_attention: {rope_type, rope_theta},
    // sliding_attention: {...}}; older configs write global_rope_theta / local_rope_theta.
    const rp = raw.rope_parameters as
      Record<string, { rope_type?: unknown; rope_theta?: unknown } | undefined> | undefined | null;
    const ropeTheta = (kind: "full_attention" | "sliding_attention"): number | undefined => {
      const p = rp?.[kind];
      if (!p) return undefined;
      if (p.rope_type !== undefined && p.rope_type !== "default")
        throw new InputError(
          file,
          0,
          `rope_parameters.${kind}.rope_type ${JSON.stringify(p.rope_type)} is not supported (only "default")`,
        );
      if (p.rope_theta === undefined) return undefined;
      if (typeof p.rope_theta !== "number" || !(p.rope_theta > 0))
        throw new InputError(file, 0, `rope_parameters.${kind}.rope_theta must be a positive number`);
      return p.rope_theta;
    };
    const globalTheta = ropeTheta("full_attention") ?? r.num("global_rope_theta", 160000, { min: 0 });
    const localTheta =
      ropeTheta("sliding_attention") ??
      r.num("local_rope_theta", raw.local_rope_theta === null ? globalTheta : 10000, { min: 0 });
    const numLayers = r.int("num_hidden_layers", 22);
    const everyN = r.int("global_attn_every_n_layers", 3);
    let layerTypes: ModernBertConfig["layerTypes"];
    if (raw.layer_types !== undefined && raw.layer_types !== null) {
      const lt = raw.layer_types;
      if (
        !Array.isArray(lt) ||
        lt.length !== numLayers ||
        !lt.every((t) => t === "full_attention" || t === "sliding_attention")
      ) {
        throw new InputError(
          file,
          0,
          `layer_types must list "full_attention" or "sliding_attention" for each of the ${numLayers} layers`,
        );
      }
      layerTypes = lt;
    } else {
      layerTypes = Array.from({ length: numLayers }, (_, i) =>
        i % everyN === 0 ? "full_attention" : "sliding_attention",
      );
    }
    const c: ModernBertConfig = {
      modelType: "modernbert",
      vocabSize: r.int("vocab_size", 50368),
      hiddenSize: r.int("hidden_size", 768),
      intermediateSize: r.int("intermediate_size", 1152),
      numLayers,
      numHeads: r.int("num_attention_heads", 12),
      hiddenActivation: r.act("hidden_activation", "gelu"),
      maxPositions: r.int("max_position_embeddings", 8192),
      normEps: r.num("norm_eps", 1e-5, { min: 0 }),
      normBias: r.bool("norm_bias", false),
      attentionBias: r.bool("attention_bias", false),
      mlpBias: r.bool("mlp_bias", false),
      globalRopeTheta: globalTheta,
      localRopeTheta: localTheta,
      globalAttnEveryNLayers: everyN,
      layerTypes,
      localAttention: r.int("local_attention", 128, 0),
      classifierPooling: pooling,
      classifierBias: r.bool("classifier_bias", false),
      classifierActivation: r.act("classifier_activation", "gelu"),
      padTokenId: r.int("pad_token_id", 50283, 0),
      clsTokenId: r.int("cls_token_id", 50281, 0),
      sepTokenId: r.int("sep_token_id", 50282, 0),
      initializerRange: r.num("initializer_range", 0.02, { min: 0 }),
      initializerCutoffFactor: r.num("initializer_cutoff_factor", 2, { min: 0 }),
      numLabels: r.labels(),
    };
    checkHeads(file, c.hiddenSize, c.numHeads);
    if ((c.hiddenSize / c.numHeads) % 2 !== 0)
      throw new InputError(
        file,
        0,
        `head size ${c.hiddenSize / c.numHeads} must be even for rotary embeddings`,
      );
    return c;
  }
  throw new InputError(
    file,
    0,
    `model_type ${JSON.stringify(type)} is not supported (supported: "bert", "modernbert")`,
  );
}

/** Read and parse `config.json`; InputError if missing, not JSON, or not a supported encoder. */
export function readEncoderConfig(file: string): EncoderConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(
      file,
      0,
      `cannot read config.json (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, 0, `config.json is not valid JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new InputError(file, 0, "config.json is not a JSON object");
  return parseEncoderConfig(raw as Raw, file);
}
