/**
 * Named figures of a notebook: shown interactively now, exported as static SVG and PNG into
 * results/figures/ at the end of the notebook with one browser start (`saveFigures`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { showFigure, type PlotlyFigure } from "./display";
import { exportFigures, type ExportResult, type FigureToExport } from "./export";
import { resultsPath } from "../util/paths";

const pending: FigureToExport[] = [];

/**
 * Show `fig` in the notebook and queue it for static export as `results/figures/<name>.{svg,png}`.
 * Names should start with the notebook number (e.g. "04_joint_surface_ndcg10"). The static size is
 * `size`, else the layout's height and 900 px wide.
 */
export function showNamedFigure(
  name: string,
  fig: PlotlyFigure,
  size: { width?: number; height?: number } = {},
): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new Error(`figure name "${name}" must use letters, digits, '_', '.', '-' only`);
  showFigure(fig);
  const i = pending.findIndex((f) => f.name === name);
  // export at the figure's own layout height unless a size is given (grids are taller than 600 px)
  const h = fig.layout?.height;
  const entry = { name, fig, ...(typeof h === "number" ? { height: h } : {}), ...size };
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
  else {
    const removed = removeStaleFigures(
      dir,
      batch.map((f) => f.name),
    );
    console.log(
      `wrote ${r.files.length} static figure files to ${dir}${removed.length ? ` (removed ${removed.length} stale)` : ""}`,
    );
  }
  return r;
}

/**
 * Delete figure files left by earlier runs of the same notebooks: files in `dir` whose name
 * starts with the notebook prefix ("04_") of one of `names` but is none of `names`. Returns the
 * removed file names.
 */
export function removeStaleFigures(dir: string, names: readonly string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  const prefixes = new Set(names.map((n) => n.match(/^\d+_/)?.[0]).filter((p): p is string => !!p));
  const keep = new Set(names);
  const removed: string[] = [];
  for (const f of fs.readdirSync(dir)) {
    const m = f.match(/^(.*)\.(svg|png)$/);
    if (!m || keep.has(m[1])) continue;
    if ([...prefixes].some((p) => f.startsWith(p))) {
      fs.rmSync(path.join(dir, f));
      removed.push(f);
    }
  }
  return removed;
}
