/**
 * `npm run clean-notebooks [-- --check] [FILE ...]`: puts every committed notebook (or the files
 * given) in its canonical clean form, so diffs show only what a person changed:
 * - outputs removed and execution counts null;
 * - notebook metadata reduced to the tslab kernelspec, the TypeScript language_info and the
 *   project's own `scalerank` entry (JupyterLab adds the kernel's version, codemirror mode, …);
 * - cell metadata reduced to non-empty `tags` (JupyterLab adds `execution`, `scrolled`,
 *   `collapsed`, `jupyter`, `trusted`, …); cell ids kept;
 * - sources as lists of lines and keys sorted, with one-space indentation: exactly how nbformat
 *   (and so JupyterLab) writes a notebook, so saving from JupyterLab and cleaning gives back the
 *   committed file byte for byte.
 * Files are written temp-then-rename. With --check nothing is written and the exit code is 1
 * when a notebook is not clean (the tests use this).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../lib/src/util/fsutil";
import { NOTEBOOK_DIR } from "./nbrun";
import { parseOptions, runCli } from "./cli";

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  id?: string;
  attachments?: unknown;
}
interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

const KERNELSPEC = { display_name: "TypeScript", language: "typescript", name: "tslab" };
const LANGUAGE_INFO = { file_extension: ".ts", mimetype: "text/typescript", name: "typescript" };

/** Source text as nbformat stores it: a list of lines, each but the last ending in "\n". */
function sourceLines(source: string | string[]): string[] {
  const text = Array.isArray(source) ? source.join("") : source;
  return text === "" ? [] : text.split(/(?<=\n)/);
}

/** A JSON value with object keys sorted at every level (nbformat writes with sort_keys). */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/** The canonical clean form of a notebook (as JSON text; see the module comment). */
export function cleanNotebook(nb: Notebook): string {
  const meta: Record<string, unknown> = { kernelspec: KERNELSPEC, language_info: LANGUAGE_INFO };
  if (nb.metadata?.scalerank !== undefined) meta.scalerank = nb.metadata.scalerank;
  const cells = nb.cells.map((c) => {
    const tags = c.metadata?.tags;
    const out: Record<string, unknown> = {
      cell_type: c.cell_type,
      metadata: Array.isArray(tags) && tags.length ? { tags } : {},
      source: sourceLines(c.source),
    };
    if (c.id !== undefined) out.id = c.id;
    if (c.attachments !== undefined) out.attachments = c.attachments;
    if (c.cell_type === "code") {
      out.outputs = [];
      out.execution_count = null;
    }
    return out;
  });
  return (
    JSON.stringify(
      sortKeys({ cells, metadata: meta, nbformat: nb.nbformat, nbformat_minor: nb.nbformat_minor }),
      null,
      1,
    ) + "\n"
  );
}

function main(): number {
  const { options, positional } = parseOptions(process.argv.slice(2), { check: "flag" }, true);
  const check = options.has("check");
  const files = positional.length
    ? positional.map((f) => path.resolve(f))
    : fs
        .readdirSync(NOTEBOOK_DIR)
        .filter((x) => x.endsWith(".ipynb"))
        .sort()
        .map((f) => path.join(NOTEBOOK_DIR, f));
  const dirty: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    let nb: Notebook;
    try {
      nb = JSON.parse(text) as Notebook;
    } catch (e) {
      throw new Error(`${file}: not a notebook (${(e as Error).message})`);
    }
    const clean = cleanNotebook(nb);
    if (clean !== text) {
      dirty.push(path.basename(file));
      if (!check) writeFileAtomic(file, clean);
    }
  }
  if (check && dirty.length) {
    console.error(
      `notebooks not in clean form (outputs, counts or editor metadata): ${dirty.join(", ")} (run npm run clean-notebooks)`,
    );
    return 1;
  }
  console.error(check ? "all notebooks clean" : `cleaned ${dirty.length} notebook(s)`);
  return 0;
}

if (require.main === module) runCli("clean-notebooks", main);
