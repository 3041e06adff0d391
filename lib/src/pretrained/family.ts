/**
 * Size tiers from a family of pretrained checkpoints: the paper fine-tunes the six Ettin encoders
 * (17M, 32M, 68M, 150M, 400M, 1B; arXiv 2603.04816, Ettin: `jhu-clsp/ettin-encoder-*`). A tier
 * points at a local folder; its parameter counts are read from the safetensors headers and
 * config.json (no tensor data is read), and the rows have the fields of the from-scratch tier
 * table (`TierRow` of model/tiers.ts), so tables, fits and plots take them unchanged.
 */
import * as path from "node:path";
import type { TierRow } from "../model/tiers";
import type { EncoderConfig } from "./config";
import { PretrainedLoadOptions, planCheckpoint, pretrainedTrainFlopsPerExample } from "./load";

/** A named tier backed by a checkpoint folder. */
export interface PretrainedTier {
  /** Tier name used in records (e.g. "ettin-17m"). */
  name: string;
  /** Hugging Face model folder (config.json, model.safetensors or shards, tokenizer.json). */
  folder: string;
  /** The family's nominal size in parameters (the paper fits use these, e.g. 17e6), if known. */
  nominalParams?: number;
}

/** One row of a pretrained tier table: a {@link TierRow} plus where it comes from. */
export interface PretrainedTierRow extends TierRow {
  folder: string;
  arch: EncoderConfig["modelType"];
  nominalParams: number | null;
}

/** The Ettin encoder sizes with their nominal parameter counts (arXiv 2603.04816 uses 17e6 … 1e9). */
export const ETTIN_SIZES: ReadonlyArray<{ size: string; nominalParams: number }> = [
  { size: "17m", nominalParams: 17e6 },
  { size: "32m", nominalParams: 32e6 },
  { size: "68m", nominalParams: 68e6 },
  { size: "150m", nominalParams: 150e6 },
  { size: "400m", nominalParams: 400e6 },
  { size: "1b", nominalParams: 1e9 },
];

/**
 * The six Ettin tiers under one root folder, named "ettin-<size>" and expected at
 * `<root>/ettin-encoder-<size>` (the Hugging Face repository names).
 */
export function ettinTiers(root: string): PretrainedTier[] {
  return ETTIN_SIZES.map((s) => ({
    name: `ettin-${s.size}`,
    folder: path.join(root, `ettin-encoder-${s.size}`),
    nominalParams: s.nominalParams,
  }));
}

/**
 * The tier table of checkpoint folders for sequences of `seqLen` tokens: layers, width and heads
 * from config.json, parameter counts of the cross-encoder (checkpoint weights plus the 1-logit
 * head) from the safetensors headers, training FLOPs per example from
 * {@link pretrainedTrainFlopsPerExample}. Throws InputError for a folder that cannot be loaded.
 */
export function pretrainedTierTable(
  tiers: readonly PretrainedTier[],
  seqLen: number,
  options: PretrainedLoadOptions = {},
): PretrainedTierRow[] {
  return tiers.map((t) => {
    const plan = planCheckpoint(t.folder, options);
    const c = plan.config;
    return {
      tier: t.name,
      layers: c.numLayers,
      dModel: c.hiddenSize,
      heads: c.numHeads,
      nonEmbedding: plan.counts.nonEmbedding,
      embedding: plan.counts.embedding,
      total: plan.counts.total,
      trainFlopsPerExample: pretrainedTrainFlopsPerExample(c, plan.counts.nonEmbedding, seqLen),
      folder: t.folder,
      arch: c.modelType,
      nominalParams: t.nominalParams ?? null,
    };
  });
}
