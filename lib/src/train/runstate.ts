/**
 * The files of one training run's folder, and how they are checked, saved and recovered.
 *
 * - `state.json` + `state-<step>.bin`: the latest resumable state (weights, AdamW moments, data
 *   cursor, records so far). `state.prev.json` and its binary: the state saved before it. Each
 *   manifest records its binary's byte length and SHA-256, so a truncated or damaged binary is
 *   found before it is used. Saving writes the new binary, moves the current manifest to
 *   `state.prev.json`, then writes the new manifest: a kill at any instant leaves at least one
 *   consistent pair.
 * - `done.json` (records, identity hash, SHA-256 of `weights.bin`) when the run is complete;
 *   `failed.json` when its loss became NaN/Inf.
 * - `run.lock`: held by the process training the run (its pid); a lock whose process is gone is
 *   taken over, a live one makes a second trainer refuse the folder.
 *
 * {@link inspectRunFolder} reads these files without trusting them: a damaged file is named in a
 * note and the run falls back to the previous state, or restarts from scratch, instead of failing
 * (and so never blocks later runs of a grid).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../util/fsutil";
import type { CheckpointRecord } from "../records/types";
import { checkpointRecordProblem } from "../records/jsonl";
import type { CursorState } from "./batches";

/** A resumable state manifest (`state.json` / `state.prev.json`). */
export interface SavedState {
  version: 2;
  /** Identity hash of the run's configuration (a state of another configuration is not used). */
  hash: string;
  step: number;
  cursor: CursorState;
  optimizerStep: number;
  /** File name of the binary (weights, then AdamW m, then v, as float32). */
  bin: string;
  binBytes: number;
  binSha256: string;
  records: CheckpointRecord[];
  lossLog: Array<[number, number]>;
  trainSeconds: number;
  examples: number;
}

/** What a complete run's `done.json` holds. */
export interface DoneFile {
  hash: string;
  records: CheckpointRecord[];
  trainSeconds: number;
  /** SHA-256 of weights.bin (absent in folders written before it was recorded). */
  weightsSha256?: string;
  /** The final model on every evaluation query (TrainConfig.finalEval). */
  final?: unknown;
}

/** The state of a run folder as found on disk (see {@link inspectRunFolder}). */
export type RunFolder =
  | { status: "done"; records: CheckpointRecord[]; notes: string[] }
  | { status: "failed"; records: CheckpointRecord[]; message: string; notes: string[] }
  | { status: "partial"; states: SavedState[]; notes: string[] }
  | { status: "new"; notes: string[] };

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** Parse a JSON file; null when absent; a string (the problem) when unreadable or invalid. */
function readJson(file: string): unknown | null | { problem: string } {
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    return {
      problem: `${file}: ${e instanceof SyntaxError ? "invalid JSON" : "unreadable"} (${(e as Error).message})`,
    };
  }
}

const isProblem = (v: unknown): v is { problem: string } =>
  typeof v === "object" && v !== null && "problem" in v && Object.keys(v).length === 1;

function recordsProblem(file: string, records: unknown): string | null {
  if (!Array.isArray(records)) return `${file}: "records" is not an array`;
  for (let i = 0; i < records.length; i++) {
    const p = checkpointRecordProblem(records[i]);
    if (p) return `${file}: record ${i}: ${p}`;
  }
  return null;
}

/** Check a state manifest and its binary; returns the state or the problem. */
export function checkSavedState(dir: string, name: string, hash: string): SavedState | string | null {
  const file = path.join(dir, name);
  const v = readJson(file);
  if (v === null) return null;
  if (isProblem(v)) return v.problem;
  const st = v as Partial<SavedState>;
  if (st.hash !== hash) return null; // another configuration's state: not ours to use
  if (
    st.version !== 2 ||
    typeof st.bin !== "string" ||
    !/^state-\d+\.bin$/.test(st.bin) ||
    typeof st.step !== "number" ||
    typeof st.binSha256 !== "string"
  ) {
    return `${file}: not a version-2 state manifest (fields version, step, bin, binSha256)`;
  }
  const rp = recordsProblem(file, st.records);
  if (rp) return rp;
  const binFile = path.join(dir, st.bin);
  if (!fs.existsSync(binFile)) return `${binFile}: missing (named by ${name})`;
  const bytes = fs.readFileSync(binFile);
  if (bytes.length !== st.binBytes)
    return `${binFile}: ${bytes.length} bytes, ${name} says ${st.binBytes} (truncated?)`;
  if (sha256(bytes) !== st.binSha256) return `${binFile}: SHA-256 differs from the one in ${name} (damaged)`;
  return st as SavedState;
}

/**
 * What a run folder holds for a run of identity `hash`: complete (`done.json` valid, records
 * valid, weights.bin matching its checksum), failed, partial (the usable saved states, newest
 * first), or new. Every damaged file met on the way is described in `notes` (file name and
 * problem); damaged files are skipped, never trusted.
 */
