/**
 * Checkpoint records on disk: one JSON object per line (`records.jsonl` files under `results/runs/`), written
 * atomically and validated on read, so a malformed line fails loudly with `file:line: problem`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError, appendJsonLinesAtomic, readJsonLines, writeFileAtomic } from "../util/fsutil";
import { TRAINER_METRICS, TRAINER_PROFILES, type CheckpointRecord } from "./types";

const OBJECTIVES = new Set(["pointwise", "pairwise", "listwise"]);
const NUMERIC: readonly (keyof CheckpointRecord)[] = [
  "params",
  "totalParams",
  "step",
  "examples",
  "tokens",
  "flops",
  "wallSeconds",
  "seed",
];
const STRINGS: readonly (keyof CheckpointRecord)[] = ["tier", "backend", "profile", "evalSet"];

/**
 * Check one parsed value against the {@link CheckpointRecord} contract. Returns the first problem
 * as a sentence, or null when the value is a valid record. Numbers must be finite and `params`
 * positive; metric values must be finite numbers.
 */
export function checkpointRecordProblem(v: unknown): string | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "record is not a JSON object";
  const o = v as Record<string, unknown>;
  for (const k of STRINGS) if (typeof o[k] !== "string") return `field "${k}" must be a string`;
  for (const k of NUMERIC)
    if (typeof o[k] !== "number" || !Number.isFinite(o[k] as number))
      return `field "${k}" must be a finite number`;
  if (!((o.params as number) > 0)) return `field "params" must be > 0`;
  if (typeof o.objective !== "string" || !OBJECTIVES.has(o.objective))
    return `field "objective" must be one of pointwise, pairwise, listwise`;
  if (typeof o.metrics !== "object" || o.metrics === null || Array.isArray(o.metrics))
    return `field "metrics" must be an object`;
  const keys = Object.keys(o.metrics as object);
  if (keys.length === 0) return `field "metrics" is empty`;
  for (const [k, m] of Object.entries(o.metrics as Record<string, unknown>)) {
    if (typeof m !== "number" || !Number.isFinite(m)) return `metric "${k}" must be a finite number`;
  }
  if (TRAINER_PROFILES.includes(o.profile as string)) {
    const missing = TRAINER_METRICS.filter((k) => !keys.includes(k));
    if (missing.length)
      return `a ${o.profile} record must have every trainer metric (${TRAINER_METRICS.join(", ")}); missing ${missing.join(", ")}`;
  }
  return null;
}

/**
 * The first problem with a file's records taken together: every record must have the metric
 * names of the file's first record (a record without one would silently drop out of a fit).
 * Returns the index of the offending record and the problem, or null.
 */
export function recordSetProblem(
  records: readonly CheckpointRecord[],
): { index: number; problem: string } | null {
  if (records.length === 0) return null;
  const first = Object.keys(records[0].metrics).sort();
  for (let i = 1; i < records.length; i++) {
    const keys = Object.keys(records[i].metrics);
    const missing = first.filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !first.includes(k));
    if (missing.length || extra.length) {
      const what = [
        missing.length ? `lacks ${missing.join(", ")}` : "",
        extra.length ? `has ${extra.join(", ")} in addition` : "",
      ]
        .filter(Boolean)
        .join(" and ");
      return { index: i, problem: `metrics differ from the file's first record: this one ${what}` };
    }
  }
  return null;
}

/** Line numbers (1-based) of the non-blank lines of a text, in order. */
function nonBlankLines(text: string): number[] {
  const out: number[] = [];
  text.split("\n").forEach((l, i) => {
    if (l.trim() !== "") out.push(i + 1);
  });
  return out;
}

/**
 * Read a JSON-lines file of checkpoint records, validating every line; throws
 * `InputError(file, line, problem)` on the first bad one.
 */
export function readCheckpointRecords(file: string): CheckpointRecord[] {
  const rows = readJsonLines<unknown>(file);
  const lines = nonBlankLines(fs.readFileSync(file, "utf8"));
  rows.forEach((r, i) => {
    const problem = checkpointRecordProblem(r);
    if (problem) throw new InputError(file, lines[i] ?? 0, problem);
  });
  const set = recordSetProblem(rows as CheckpointRecord[]);
  if (set) throw new InputError(file, lines[set.index] ?? 0, set.problem);
  return rows as CheckpointRecord[];
}

function checkAll(file: string, records: readonly CheckpointRecord[]): void {
  records.forEach((r, i) => {
    const problem = checkpointRecordProblem(r);
    if (problem) throw new InputError(file, 0, `record ${i} not written: ${problem}`);
  });
  const set = recordSetProblem(records);
  if (set) throw new InputError(file, 0, `record ${set.index} not written: ${set.problem}`);
}

/** Write records as JSON lines, atomically (validated first: nothing is written if one is bad). */
export function writeCheckpointRecords(file: string, records: readonly CheckpointRecord[]): void {
  checkAll(file, records);
  writeFileAtomic(file, records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : ""));
}

/** Append records to a JSON-lines file atomically (validated first). */
export function appendCheckpointRecords(file: string, records: readonly CheckpointRecord[]): void {
  checkAll(file, records);
  appendJsonLinesAtomic(file, records);
}

/**
 * All record files under a folder, recursively, sorted by path ([] when the folder is missing):
 * files named `records.jsonl` or `<anything>.records.jsonl`. Other JSON-lines files next to them
 * (a run's `loss.jsonl`, the authors' layout `records.authors.jsonl`) are not checkpoint records.
 */
export function findRecordFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && isRecordFileName(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** True for `records.jsonl` and `<name>.records.jsonl`. */
export function isRecordFileName(name: string): boolean {
  return name === "records.jsonl" || name.endsWith(".records.jsonl");
}

/** The identity of a checkpoint: one evaluation of one run at one step. */
export function checkpointKey(r: CheckpointRecord): string {
  return [r.profile, r.evalSet, r.tier, r.objective, r.seed, r.step].join("\u0000");
}

/**
 * Read every record under a folder (e.g. `results/runs`), in file order. The same checkpoint
 * found in several files (a run's own file and the grid's merged file) is kept once: the first
 * occurrence in path order.
 */
export function loadCheckpointRecords(dir: string): CheckpointRecord[] {
  const seen = new Set<string>();
  const out: CheckpointRecord[] = [];
  for (const r of findRecordFiles(dir).flatMap((f) => readCheckpointRecords(f))) {
    const k = checkpointKey(r);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  }
  return out;
}
