/**
 * Progress display for training grids, in a terminal and in notebooks.
 *
 * One status line per active run (tier·objective, a bar, step, loss) redrawn in place with a
 * carriage return, at most every `intervalMs`; checkpoint results and run ends are printed as
 * permanent lines. Jupyter front ends (and tslab) interpret `\r` in stream output the same way a
 * terminal does, so the same printer serves both; with `mode: "lines"` (CI logs) nothing is
 * redrawn and only permanent lines are printed.
 */
import type { RunProgress } from "./trainer";

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
  /** Total runs in the grid (for the "runs done" counter). */
  totalRuns?: number;
  /** Where to write [process.stdout.write]. */
  write?: (s: string) => void;
}

/** Returns a progress callback for {@link RunProgress} events that draws the status. */
export function createProgressPrinter(options: ProgressPrinterOptions = {}): (p: RunProgress) => void {
  const write = options.write ?? ((s: string) => void process.stdout.write(s));
  const inTslab = typeof process.env.TSLAB !== "undefined" || process.argv.some((a) => a.includes("tslab"));
  const mode = options.mode ?? (process.stdout.isTTY || inTslab ? "redraw" : "lines");
  const interval = options.intervalMs ?? 500;
  const active = new Map<string, RunProgress>();
  let done = 0;
  let last = 0;
  let lineShown = false;
  const key = (p: RunProgress) => `${p.spec.tier}·${p.spec.objective}`;
  const status = (): string => {
    const parts = [...active.values()].map((p) => `${key(p)} ${progressBar(p.step / p.steps, 12)} ${p.step}/${p.steps}${p.loss !== undefined ? ` loss ${p.loss.toFixed(3)}` : ""}${p.phase === "eval" ? " (evaluating)" : ""}`);
    return `[${done}${options.totalRuns ? "/" + options.totalRuns : ""} runs] ${parts.join(" | ")}`;
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
  return (p: RunProgress) => {
    const k = key(p);
    if (p.phase === "checkpoint" && p.metrics) {
      active.set(k, p);
      const m = p.metrics;
      permanent(`${k} step ${p.step}: ndcg@10 ${m["ndcg@10"].toFixed(4)}  map ${m["map"].toFixed(4)}  mrr@10 ${m["mrr@10"].toFixed(4)}  ce@64 ${(m["ce@64"] ?? NaN).toFixed(3)}`);
    } else if (p.phase === "notice") {
      permanent(`${k}: ${p.message ?? ""}`);
    } else if (p.phase === "done" || p.phase === "failed" || p.phase === "skipped") {
      active.delete(k);
      done++;
      permanent(`${k}: ${p.phase}${p.message ? ` (${p.message})` : ""}`);
    } else {
      active.set(k, p);
    }
    const now = Date.now();
    if (mode === "redraw" && active.size > 0 && now - last >= interval) {
      last = now;
      const line = status();
      write("\r" + line + " ".repeat(Math.max(0, shownLen - line.length)));
      shownLen = line.length;
      lineShown = true;
    }
  };
}
