/**
 * results/REPORT.md: the one page a reproduction ends with. Assembled from the notebook
 * summaries (results/summary/<profile>/*.json), the executed notebooks and the exported figures,
 * so every number in it comes from code that ran.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { writeFileAtomic } from "../util/fsutil";
import { resultsPath } from "../util/paths";
import { markdownTable, readNotebookSummaries, type NotebookSummary } from "./summary";

/** Inputs of {@link buildReport}. */
export interface ReportInputs {
  profile: string;
  /** Seconds each notebook took in the last run, by file name. */
  timings?: Record<string, number>;
}

/** Figure files (SVG/PNG) under results/figures whose names start with a notebook's number. */
function figuresOf(prefix: string): string[] {
  const dir = resultsPath("figures");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && /\.(svg|png)$/.test(f))
    .sort();
}

/**
 * The report's opening: the headline figures (exported figures whose name contains "_headline",
 * PNG shown inline, only those written) and every summary table marked `headline`.
 */
function headlineSection(summaries: readonly NotebookSummary[]): string[] {
  const tables = summaries.flatMap((s) => s.tables.filter((t) => t.headline).map((t) => ({ s, t })));
  const pngs = summaries.flatMap((s) =>
    figuresOf(s.notebook.slice(0, 3)).filter((f) => f.includes("_headline") && f.endsWith(".png")),
  );
  if (!tables.length && !pngs.length) return [];
  const out = ["## Headline", ""];
  for (const f of pngs) out.push(`![${f.replace(/\.png$/, "")}](figures/${f})`, "");
  for (const { s, t } of tables)
    out.push(
      `### ${t.title}`,
      "",
      `From [\`${s.notebook}.ipynb\`](notebooks/${s.profile}/${s.notebook}.ipynb).`,
      "",
      markdownTable(t),
      "",
    );
  return out;
}

/** Build the Markdown text of the report (links are relative to results/). */
export function buildReport(inp: ReportInputs): string {
  const summaries = readNotebookSummaries(inp.profile);
  const nbDir = resultsPath("notebooks", inp.profile);
  const executed = fs.existsSync(nbDir)
    ? fs
        .readdirSync(nbDir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort()
    : [];
  const out: string[] = [
    "# Reproduction report",
    "",
    `Profile \`${inp.profile}\`, written ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}, Node ${process.version}.`,
    "Every number below was computed by the notebooks in this run; regenerate with `npm run reproduce`.",
    "",
    ...headlineSection(summaries),
    "## Executed notebooks",
    "",
    "| notebook | seconds |",
    "|---|---|",
    ...executed.map(
      (f) =>
        `| [${f}](notebooks/${inp.profile}/${f}) | ${inp.timings?.[f] !== undefined ? inp.timings[f].toFixed(1) : "–"} |`,
    ),
    `| **total** | **${executed.reduce((a, f) => a + (inp.timings?.[f] ?? 0), 0).toFixed(1)}** (${(executed.reduce((a, f) => a + (inp.timings?.[f] ?? 0), 0) / 60).toFixed(1)} min) |`,
    "",
  ];
  for (const s of summaries) {
    out.push(
      `## ${s.title}`,
      "",
      `From [\`${s.notebook}.ipynb\`](notebooks/${inp.profile}/${s.notebook}.ipynb).`,
      "",
    );
    for (const f of s.findings) out.push(`* ${f}`);
    if (s.findings.length) out.push("");
    for (const t of s.tables) if (!t.headline) out.push(`### ${t.title}`, "", markdownTable(t), "");
    if (s.tables.some((t) => t.headline)) out.push(`(Its headline table is at the top of this report.)`, "");
    const prefix = s.notebook.slice(0, 3);
    const figs = figuresOf(prefix);
    if (figs.length) {
      out.push("Figures:", "");
      const stems = [...new Set(figs.map((f) => f.replace(/\.(svg|png)$/, "")))];
      for (const st of stems) {
        const kinds = figs
          .filter((f) => f.startsWith(`${st}.`))
          .map((f) => `[${path.extname(f).slice(1)}](figures/${f})`);
        out.push(`* ${st}: ${kinds.join(" · ")}`);
      }
      out.push("");
    }
  }
  return out.join("\n");
}

/** Write results/REPORT.md atomically and return its path. */
export function writeReport(inp: ReportInputs): string {
  const file = resultsPath("REPORT.md");
  writeFileAtomic(file, buildReport(inp));
  return file;
}
