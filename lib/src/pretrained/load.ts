/**
 * Load a Hugging Face encoder folder (config.json + safetensors weights) into a tfjs
 * cross-encoder with the same interface as the from-scratch model (`CrossEncoder` of
 * model/crossencoder.ts), so the trainer, scorer and checkpoints of this library use it unchanged.
 *
 * Name resolution, without renaming by hand: every weight has its Hugging Face name without the
 * backbone prefix ({@link bertWeightSpecs}, {@link modernBertWeightSpecs}); in the checkpoint it is
 * looked up as `<prefix><name>` and `<name>`, where the prefix is "" (BertModel, ModernBertModel),
 * "bert." (BertFor…) or "model." (ModernBertFor…), detected from the word-embedding tensor. Old
 * BERT checkpoints' `LayerNorm.gamma`/`.beta` are accepted for `.weight`/`.bias`. Head weights
 * missing from the checkpoint are initialised fresh and listed in the load report, like Hugging
 * Face's "newly initialized" warning; checkpoint tensors that are not used (MLM decoder, buffers)
 * are listed as unused.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../backend/tf";
import { segmentsFromStart, type CrossEncoder } from "../model/crossencoder";
import type { ModelConfig } from "../model/tiers";
import { InputError } from "../util/fsutil";
import { createRng, deriveSeed } from "../util/rng";
import { loadHfTokenizer } from "../data/tokenizer";
import { CheckpointWeights, SAFETENSORS_INDEX, checkTensorShape, openCheckpointWeights } from "./checkpoint";
import { EncoderConfig, readEncoderConfig } from "./config";
import { EncoderWeightSpec } from "./layers";
import { BERT_EMBEDDING_NAMES, bertForward, bertWeightSpecs, segmentIdsAfterFirstSep } from "./bert";
import {
  MODERNBERT_EMBEDDING_NAMES,
  isGlobalLayer,
  modernBertForward,
  modernBertWeightSpecs,
} from "./modernbert";

/** Parameter counts of a pretrained cross-encoder (every variable, head included). */
export interface PretrainedParamCounts {
  /** All parameters. */
  total: number;
  /** Embedding tables (BERT: word, position, token type; ModernBERT: token). */
  embedding: number;
  /** total − embedding: the size axis N of the scaling laws (Kaplan et al. 2020 §2.1). */
  nonEmbedding: number;
}

/** Where each weight of the model comes from. */
export interface WeightSource {
  spec: EncoderWeightSpec;
  /** Checkpoint tensor name, or null when initialised fresh. */
  source: string | null;
}

/** A checkpoint folder resolved against its architecture, before any tensor data is read. */
export interface CheckpointPlan {
  folder: string;
  config: EncoderConfig;
  weights: CheckpointWeights;
  /** Backbone prefix found in the checkpoint ("", "bert." or "model."). */
  prefix: string;
  sources: WeightSource[];
  /** Checkpoint tensors the model does not use. */
  unused: string[];
  counts: PretrainedParamCounts;
}

/** Options of {@link planCheckpoint} and {@link loadPretrainedEncoder} (defaults in brackets). */
export interface PretrainedLoadOptions {
  /** Seed of freshly initialised head weights [0]. */
  seed?: number;
  /** Initialise the classifier fresh even if the checkpoint has one [false]. */
  freshHead?: boolean;
  /** Padding token id: padded keys are masked in {@link PretrainedEncoder.score} [config pad_token_id]. */
  padId?: number;
  /** [SEP] id that starts segment 1 (BERT token types) [config sep_token_id, else tokenizer.json's "[SEP]"]. */
  sepId?: number;
  /** Longest sequence accepted [max_position_embeddings]. */
  maxLen?: number;
  /**
   * Accept a checkpoint that does not match config.json [false]: encoder tensors the model does
   * not use (a config with fewer layers than the weights), or a missing pooler / head. Without it
   * both are errors; the heads of other tasks (masked-LM and next-sentence heads, buffers) and a
   * missing 1-logit classifier are never errors (they are listed in the load report).
   */
  partial?: boolean;
}

/**
 * Checkpoint tensors that belong to another task's head or are buffers, and so are expected to be
 * unused by a cross-encoder (Hugging Face loads them the same way, with a warning): BERT's
 * masked-LM and next-sentence heads (`cls.*`), ModernBERT's masked-LM decoder (`decoder.*`),
 * position-id buffers, and a classifier replaced by `freshHead`.
 */
