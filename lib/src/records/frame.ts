/**
 * Checkpoint records as columns, the shape a DataFrame is built from
 * (`new dfd.DataFrame(recordsFrame(records))` with danfo.js, `pd.DataFrame(...)` in pandas): one row
 * per checkpoint, one column per field and per metric. The library does not depend on any
 * DataFrame package; the notebooks bring danfo.js.
 */
import { metricsPresent, type CheckpointRecord } from "./types";

/** Column-oriented checkpoint records: every column has one value per record, in record order. */
export type RecordColumns = Record<string, Array<string | number | boolean>>;

/**
 * Columns `tier, params, objective, seed, step, examples, tokens, flops, wallSeconds, final`, then
 * one per metric (every metric present in the records, first-seen order; a record without one gets
 * NaN there). `final` is true for the last checkpoint (largest step) of each (tier, objective,
 * seed) run, so `df.query(df["final"].eq(true))` keeps one row per run.
 */
export function recordsFrame(records: readonly CheckpointRecord[]): RecordColumns {
  const lastStep = new Map<string, number>();
  const run = (r: CheckpointRecord) => `${r.tier}\u0000${r.objective}\u0000${r.seed}`;
  for (const r of records) lastStep.set(run(r), Math.max(lastStep.get(run(r)) ?? -Infinity, r.step));
  const cols: RecordColumns = {};
  const fields = [
    "tier",
    "params",
    "objective",
    "seed",
    "step",
    "examples",
    "tokens",
    "flops",
    "wallSeconds",
  ] as const;
  for (const f of fields) cols[f] = records.map((r) => r[f]);
  cols.final = records.map((r) => r.step === lastStep.get(run(r)));
  for (const m of metricsPresent(records)) cols[m] = records.map((r) => r.metrics[m] ?? NaN);
  return cols;
}
