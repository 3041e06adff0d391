/**
 * Progress display for training grids, in a terminal and in notebooks.
 *
 * One status line — runs done of the total, each active run (tier·objective, a bar, step, loss),
 * and the estimated time left — redrawn in place with a carriage return, at most every
 * `intervalMs`; checkpoint results and run ends are printed as permanent lines. Jupyter front ends
 * (and tslab) interpret `\r` in stream output the same way a terminal does, so the same printer
 * serves both; with `mode: "lines"` (CI logs) nothing is redrawn, and the status line is printed
 * as a permanent line every `linesIntervalMs`.
 *
 * ETA = work left / work per second so far. Work is steps weighted by each run's step cost
 * (`stepCost`, e.g. {@link gridStepCost}: a width-64 step costs several width-6 steps); work left
 * counts the active runs' remaining steps and a full run for each run not started (`runs`), and the
 * rate is the weighted steps trained since the first one (evaluation time included, so it is a
 * wall-clock rate over all workers). Without costs every step counts the same, which overstates
 * the time left while the largest tiers run first.
 */
import type { RunProgress, RunSpec } from "./trainer";

/** A text progress bar of `width` cells for a fraction in [0, 1]: "█████░░░░░". */
export function progressBar(fraction: number, width = 20): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return "█".repeat(full) + "░".repeat(width - full);
}

/** Options of {@link createProgressPrinter}. */
export interface ProgressPrinterOptions {
  /** "redraw" (terminal / notebook) or "lines" (logs) [redraw when stdout is a TTY or inside tslab, else lines]. */
  mode?: "redraw" | "lines";
  /** Minimum milliseconds between redraws [500]. */
  intervalMs?: number;
  /** Total runs in the grid (for the "runs done" counter) [the number of `runs`]. */
  totalRuns?: number;
  /** The grid's runs (`gridSpecs`): the ETA counts those not started yet by their own cost. */
  runs?: readonly RunSpec[];
  /**
   * Relative cost of one step of a run ({@link gridStepCost}); when it gives null for some run,
   * every step counts the same [every step counts the same].
   */
  stepCost?: (spec: RunSpec) => number | null;
  /** Where to write [process.stdout.write]. */
  write?: (s: string) => void;
  /** In "lines" mode, print the status line every this many milliseconds [30000]. */
  linesIntervalMs?: number;
  /** Clock in milliseconds [Date.now] (tests). */
  now?: () => number;
}

/** "1 h 05 min", "12 min", "40 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** Returns a progress callback for {@link RunProgress} events that draws the status. */
export function createProgressPrinter(options: ProgressPrinterOptions = {}): (p: RunProgress) => void {
  const write = options.write ?? ((s: string) => void process.stdout.write(s));
  const inTslab = typeof process.env.TSLAB !== "undefined" || process.argv.some((a) => a.includes("tslab"));
  const mode = options.mode ?? (process.stdout.isTTY || inTslab ? "redraw" : "lines");
  const interval = options.intervalMs ?? 500;
  const now = options.now ?? Date.now;
  const totalRuns = options.totalRuns ?? options.runs?.length;
  const active = new Map<string, RunProgress>();
  const seen = new Set<string>();
  let done = 0;
  let last = 0;
  let lineShown = false;
  let trained = 0,
    firstTrain = 0,
    stepsPerRun = 0;
  const lastStep = new Map<string, number>();
  const specKey = (s: RunSpec) => `${s.tier}·${s.objective}${s.seed !== 1 ? `·s${s.seed}` : ""}`;
  const key = (p: RunProgress) => specKey(p.spec);
  // each run's step cost, computed once; weighted only when every run of the grid has one
  const costs = new Map<string, number | null>(
    options.stepCost ? (options.runs ?? []).map((r) => [specKey(r), options.stepCost!(r)]) : [],
  );
  const weighted =
    costs.size > 0 && [...costs.values()].every((c) => c !== null && Number.isFinite(c) && c > 0);
  const cost = (s: RunSpec): number => (weighted ? (costs.get(specKey(s)) ?? options.stepCost!(s) ?? 1) : 1);
  const eta = (): string => {
    if (!totalRuns || trained === 0) return "";
    let left = [...active.values()].reduce((a, p) => a + (p.steps - p.step) * cost(p.spec), 0);
    if (options.runs) {
      for (const r of options.runs) if (!seen.has(specKey(r))) left += stepsPerRun * cost(r);
    } else {
      left += Math.max(0, totalRuns - done - active.size) * stepsPerRun;
    }
    const rate = trained / Math.max(1, now() - firstTrain); // weighted steps per ms
    return ` · about ${formatDuration(left / rate / 1000)} left`;
  };
  const status = (): string => {
    const parts = [...active.values()].map(
      (p) =>
        `${key(p)} ${progressBar(p.step / p.steps, 12)} ${p.step}/${p.steps}${p.loss !== undefined ? ` loss ${p.loss.toFixed(3)}` : ""}${p.phase === "eval" ? " (evaluating)" : ""}`,
    );
    return `[${done}${totalRuns ? "/" + totalRuns : ""} runs${eta()}] ${parts.join(" | ")}`;
  };
  let shownLen = 0;
  // Only "\r" and spaces: terminals and Jupyter front ends both honour them (no ANSI codes).
  const clear = () => {
    if (lineShown) write("\r" + " ".repeat(shownLen) + "\r");
    lineShown = false;
  };
  const permanent = (s: string) => {
    if (mode === "redraw") clear();
    write(s + "\n");
  };
  const linesInterval = options.linesIntervalMs ?? 30_000;
  let linesSince: number | null = null;
  return (p: RunProgress) => {
    const k = key(p);
    seen.add(k);
    if (p.phase === "train") {
      if (trained === 0) firstTrain = now();
      trained += Math.max(0, p.step - (lastStep.get(k) ?? p.step - 1)) * cost(p.spec);
      lastStep.set(k, p.step);
      stepsPerRun = Math.max(stepsPerRun, p.steps);
    }
    if (p.phase === "checkpoint" && p.metrics) {
      active.set(k, p);
      const m = p.metrics;
      permanent(
        `${k} step ${p.step}: ndcg@10 ${m["ndcg@10"].toFixed(4)}  map ${m["map"].toFixed(4)}  mrr@10 ${m["mrr@10"].toFixed(4)}  ce@64 ${(m["ce@64"] ?? NaN).toFixed(3)}`,
      );
    } else if (p.phase === "notice") {
      permanent(`${k}: ${p.message ?? ""}`);
    } else if (p.phase === "done" || p.phase === "failed" || p.phase === "skipped") {
      active.delete(k);
      done++;
      permanent(`${k}: ${p.phase}${p.message ? ` (${p.message})` : ""}`);
    } else {
      active.set(k, p);
    }
    const t = now();
    if (mode === "lines" && active.size > 0) {
      if (linesSince === null) linesSince = t;
      else if (t - linesSince >= linesInterval) {
        linesSince = t;
        write(status() + "\n");
      }
    }
    if (mode === "redraw" && active.size > 0 && t - last >= interval) {
      last = t;
      const line = status();
      write("\r" + line + " ".repeat(Math.max(0, shownLen - line.length)));
      shownLen = line.length;
      lineShown = true;
    }
  };
}