export function isOtherTaskTensor(name: string, prefix: string): boolean {
  const n = name.startsWith(prefix) ? name.slice(prefix.length) : name;
  return /^(cls|decoder|lm_head)\./.test(n) || /^classifier\./.test(n) || /position_ids$/.test(n);
}

const PREFIXES: Record<EncoderConfig["modelType"], string[]> = {
  bert: ["", "bert."],
  modernbert: ["", "model."],
};

/** Weight specs of a config's architecture. */
export function encoderWeightSpecs(c: EncoderConfig): EncoderWeightSpec[] {
  return c.modelType === "bert" ? bertWeightSpecs(c) : modernBertWeightSpecs(c);
}

function embeddingNames(c: EncoderConfig): string[] {
  return c.modelType === "bert" ? BERT_EMBEDDING_NAMES : MODERNBERT_EMBEDDING_NAMES;
}

function candidates(name: string, prefix: string): string[] {
  const names = [prefix + name];
  if (prefix !== "") names.push(name);
  const legacy = name
    .replace(/LayerNorm\.weight$/, "LayerNorm.gamma")
    .replace(/LayerNorm\.bias$/, "LayerNorm.beta");
  if (legacy !== name) names.push(prefix + legacy);
  return names;
}

/** Count parameters of weight specs: total, embedding tables, and the rest. */
export function countSpecs(specs: readonly EncoderWeightSpec[]): PretrainedParamCounts {
  let total = 0,
    embedding = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    total += n;
    if (s.role === "embedding") embedding += n;
  }
  return { total, embedding, nonEmbedding: total - embedding };
}

/**
 * Resolve a model folder without reading tensor data: parse config.json, open the safetensors
 * headers, find every weight (prefix detection, see the module comment), check every shape
 * against the config, and count parameters. Errors (InputError) name the file; a missing
 * required tensor lists the names tried; a shape mismatch names the tensor and both shapes.
 */
export function planCheckpoint(folder: string, options: PretrainedLoadOptions = {}): CheckpointPlan {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory())
    throw new InputError(folder, 0, "model folder not found");
  const configFile = path.join(folder, "config.json");
  const config = readEncoderConfig(configFile);
  const weights = openCheckpointWeights(folder);
  const specs = encoderWeightSpecs(config);
  const where = weights.files.length === 1 ? weights.files[0] : path.join(folder, SAFETENSORS_INDEX);
  const first = embeddingNames(config)[0];
  const prefix = PREFIXES[config.modelType].find((p) => weights.has(p + first));
  if (prefix === undefined) {
    const seen = Array.from(weights.entries.keys()).slice(0, 5).join(", ");
    throw new InputError(
      where,
      0,
      `no ${config.modelType} weights: tensor "${first}" not found under any prefix (${PREFIXES[config.modelType].map((p) => `"${p}"`).join(", ")}); the checkpoint starts with: ${seen}`,
    );
  }
  const used = new Set<string>();
  const sources: WeightSource[] = [];
  for (const spec of specs) {
    const fresh = options.freshHead === true && spec.name.startsWith("classifier.");
    const found = fresh ? undefined : candidates(spec.name, prefix).find((n) => weights.has(n));
    if (found === undefined) {
      if (!spec.optional && !fresh) {
        throw new InputError(
          where,
          0,
          `tensor "${spec.name}" not found (looked for ${candidates(spec.name, prefix)
            .map((n) => `"${n}"`)
            .join(", ")}); config.json says ${config.modelType} with ${config.numLayers} layers`,
        );
      }
      sources.push({ spec, source: null });
      continue;
    }
    const entry = weights.entries.get(found)!;
    const hint = spec.name.startsWith("classifier.")
      ? " (a 1-logit cross-encoder head; load with freshHead: true to replace this classifier)"
      : "";
    checkTensorShape(entry, spec.shape, `config.json (${configFile})${hint}`);
    used.add(found);
    sources.push({ spec, source: found });
  }
  const unused = Array.from(weights.entries.keys()).filter((n) => !used.has(n));
  if (!options.partial) {
    const strays = unused.filter((n) => !isOtherTaskTensor(n, prefix));
    if (strays.length) {
      throw new InputError(
        where,
        0,
        `${strays.length} tensor(s) of the checkpoint are not used by the model that ${configFile} describes (${config.modelType}, ${config.numLayers} layers, hidden ${config.hiddenSize}): ${strays
          .slice(0, 4)
          .map((n) => `"${n}"`)
          .join(
            ", ",
          )}${strays.length > 4 ? ", …" : ""}; a config that does not match its weights? (load with partial: true to use a subset)`,
      );
    }
    const missing = sources
      .filter((s) => s.source === null && !s.spec.name.startsWith("classifier."))
      .map((s) => s.spec.name);
    if (missing.length)
      throw new InputError(
        where,
        0,
        `tensor(s) ${missing.map((n) => `"${n}"`).join(", ")} missing from the checkpoint (the 1-logit classifier may be missing, nothing else); load with partial: true to initialise them fresh`,
      );
  }
  return { folder, config, weights, prefix, sources, unused, counts: countSpecs(specs) };
}