export function inspectRunFolder(dir: string, hash: string): RunFolder {
  const notes: string[] = [];
  const doneFile = path.join(dir, "done.json");
  const done = readJson(doneFile);
  if (isProblem(done)) notes.push(done.problem);
  else if (done !== null && (done as DoneFile).hash === hash) {
    const d = done as DoneFile;
    const rp = recordsProblem(doneFile, d.records);
    const weights = path.join(dir, "weights.bin");
    if (rp) notes.push(rp);
    else if (!fs.existsSync(weights)) notes.push(`${weights}: missing (the run's final weights)`);
    else if (d.weightsSha256 !== undefined && sha256(fs.readFileSync(weights)) !== d.weightsSha256)
      notes.push(`${weights}: SHA-256 differs from the one in done.json (damaged)`);
    else return { status: "done", records: d.records, notes };
  }
  const failedFile = path.join(dir, "failed.json");
  const failed = readJson(failedFile);
  if (isProblem(failed)) notes.push(failed.problem);
  else if (failed !== null && (failed as { hash?: string }).hash === hash) {
    const f = failed as { records: CheckpointRecord[]; message?: string };
    const rp = recordsProblem(failedFile, f.records);
    if (rp) notes.push(rp);
    else return { status: "failed", records: f.records, message: f.message ?? "failed", notes };
  }
  const states: SavedState[] = [];
  for (const name of ["state.json", "state.prev.json"]) {
    const st = checkSavedState(dir, name, hash);
    if (typeof st === "string") notes.push(st);
    else if (st) states.push(st);
  }
  if (states.length) return { status: "partial", states, notes };
  return { status: "new", notes };
}

/**
 * Save a resumable state: write the binary, move the current manifest to `state.prev.json`, write
 * the new manifest, then remove binaries neither manifest names.
 */
export function saveRunState(
  dir: string,
  state: Omit<SavedState, "version" | "bin" | "binBytes" | "binSha256">,
  bytes: Uint8Array,
): void {
  const bin = `state-${state.step}.bin`;
  writeFileAtomic(path.join(dir, bin), bytes);
  const cur = path.join(dir, "state.json"),
    prev = path.join(dir, "state.prev.json");
  if (fs.existsSync(cur)) {
    const old = readJson(cur) as Partial<SavedState> | null;
    if (old && !isProblem(old) && old.bin !== bin) fs.renameSync(cur, prev);
  }
  writeJsonAtomic(cur, { version: 2, ...state, bin, binBytes: bytes.length, binSha256: sha256(bytes) });
  const keep = new Set(
    [cur, prev]
      .map((f) => (readJson(f) as Partial<SavedState> | null)?.bin)
      .filter((b): b is string => typeof b === "string"),
  );
  for (const f of fs.readdirSync(dir))
    if (/^state-\d+\.bin$/.test(f) && !keep.has(f)) fs.rmSync(path.join(dir, f), { force: true });
}

/** Mark a run complete: weights.bin, then done.json (with its checksum), then drop the saved states. */
export function finishRun(dir: string, done: Omit<DoneFile, "weightsSha256">, weights: Uint8Array): void {
  writeFileAtomic(path.join(dir, "weights.bin"), weights);
  writeJsonAtomic(path.join(dir, "done.json"), { ...done, weightsSha256: sha256(weights) });
  for (const f of fs.readdirSync(dir))
    if (/^state-\d+\.bin$/.test(f) || f === "state.json" || f === "state.prev.json")
      fs.rmSync(path.join(dir, f), { force: true });
}

/** Empty a run folder for a fresh start (everything but its lock). */
export function resetRunFolder(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir))
    if (f !== "run.lock") fs.rmSync(path.join(dir, f), { recursive: true, force: true });
}

/** Thrown when another live process holds a run folder's lock. */
export class RunBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`${dir} is being trained by process ${pid} (run.lock); two trainers never share a run folder`);
    this.name = "RunBusyError";
  }
}

/** Run folders locked by this process (a second trainer in the same process is refused too). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Take the lock of a run folder (`run.lock`, created exclusively, holding this process's pid).
 * A lock left by a process that no longer exists is taken over; one held by a live process throws
 * {@link RunBusyError}. Returns the function that releases it.
 */
export function lockRunFolder(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "run.lock");
  const key = path.resolve(dir);
  if (heldHere.has(key)) throw new RunBusyError(dir, process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, started: new Date().toISOString() }) + "\n");
      fs.closeSync(fd);
      heldHere.add(key);
      return () => {
        heldHere.delete(key);
        const held = readJson(file) as { pid?: number } | null;
        if (held && !isProblem(held) && held.pid === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const held = readJson(file) as { pid?: number } | null;
      const pid = held && !isProblem(held) ? held.pid : undefined;
      if (typeof pid === "number" && pid !== process.pid && alive(pid)) throw new RunBusyError(dir, pid);
      // stale: its process is gone, or it is this process's own leftover (not in heldHere)
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`${file}: could not take the lock`);
}

/** Records of every complete run under a grid root (valid `done.json` in a direct subfolder), in folder order. */
export function completeRunRecords(root: string): CheckpointRecord[] {
  if (!fs.existsSync(root)) return [];
  const out: CheckpointRecord[] = [];
  for (const e of fs
    .readdirSync(root, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory()) continue;
    const file = path.join(root, e.name, "done.json");
    const d = readJson(file);
    if (d === null || isProblem(d)) continue;
    const recs = (d as DoneFile).records;
    if (recordsProblem(file, recs) === null) out.push(...recs);
  }
  return out;
}
