/**
 * Notebook summaries: the main tables a notebook produced, saved as JSON so that
 * results/REPORT.md can be assembled from what actually ran (never from typed-in numbers).
 * Each notebook calls `writeNotebookSummary` once, near its end.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeJsonAtomic } from "../util/fsutil";
import { resultsPath } from "../util/paths";
import { activeProfile } from "../util/profile";

/** A table of a summary: column names and rows of cells (numbers are kept at full precision). */
export interface SummaryTable {
  title: string;
  columns: string[];
  rows: Array<Array<string | number | null>>;
  /** Significant digits used when rendering numbers (default 4). */
  digits?: number;
  /** A headline table: results/REPORT.md shows it at the top, under the headline figure. */
  headline?: boolean;
}

/** What one notebook reports. */
export interface NotebookSummary {
  /** Notebook file stem, e.g. "04_fit_laws". */
  notebook: string;
  title: string;
  profile: string;
  /** ISO time the summary was written. */
  written: string;
  /** One-sentence findings computed by the notebook. */
  findings: string[];
  tables: SummaryTable[];
}

/** Folder of the summaries of a profile: results/summary/<profile>/. */
export function summaryDir(profile: string = activeProfile()): string {
  return resultsPath("summary", profile);
}

/** Write a notebook's summary atomically to results/summary/<profile>/<notebook>.json. */
export function writeNotebookSummary(
  s: Omit<NotebookSummary, "profile" | "written"> & { profile?: string },
): string {
  const profile = s.profile ?? activeProfile();
  const full: NotebookSummary = { ...s, profile, written: new Date().toISOString() };
  const file = path.join(summaryDir(profile), `${s.notebook}.json`);
  writeJsonAtomic(file, full);
  return file;
}

/** Read every summary of a profile, in notebook order. */
export function readNotebookSummaries(profile: string): NotebookSummary[] {
  const dir = summaryDir(profile);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as NotebookSummary);
}

/** A number for a table cell, or null (rendered "–") when it is not finite (an F of a perfect fit, an undefined R²). */
export function finiteCell(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Render one cell: numbers with `digits` significant digits (integers as is), null as "–". */
export function renderCell(v: string | number | null, digits = 4): string {
  if (v === null) return "–";
  if (typeof v === "string") return v.replace(/\|/g, "\\|");
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(digits - 1) : v.toPrecision(digits);
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(t: SummaryTable): string {
  const head = `| ${t.columns.join(" | ")} |`;
  const sep = `|${t.columns.map(() => "---").join("|")}|`;
  const body = t.rows.map((r) => `| ${r.map((c) => renderCell(c, t.digits)).join(" | ")} |`);
  return [head, sep, ...body].join("\n");
}

/**
 * The dev NDCG@10 of BM25 with the query expansion learned from the most training pairs, as
 * notebook 01 measured it (its summary table "BM25 with a query expansion learned from training
 * positives", last row); null when 01 has not run on this profile.
 */
export function learnedExpansionNdcg(profile: string): number | null {
  const s = readNotebookSummaries(profile).find((x) => x.notebook === "01_data");
  const t = s?.tables.find((x) =>
    x.title.startsWith("BM25 with a query expansion learned from training positives"),
  );
  const col = t ? t.columns.indexOf("NDCG@10") : -1;
  const last = t && t.rows.length ? t.rows[t.rows.length - 1][col] : null;
  return typeof last === "number" ? last : null;
}
