/**
 * Rich display from library code into a tslab notebook.
 *
 * `showFigure` sends ONE display bundle per figure:
 *  - `application/vnd.plotly.v1+json`: the figure itself; JupyterLab renders it interactively and
 *    offline when Python `plotly>=6.1` (which ships the jupyterlab-plotly MIME renderer) is in the
 *    Jupyter environment;
 *  - `text/html`: a fallback for front ends without the renderer. By default a compact summary
 *    (title and traces); with `inlinePlotly` (or env SCALERANK_INLINE_PLOTLY=1) the plotly.js
 *    bundle is inlined once per kernel (~4.8 MB) and the figure is drawn from it, which also works
 *    in nbconvert HTML exports;
 *  - `image/svg+xml` when the caller passes a pre-rendered SVG (see the static export module);
 *  - `text/plain`: a one-line description.
 * Outside a notebook (plain Node) the text/plain form is printed to stdout.
 */
import * as fs from "node:fs";

/** A plotly figure as plain data (plotly.js JSON schema). */
export interface PlotlyFigure {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** One MIME bundle: MIME type → payload. */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (
  msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/** tslab's display writer when running inside a tslab kernel (or the in-process runner), else null. */
function tslabWriter(): WriteDisplayData | null {
  try {
    const jupyter = require(require.resolve("tslab/dist/jupyter", { paths: [process.cwd(), __dirname] })) as {
      lastWriteDisplayData: WriteDisplayData | null;
    };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/** True when display calls reach a notebook front end. */
export function inNotebook(): boolean {
  return tslabWriter() !== null;
}

/**
 * Display a MIME bundle (several representations of one object; the front end picks the
 * richest it can render). Falls back to printing `text/plain` outside a notebook.
 */
export function displayBundle(bundle: MimeBundle): void {
  const write = tslabWriter();
  if (write) write({ data: bundle, metadata: {}, transient: {} }, false);
  else console.log(String(bundle["text/plain"] ?? "[rich output]"));
}

let plotlyInlined = false;

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string,
  );
}

/** The figure's title text, if any. */
export function figureTitle(fig: PlotlyFigure): string {
  const t = fig.layout?.title;
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && typeof (t as { text?: unknown }).text === "string")
    return (t as { text: string }).text;
  return "figure";
}

function summaryHtml(fig: PlotlyFigure): string {
  const traces = fig.data
    .map(
      (t) =>
        `<li>${escapeHtml(String(t.name ?? t.type ?? "trace"))} (${escapeHtml(String(t.type ?? "scatter"))})</li>`,
    )
    .join("");
  return (
    `<div><b>${escapeHtml(figureTitle(fig))}</b> — interactive plotly figure (${fig.data.length} traces). ` +
    `Open in JupyterLab with Python plotly&gt;=6.1 to see it, or set SCALERANK_INLINE_PLOTLY=1.<ul>${traces}</ul></div>`
  );
}

function inlineHtml(fig: PlotlyFigure): string {
  const id = `plt-${Math.random().toString(36).slice(2, 10)}`;
  let lib = "";
  if (!plotlyInlined) {
    const js = fs.readFileSync(require.resolve("plotly.js-dist-min"), "utf8");
    // Hide AMD define so plotly attaches to window.Plotly even where require.js is loaded.
    lib = `<script>(function(){var d=window.define;window.define=undefined;${js}\nwindow.define=d;})();</script>`;
    plotlyInlined = true;
  }
  const spec = JSON.stringify({ data: fig.data, layout: fig.layout ?? {}, config: fig.config ?? {} });
  return `${lib}<div id="${id}"></div><script>(function(){var s=${spec};function draw(){if(window.Plotly){window.Plotly.newPlot("${id}",s.data,s.layout,s.config);}else{setTimeout(draw,50);}}draw();})();</script>`;
}

/**
 * Show a plotly figure in the notebook as one display bundle (see the module comment).
 * @param fig the figure ({data, layout, config})
 * @param opts.svg a pre-rendered static SVG to include as `image/svg+xml`
 * @param opts.inlinePlotly inline plotly.js into the HTML fallback (default: env SCALERANK_INLINE_PLOTLY=1)
 */
export function showFigure(fig: PlotlyFigure, opts: { svg?: string; inlinePlotly?: boolean } = {}): void {
  const inline = opts.inlinePlotly ?? process.env.SCALERANK_INLINE_PLOTLY === "1";
  const bundle: MimeBundle = {
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout ?? {}, config: fig.config ?? {} },
    "text/html": inline ? inlineHtml(fig) : summaryHtml(fig),
    "text/plain": `<plotly figure: ${figureTitle(fig)}, ${fig.data.length} traces>`,
  };
  if (opts.svg) bundle["image/svg+xml"] = opts.svg;
  displayBundle(bundle);
}

/** Format a cell value for tables: numbers with `digits` significant digits, others as text. */
export function formatCell(v: unknown, digits = 4): string {
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    if (!Number.isFinite(v)) return String(v);
    return v.toPrecision(digits);
  }
  return v === undefined || v === null ? "" : String(v);
}

/**
 * Show an array of records as a table: an HTML table for notebooks and an aligned text table
 * for text/plain. Column order follows the first record's keys unless `columns` is given.
 */
export function showTable(
  rows: ReadonlyArray<Record<string, unknown>>,
  opts: { columns?: string[]; digits?: number; title?: string } = {},
): void {
  const cols = opts.columns ?? Object.keys(rows[0] ?? {});
  const cells = rows.map((r) => cols.map((c) => formatCell(r[c], opts.digits)));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const text = [
    ...(opts.title ? [opts.title] : []),
    cols.map((c, i) => c.padEnd(widths[i])).join("  "),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.map((r) => r.map((v, i) => v.padEnd(widths[i])).join("  ")),
  ].join("\n");
  const html =
    `${opts.title ? `<p><b>${escapeHtml(opts.title)}</b></p>` : ""}<table><thead><tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>` +
    cells.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join("")}</tr>`).join("") +
    "</tbody></table>";
  displayBundle({ "text/html": html, "text/plain": text });
}

/** Show Markdown text (e.g. a sentence whose numbers were computed in the cell). */
export function showMarkdown(md: string): void {
  displayBundle({ "text/markdown": md, "text/plain": md });
}
