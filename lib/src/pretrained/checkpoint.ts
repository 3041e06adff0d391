/**
 * The weights of a Hugging Face model folder: `model.safetensors`, or the shards listed by
 * `model.safetensors.index.json` (`{"metadata": {...}, "weight_map": {tensor: shard file}}`).
 * Only headers are read when the folder is opened; tensors are read one at a time on demand
 * (see safetensors.ts), so a sharded 1B checkpoint is never held twice.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../util/fsutil";
import { SafetensorsEntry, formatTensorShape, readSafetensorsHeader, readTensorFloat32 } from "./safetensors";

/** File names looked for in a model folder. */
export const SAFETENSORS_SINGLE = "model.safetensors";
/** Index of a sharded checkpoint. */
export const SAFETENSORS_INDEX = "model.safetensors.index.json";

/** The tensors of a checkpoint folder, across its shards. */
export interface CheckpointWeights {
  folder: string;
  /** The safetensors files, in the order they were opened. */
  files: string[];
  /** Every tensor by name (shard entries merged). */
  entries: Map<string, SafetensorsEntry>;
  /** True if it has this tensor. */
  has(name: string): boolean;
  /**
   * Read one tensor as float32. With `expectShape`, a different shape throws InputError naming
   * the file, the tensor and both shapes (`why` says where the expected shape comes from).
   */
  read(name: string, expectShape?: readonly number[], why?: string): Float32Array;
}

/** Check a tensor's shape against the expected one (InputError names file, tensor, both shapes). */
export function checkTensorShape(
  entry: SafetensorsEntry,
  expectShape: readonly number[],
  why = "the model",
): void {
  const same = entry.shape.length === expectShape.length && entry.shape.every((s, i) => s === expectShape[i]);
  if (!same) {
    throw new InputError(
      entry.file,
      0,
      `tensor "${entry.name}" has shape ${formatTensorShape(entry.shape)} in the checkpoint, but ${why} needs ${formatTensorShape(expectShape)}`,
    );
  }
}

/**
 * Open the weights of a model folder: `model.safetensors` if present, else the shards of
 * `model.safetensors.index.json`. InputError when neither exists (a `pytorch_model.bin` is
 * named as unsupported), when the index is not valid JSON or lists a shard that is missing, or
 * when a shard's header lacks a tensor the index assigns to it. A tensor name found in two files
 * is an error.
 */
export function openCheckpointWeights(folder: string): CheckpointWeights {
  const single = path.join(folder, SAFETENSORS_SINGLE);
  const indexFile = path.join(folder, SAFETENSORS_INDEX);
  const files: string[] = [];
  const entries = new Map<string, SafetensorsEntry>();
  const add = (file: string): Map<string, SafetensorsEntry> => {
    const h = readSafetensorsHeader(file);
    for (const [name, e] of h.entries) {
      const prev = entries.get(name);
      if (prev) throw new InputError(file, 0, `tensor "${name}" is also in ${prev.file}`);
      entries.set(name, e);
    }
    files.push(file);
    return h.entries;
  };
  if (fs.existsSync(single)) add(single);
  else if (fs.existsSync(indexFile)) {
    let index: { weight_map?: Record<string, string> };
    try {
      index = JSON.parse(fs.readFileSync(indexFile, "utf8"));
    } catch (e) {
      throw new InputError(indexFile, 0, `not valid JSON (${(e as Error).message})`);
    }
    const map = index.weight_map;
    if (!map || typeof map !== "object") throw new InputError(indexFile, 0, 'no "weight_map" object');
    const shards = Array.from(new Set(Object.values(map)));
    const headers = new Map<string, Map<string, SafetensorsEntry>>();
    for (const shard of shards) {
      if (typeof shard !== "string" || shard.includes("/") || shard.includes("\\"))
        throw new InputError(indexFile, 0, `shard name ${JSON.stringify(shard)} is not a plain file name`);
      const file = path.join(folder, shard);
      if (!fs.existsSync(file))
        throw new InputError(file, 0, `shard listed in ${SAFETENSORS_INDEX} is missing`);
      headers.set(shard, add(file));
    }
    for (const [name, shard] of Object.entries(map)) {
      if (!headers.get(shard)!.has(name))
        throw new InputError(
          path.join(folder, shard),
          0,
          `${SAFETENSORS_INDEX} puts tensor "${name}" in this shard, but its header has no such tensor`,
        );
    }
  } else {
    const bin = fs.existsSync(path.join(folder, "pytorch_model.bin"))
      ? " (pytorch_model.bin is not read: convert the checkpoint to safetensors)"
      : "";
    throw new InputError(
      single,
      0,
      `missing: the folder has neither ${SAFETENSORS_SINGLE} nor ${SAFETENSORS_INDEX}${bin}`,
    );
  }
  return {
    folder,
    files,
    entries,
    has: (name) => entries.has(name),
    read(name, expectShape, why) {
      const e = entries.get(name);
      if (!e)
        throw new InputError(
          files.length === 1 ? files[0] : path.join(folder, SAFETENSORS_INDEX),
          0,
          `tensor "${name}" not found in the checkpoint`,
        );
      if (expectShape) checkTensorShape(e, expectShape, why);
      return readTensorFloat32(e);
    },
  };
}
