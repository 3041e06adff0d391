/**
 * Named figures of a notebook: shown interactively now, exported as static SVG and PNG into
 * results/figures/ at the end of the notebook with one browser start (`saveFigures`).
 */
import { showFigure, type PlotlyFigure } from "./display";
import { exportFigures, type ExportResult, type FigureToExport } from "./export";
import { resultsPath } from "../util/paths";

const pending: FigureToExport[] = [];

/**
 * Show `fig` in the notebook and queue it for static export as `results/figures/<name>.{svg,png}`.
 * Names should start with the notebook number (e.g. "04_joint_surface_ndcg10").
 */
export function showNamedFigure(name: string, fig: PlotlyFigure, size: { width?: number; height?: number } = {}): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`figure name "${name}" must use letters, digits, '_', '.', '-' only`);
  showFigure(fig);
  const i = pending.findIndex((f) => f.name === name);
  const entry = { name, fig, ...size };
  if (i >= 0) pending[i] = entry;
  else pending.push(entry);
}

/**
 * Export every figure queued by {@link showNamedFigure} to results/figures/ (SVG + PNG, atomic
 * writes) and clear the queue. Without a browser it prints why and writes nothing.
 */
export async function saveFigures(dir: string = resultsPath("figures")): Promise<ExportResult> {
  const batch = pending.splice(0, pending.length);
  if (batch.length === 0) return { files: [] };
  const r = await exportFigures(batch, dir);
  if (r.skipped) console.log(`static figures not written: ${r.skipped}`);
  else console.log(`wrote ${r.files.length} static figure files to ${dir}`);
  return r;
}
