/**
 * Learning-rate schedules. The default, warmup then inverse square root, has no notion of the
 * run's total length, so the checkpoint after D examples is exactly the model a shorter run of
 * D examples would have produced: checkpoints can be read as data budgets (the paper's "training
 * exposure" axis, arXiv 2603.04816). Linear and cosine decay to the end are provided for comparison
 * but make intermediate checkpoints depend on the planned length.
 */

/** Schedule kinds. */
export type ScheduleKind = "constant" | "inverse-sqrt" | "linear" | "cosine";

/** Learning-rate schedule configuration. */
export interface ScheduleConfig {
  kind: ScheduleKind;
  /** Peak learning rate reached at the end of warmup. */
  peakLr: number;
  /** Linear warmup steps from 0 to peakLr. */
  warmupSteps: number;
  /** Total steps (used by "linear" and "cosine" only). */
  totalSteps: number;
  /** Floor as a fraction of peak for "linear"/"cosine" (default 0). */
  minRatio?: number;
}

/**
 * Learning rate at optimizer step `step` (1-based, the step about to be taken):
 *   warmup (step ≤ w): peak · step / w
 *   constant: peak;  inverse-sqrt: peak · √(w / step);
 *   linear: peak · (m + (1 − m)(1 − p));  cosine: peak · (m + (1 − m)(1 + cos πp)/2),
 * where p = (step − w)/(total − w) clamped to [0, 1] and m = minRatio.
 */
export function learningRate(c: ScheduleConfig, step: number): number {
  const w = Math.max(0, c.warmupSteps);
  if (step <= w) return (c.peakLr * step) / w;
  const m = c.minRatio ?? 0;
  const p = Math.min(1, Math.max(0, (step - w) / Math.max(1, c.totalSteps - w)));
  switch (c.kind) {
    case "constant":
      return c.peakLr;
    case "inverse-sqrt":
      return c.peakLr * Math.sqrt(Math.max(1, w) / step);
    case "linear":
      return c.peakLr * (m + (1 - m) * (1 - p));
    case "cosine":
      return c.peakLr * (m + ((1 - m) * (1 + Math.cos(Math.PI * p))) / 2);
  }
}
