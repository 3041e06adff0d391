/**
 * Where a notebook's records come from: the trainer's `records.jsonl` files under `results/runs/` when there are any,
 * otherwise synthetic records drawn from a known law (so the scaling-law notebooks run before
 * training exists, and can be checked against the truth).
 */
import { findRecordFiles, loadCheckpointRecords } from "./jsonl";
import { DEFAULT_SYNTHETIC, syntheticRecords, type SyntheticConfig } from "./synthetic";
import type { CheckpointRecord } from "./types";

/** Records plus where they came from. */
export interface RecordSource {
  records: CheckpointRecord[];
  /** True when no training records were found and synthetic ones were generated. */
  synthetic: boolean;
  /** The JSONL files read (empty for synthetic). */
  files: string[];
  /** The synthetic configuration used (null for training records). */
  config: SyntheticConfig | null;
  /** The (profile, evalSet, seed) the records were narrowed to, and how many were dropped. */
  selection: { profile: string; evalSet: string; seed: number; dropped: number };
}

function mostCommon<T>(values: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0],
    n = -1;
  for (const [v, c] of counts)
    if (c > n) {
      best = v;
      n = c;
    }
  return best;
}

/**
 * Narrow records to one consistent series — one profile, one evaluation set, one seed — so that
 * each (tier, objective, step) appears once: the preferred profile / evalSet when present, else
 * the most common; then the most common seed among those.
 */
export function consistentRecords(
  records: readonly CheckpointRecord[],
  prefer: { profile?: string; evalSet?: string } = {},
): { records: CheckpointRecord[]; profile: string; evalSet: string; seed: number; dropped: number } {
  if (records.length === 0) return { records: [], profile: "", evalSet: "", seed: 0, dropped: 0 };
  const profile =
    prefer.profile && records.some((r) => r.profile === prefer.profile)
      ? prefer.profile
      : mostCommon(records.map((r) => r.profile));
  const p = records.filter((r) => r.profile === profile);
  const evalSet =
    prefer.evalSet && p.some((r) => r.evalSet === prefer.evalSet)
      ? prefer.evalSet
      : mostCommon(p.map((r) => r.evalSet));
  const e = p.filter((r) => r.evalSet === evalSet);
  const seed = mostCommon(e.map((r) => r.seed));
  const out = e.filter((r) => r.seed === seed);
  return { records: out, profile, evalSet, seed, dropped: records.length - out.length };
}

/**
 * Read every record under `dir` (e.g. `resultsPath("runs")`) and narrow them with
 * {@link consistentRecords} (`prefer`: e.g. the active profile and "dev"); when there are none,
 * generate {@link syntheticRecords} with `synthetic` overriding {@link DEFAULT_SYNTHETIC}.
 */
export function recordsOrSynthetic(
  dir: string,
  synthetic: Partial<SyntheticConfig> = {},
  prefer: { profile?: string; evalSet?: string } = {},
): RecordSource {
  const files = findRecordFiles(dir);
  const all = loadCheckpointRecords(dir); // each checkpoint once (a run's own file and the merged file hold the same records)
  if (all.length > 0) {
    const sel = consistentRecords(all, prefer);
    return {
      records: sel.records,
      synthetic: false,
      files,
      config: null,
      selection: { profile: sel.profile, evalSet: sel.evalSet, seed: sel.seed, dropped: sel.dropped },
    };
  }
  return syntheticSource(synthetic);
}

/** A {@link RecordSource} of synthetic records: {@link DEFAULT_SYNTHETIC} with `overrides`. */
function syntheticSource(overrides: Partial<SyntheticConfig> = {}): RecordSource {
  const config: SyntheticConfig = { ...DEFAULT_SYNTHETIC, ...overrides };
  return {
    records: syntheticRecords(config),
    synthetic: true,
    files: [],
    config,
    selection: { profile: config.profile, evalSet: config.evalSet, seed: config.seed, dropped: 0 },
  };
}

/** Options of {@link lawRecords} (defaults in brackets). */
export interface LawRecordOptions {
  /** Preferred profile and evaluation set of the training records [the most common]. */
  prefer?: { profile?: string; evalSet?: string };
  /** Overrides of {@link DEFAULT_SYNTHETIC} for the fallback. */
  synthetic?: Partial<SyntheticConfig>;
  /** Size tiers the protocols need [4: 3 to fit the size law, 1 to forecast]. */
  minTiers?: number;
  /** Checkpoints every run needs [9: the data law holds out 5 and fits 3 parameters]. */
  minCheckpoints?: number;
}

/** {@link RecordSource} plus why synthetic records were used ("" when they were not). */
export interface LawRecordSource extends RecordSource {
  fallbackReason: string;
}

/**
 * The records the scaling-law notebooks (04–06) fit: the training records under `dir` (narrowed
 * by {@link consistentRecords}) when they can carry the protocols — at least `minTiers` tiers and
 * `minCheckpoints` checkpoints in every (tier, objective) run, counted per metric so that a
 * metric missing from some checkpoints counts against it — else synthetic records from a known
 * law, with the reason.
 */
export function lawRecords(dir: string, options: LawRecordOptions = {}): LawRecordSource {
  const source = recordsOrSynthetic(dir, options.synthetic ?? {}, options.prefer ?? {});
  if (source.synthetic) return { ...source, fallbackReason: `no training records under ${dir}` };
  const minTiers = options.minTiers ?? 4,
    minCkpt = options.minCheckpoints ?? 9;
  const nTiers = new Set(source.records.map((r) => r.tier)).size;
  const counts = new Map<string, number>();
  for (const r of source.records)
    for (const m of Object.keys(r.metrics)) {
      const k = `${r.tier}\u0000${r.objective}\u0000${m}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  const fewest = Math.min(...counts.values());
  if (nTiers >= minTiers && fewest >= minCkpt) return { ...source, fallbackReason: "" };
  const fallbackReason = `the ${source.records.length} training records under ${dir} (profile ${source.selection.profile}) have ${nTiers} tier(s) and as few as ${fewest} checkpoint(s) per run and metric, too few to fit and test the laws (at least ${minTiers} tiers and ${minCkpt} checkpoints per run are needed)`;
  return { ...syntheticSource(options.synthetic), fallbackReason };
}