/** What {@link loadPretrainedEncoder} did. */
export interface PretrainedLoadReport {
  /** Weights read from the checkpoint: model name, checkpoint tensor, stored dtype. */
  loaded: Array<{ name: string; source: string; dtype: string }>;
  /** Weights initialised fresh (missing head weights, or the classifier with freshHead). */
  initialized: string[];
  /** Checkpoint tensors not used by the model. */
  unused: string[];
  /** Other things worth knowing (e.g. where no [SEP] id was found). */
  notes: string[];
}

/** A pretrained encoder as a cross-encoder: the {@link CrossEncoder} interface plus more. */
export interface PretrainedEncoder extends CrossEncoder {
  /** Architecture family. */
  arch: EncoderConfig["modelType"];
  /** The folder it was loaded from. */
  folder: string;
  /** The parsed config.json. */
  encoderConfig: EncoderConfig;
  /** Weight specs (Hugging Face names without prefix), in load order. */
  specs: EncoderWeightSpec[];
  /** [SEP] id used to derive BERT token types in {@link score} (null: all type 0). */
  sepId: number | null;
  /**
   * Full forward pass: last hidden state [B, T, d] and logits [B]. `mask` defaults to
   * ids ≠ padId; `typeIds` (BERT only) default to 1 after the first [SEP]. Call inside tf.tidy.
   */
  forward(
    ids: tf.Tensor2D,
    mask?: tf.Tensor2D,
    typeIds?: tf.Tensor2D,
  ): { hidden: tf.Tensor3D; logits: tf.Tensor1D };
  /** Logits [B] with an explicit attention mask (and BERT token types). Call inside tf.tidy. */
  scoreWithMask(ids: tf.Tensor2D, mask: tf.Tensor2D, typeIds?: tf.Tensor2D): tf.Tensor1D;
  /** The trainable variables, in spec order (what an optimizer updates). */
  trainableVariables(): tf.Variable[];
  /** Parameter counts read from the weights. */
  counts: PretrainedParamCounts;
  report: PretrainedLoadReport;
}

let variableCounter = 0;

function freshValues(spec: EncoderWeightSpec, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  if (spec.init === "ones") return v.fill(1);
  if (spec.init === "zeros") return v;
  const rng = createRng(deriveSeed(seed, spec.name));
  const lim = spec.truncate > 0 ? spec.truncate : Infinity;
  for (let i = 0; i < n; i++) {
    let z = rng.normal();
    while (Math.abs(z) > lim) z = rng.normal(); // truncated normal by rejection
    v[i] = z * spec.std;
  }
  return v;
}

function findSepId(folder: string, config: EncoderConfig, notes: string[]): number | null {
  if (config.modelType === "modernbert") return config.sepTokenId;
  if (config.sepTokenId !== null) return config.sepTokenId;
  const tj = path.join(folder, "tokenizer.json");
  if (fs.existsSync(tj)) {
    try {
      return loadHfTokenizer(tj).sepId;
    } catch (e) {
      notes.push(`no [SEP] id from ${tj} (${(e as Error).message}): token types are all 0 unless given`);
      return null;
    }
  }
  notes.push(
    "no sep_token_id in config.json and no tokenizer.json: token types are all 0 unless given (pass sepId)",
  );
  return null;
}

/**
 * Load a Hugging Face BERT or ModernBERT folder as a cross-encoder (see the module comment).
 * Tensors are read one at a time (F32/F16/BF16 → float32) straight into tfjs variables, so peak
 * memory is the model plus one tensor. Throws InputError for a missing file, an unknown dtype, a
 * missing tensor or a shape mismatch (see {@link planCheckpoint}); a failed load disposes what it
 * had created. Needs a selected backend (`selectBackend()`), like every tfjs model here.
 */
