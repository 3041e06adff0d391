/**
 * Save a (fine-tuned) pretrained cross-encoder back as a Hugging Face folder that this library,
 * and `transformers`' BertForSequenceClassification / ModernBertForSequenceClassification, load:
 * `model.safetensors` with the Hugging Face names of the classification layout (backbone under
 * "bert." or "model.", head and 1-logit classifier at the top), `config.json` (the source config
 * with the classification architecture and one label), and the tokenizer files of the source
 * folder. Tensors are streamed out one at a time.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../util/fsutil";
import type { PretrainedEncoder } from "./load";
import { writeSafetensors } from "./safetensors";

/** Tokenizer files copied from the source folder when present. */
export const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "vocab.txt",
];

/** The checkpoint name of a weight in the sequence-classification layout of its family. */
export function classificationTensorName(arch: PretrainedEncoder["arch"], name: string): string {
  if (arch === "bert") return name.startsWith("classifier.") ? name : `bert.${name}`;
  return name.startsWith("classifier.") || name.startsWith("head.") ? name : `model.${name}`;
}

/**
 * Write `model` to `folder` (see the module comment). `dtype` is the stored precision [F32];
 * F16/BF16 round to nearest even. config.json is written last, so a folder with a config.json is
 * complete.
 */
export async function savePretrainedEncoder(
  model: PretrainedEncoder,
  folder: string,
  options: { dtype?: "F32" | "F16" | "BF16" } = {},
): Promise<void> {
  const dtype = options.dtype ?? "F32";
  fs.mkdirSync(folder, { recursive: true });
  await writeSafetensors(
    path.join(folder, "model.safetensors"),
    model.specs.map((s) => ({
      name: classificationTensorName(model.arch, s.name),
      shape: s.shape,
      dtype,
      data: async () => (await model.weights.get(s.name)!.data()) as Float32Array,
    })),
    { format: "pt", saved_by: "scalerank savePretrainedEncoder" },
  );
  const src = path.resolve(model.folder),
    dst = path.resolve(folder);
  if (src !== dst) {
    for (const f of TOKENIZER_FILES) {
      const p = path.join(src, f);
      if (fs.existsSync(p)) writeFileAtomic(path.join(dst, f), fs.readFileSync(p));
    }
  }
  const raw = JSON.parse(fs.readFileSync(path.join(src, "config.json"), "utf8")) as Record<string, unknown>;
  delete raw.num_labels;
  const config = {
    ...raw,
    architectures: [
      model.arch === "bert" ? "BertForSequenceClassification" : "ModernBertForSequenceClassification",
    ],
    id2label: { "0": "LABEL_0" },
    label2id: { LABEL_0: 0 },
    torch_dtype: { F32: "float32", F16: "float16", BF16: "bfloat16" }[dtype],
  };
  writeJsonAtomic(path.join(dst, "config.json"), config);
}
