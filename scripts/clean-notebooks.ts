/**
 * `npm run clean-notebooks [-- --check]`: strips outputs, execution counts and per-run metadata
 * from every committed notebook so diffs show only source. With --check nothing is written and
 * the exit code is 1 when a notebook is not clean (the tests use this).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { NOTEBOOK_DIR } from "./nbrun";

interface Cell { cell_type: string; source: string | string[]; metadata?: Record<string, unknown>; outputs?: unknown[]; execution_count?: number | null; id?: string }
interface Notebook { cells: Cell[]; metadata: Record<string, unknown>; nbformat: number; nbformat_minor: number }

/** The canonical clean form of a notebook (as pretty JSON text). */
export function cleanNotebook(nb: Notebook): string {
  for (const cell of nb.cells) {
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
    if (cell.metadata) {
      delete cell.metadata.execution;
      delete cell.metadata.scrolled;
      delete cell.metadata.collapsed;
    }
  }
  return JSON.stringify(nb, null, 1) + "\n";
}

function main(): number {
  const check = process.argv.includes("--check");
  const dirty: string[] = [];
  for (const f of fs.readdirSync(NOTEBOOK_DIR).filter((x) => x.endsWith(".ipynb")).sort()) {
    const file = path.join(NOTEBOOK_DIR, f);
    const text = fs.readFileSync(file, "utf8");
    const clean = cleanNotebook(JSON.parse(text) as Notebook);
    if (clean !== text) {
      dirty.push(f);
      if (!check) fs.writeFileSync(file, clean);
    }
  }
  if (check && dirty.length) {
    console.error(`notebooks with outputs or execution counts: ${dirty.join(", ")} (run npm run clean-notebooks)`);
    return 1;
  }
  console.error(check ? "all notebooks clean" : `cleaned ${dirty.length} notebook(s)`);
  return 0;
}

if (require.main === module) process.exit(main());
