/**
 * What `npm run reproduce` hashes to decide whether a notebook must run again: the notebook, the
 * compiled library (which holds every profile's configuration: PROFILE_TRAIN_CONFIGS, the genret
 * configs), the profile name, and the inputs the notebook declares in its metadata
 * (`"scalerank": {"inputs": [...]}`; all of them when it declares none):
 *
 * - `records`: every checkpoint-record file and every run's `done.json` under `results/runs/`
 *   (what notebooks 02–06 read; a retrained run changes them);
 * - `data`: the generated reranker collection `data/generated/<profile>-seed1/`;
 * - `genret`: the generative-retrieval results `results/genret/<profile>/` and every generated
 *   collection (notebook 07 uses its own variant).
 *
 * Stamps are taken after a notebook succeeded, so a notebook that writes its own inputs (02 writes
 * records) is stable on the next run.
 */
import { createHash, type Hash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { dataPath, resultsPath } from "../lib/src/util/paths";
import { isRecordFileName } from "../lib/src/records/jsonl";

/** The inputs a notebook can declare. */
export const NOTEBOOK_INPUTS = ["records", "data", "genret"] as const;
export type NotebookInput = (typeof NOTEBOOK_INPUTS)[number];

/** Hash every file under `dir` (sorted, relative names and contents) that `keep` accepts. */
export function hashTree(
  dir: string,
  keep: (name: string) => boolean = () => true,
  h: Hash = createHash("sha256"),
  base = dir,
): Hash {
  if (!fs.existsSync(dir)) return h.update(`missing:${path.relative(base, dir)}\n`);
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) hashTree(p, keep, h, base);
    else if (e.isFile() && keep(e.name) && !e.name.endsWith(".tmp"))
      h.update(path.relative(base, p)).update("\0").update(fs.readFileSync(p)).update("\0");
  }
  return h;
}

/** The inputs a notebook declares in `metadata.scalerank.inputs` (all of them when absent). */
export function notebookInputs(nb: string): NotebookInput[] {
  const meta = (
    JSON.parse(fs.readFileSync(nb, "utf8")) as { metadata?: { scalerank?: { inputs?: unknown } } }
  ).metadata?.scalerank;
  if (meta?.inputs === undefined) return [...NOTEBOOK_INPUTS];
  if (
    !Array.isArray(meta.inputs) ||
    meta.inputs.some((x) => !(NOTEBOOK_INPUTS as readonly string[]).includes(x))
  ) {
    throw new Error(`${nb}: metadata.scalerank.inputs must be a list of ${NOTEBOOK_INPUTS.join(", ")}`);
  }
  return meta.inputs as NotebookInput[];
}

/** Hash of one declared input for a profile. */
export function inputHash(input: NotebookInput, profile: string): string {
  const h = createHash("sha256").update(input);
  if (input === "records") hashTree(resultsPath("runs"), (n) => isRecordFileName(n) || n === "done.json", h);
  else if (input === "data") hashTree(dataPath("generated", `${profile}-seed1`), undefined, h);
  else {
    hashTree(resultsPath("genret", profile), undefined, h);
    hashTree(dataPath("generated"), undefined, h);
  }
  return h.digest("hex");
}

/** The stamp of a notebook: its source, the library hash, the profile and its declared inputs. */
export function notebookStamp(nb: string, libHash: string, profile: string): string {
  const h = createHash("sha256").update(fs.readFileSync(nb)).update(libHash).update(profile);
  for (const i of notebookInputs(nb)) h.update(inputHash(i, profile));
  return h.digest("hex").slice(0, 16);
}

/** One notebook's entry in `stamps.json`. */
export interface StampEntry {
  stamp: string;
  seconds: number;
  finished: string;
}

/**
 * Read `stamps.json`; a missing file is empty, and so is a damaged one (with a warning naming
 * it, through `warn`): the cache only decides what to skip, so losing it means running more.
 */
export function readStamps(file: string, warn: (s: string) => void): Record<string, StampEntry> {
  if (!fs.existsSync(file)) return {};
  try {
    const v = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
    for (const [k, e] of Object.entries(v as Record<string, Partial<StampEntry>>)) {
      if (typeof e?.stamp !== "string" || typeof e.seconds !== "number")
        throw new Error(`entry "${k}" lacks stamp or seconds`);
    }
    return v as Record<string, StampEntry>;
  } catch (e) {
    warn(`${file}: ${(e as Error).message}; ignoring it, so every notebook runs again`);
    return {};
  }
}