export function loadPretrainedEncoder(
  folder: string,
  options: PretrainedLoadOptions = {},
): PretrainedEncoder {
  const plan = planCheckpoint(folder, options);
  const c = plan.config;
  const seed = options.seed ?? 0;
  const uid = variableCounter++;
  const weights = new Map<string, tf.Variable>();
  const report: PretrainedLoadReport = { loaded: [], initialized: [], unused: plan.unused, notes: [] };
  try {
    for (const { spec, source } of plan.sources) {
      let values: Float32Array;
      if (source) {
        values = plan.weights.read(source, spec.shape);
        report.loaded.push({ name: spec.name, source, dtype: plan.weights.entries.get(source)!.dtype });
      } else {
        values = freshValues(spec, seed);
        report.initialized.push(spec.name);
      }
      const t = tf.tensor(values, spec.shape, "float32");
      weights.set(spec.name, tf.variable(t, true, `pretrained${uid}/${spec.name}`));
      t.dispose();
    }
  } catch (e) {
    weights.forEach((v) => v.dispose());
    throw e;
  }
  const specs = plan.sources.map((s) => s.spec);
  const W = (name: string): tf.Tensor => {
    const v = weights.get(name);
    if (!v) throw new Error(`internal: no weight ${name}`);
    return v;
  };
  const has = (name: string) => weights.has(name);
  const padId = options.padId ?? c.padTokenId;
  const sepId = options.sepId ?? findSepId(folder, c, report.notes);
  const maxLen = options.maxLen ?? c.maxPositions;
  if (c.modelType === "bert" && maxLen > c.maxPositions)
    throw new Error(`maxLen ${maxLen} exceeds max_position_embeddings ${c.maxPositions}`);
  const modelConfig: ModelConfig = {
    layers: c.numLayers,
    dModel: c.hiddenSize,
    heads: c.numHeads,
    vocabSize: c.vocabSize,
    maxLen,
    padId,
  };

  const forward = (ids: tf.Tensor2D, mask?: tf.Tensor2D, typeIds?: tf.Tensor2D) => {
    const T = ids.shape[1];
    if (T > maxLen) throw new Error(`sequence length ${T} exceeds maxLen ${maxLen}`);
    const m = mask ?? (tf.cast(tf.notEqual(ids, padId), "float32") as tf.Tensor2D);
    if (c.modelType === "bert") {
      const types =
        typeIds ??
        (sepId === null ? (tf.zerosLike(ids) as tf.Tensor2D) : segmentIdsAfterFirstSep(ids, m, sepId));
      return bertForward(c, W, ids, m, tf.cast(types, "int32") as tf.Tensor2D);
    }
    return modernBertForward(c, W, has, ids, m);
  };
  return {
    config: modelConfig,
    specs,
    weights,
    arch: c.modelType,
    folder,
    encoderConfig: c,
    sepId,
    forward,
    score: (ids, segStart) =>
      forward(
        ids,
        undefined,
        segStart && c.modelType === "bert"
          ? (tf.mul(
              segmentsFromStart(segStart, ids.shape[1]),
              tf.cast(tf.notEqual(ids, padId), "int32"),
            ) as tf.Tensor2D)
          : undefined,
      ).logits,
    scoreWithMask: (ids, mask, typeIds) => forward(ids, mask, typeIds).logits,
    trainableVariables: () => specs.map((s) => weights.get(s.name)!),
    counts: countSpecs(specs),
    report,
    dispose: () => weights.forEach((v) => v.dispose()),
  };
}

/**
 * Training FLOPs of one example of T tokens for a pretrained config: 6·N·T for the dense
 * weights (Kaplan et al. 2020, C ≈ 6N per token) plus the attention scores and weighted sums,
 * 12·d·T·Σ_l T_l, where T_l = T for a global layer and min(T, 2⌊w/2⌋ + 1) for a ModernBERT local
 * layer of window w (keys a query can see; a band is counted, not its edge effects).
 */
export function pretrainedTrainFlopsPerExample(
  c: EncoderConfig,
  nonEmbedding: number,
  seqLen: number,
): number {
  let keys = 0;
  for (let l = 0; l < c.numLayers; l++) {
    const local = c.modelType === "modernbert" && !isGlobalLayer(c, l);
    keys += local ? Math.min(seqLen, 2 * Math.floor(c.localAttention / 2) + 1) : seqLen;
  }
  return 6 * nonEmbedding * seqLen + 12 * c.hiddenSize * seqLen * keys;
}
