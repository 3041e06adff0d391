/**
 * Pretrained encoder checkpoints: safetensors and config.json readers, BERT and
 * ModernBERT (Ettin) cross-encoders in tfjs, and size tiers from a family of checkpoint folders.
 */
export * from "./safetensors";
export * from "./checkpoint";
export * from "./config";
export type { EncoderWeightSpec, WeightLookup } from "./layers";
export { ATTENTION_MASK_NEG } from "./layers";
export * from "./bert";
export * from "./modernbert";
export * from "./load";
export * from "./family";
export * from "./save";
