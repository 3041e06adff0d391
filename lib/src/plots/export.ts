/**
 * Static export of plotly figures to SVG and PNG through headless Chromium.
 *
 * Uses `playwright-core` to drive a system Chromium (Debian package `chromium`, or the path in
 * env CHROMIUM_PATH); plotly.js is loaded from the `plotly.js-dist-min` npm package, so nothing
 * is fetched from the network. When no browser is found, `exportFigures` returns
 * `{ skipped: "<reason>" }` and writes nothing, so notebooks can go on without static files.
 * Files are written atomically (temp + rename).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../util/fsutil";
import type { PlotlyFigure } from "./display";

/** Candidate Chromium executables, in order of preference. */
const BROWSER_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

/** The Chromium executable to use, or null with nothing found (env CHROMIUM_PATH wins). */
export function findChromium(): string | null {
  const env = process.env.CHROMIUM_PATH;
  if (env) return fs.existsSync(env) ? env : null;
  return BROWSER_PATHS.find((p) => fs.existsSync(p)) ?? null;
}

/** Flags that keep Chromium quiet and offline inside containers and CI. */
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** One figure to export: file stem (no extension) and the figure. */
export interface FigureToExport {
  name: string;
  fig: PlotlyFigure;
  width?: number;
  height?: number;
}

/** Result of an export: written file paths, or the reason nothing was written. */
export interface ExportResult {
  files: string[];
  skipped?: string;
}

/**
 * Render each figure to `<dir>/<name>.svg` and `<dir>/<name>.png` (PNG at `scale`× pixel
 * density). One browser is started for the whole batch.
 */
export async function exportFigures(figs: FigureToExport[], dir: string, opts: { scale?: number; formats?: Array<"svg" | "png"> } = {}): Promise<ExportResult> {
  const exe = findChromium();
  if (!exe) return { files: [], skipped: "no Chromium found (apt-get install chromium, or set CHROMIUM_PATH); static export skipped" };
  let playwright: typeof import("playwright-core");
  try {
    playwright = require("playwright-core");
  } catch {
    return { files: [], skipped: "playwright-core is not installed; static export skipped" };
  }
  const formats = opts.formats ?? ["svg", "png"];
  const browser = await playwright.chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS });
  const files: string[] = [];
  try {
    const page = await browser.newPage();
    await page.setContent("<html><body><div id='g'></div></body></html>");
    await page.addScriptTag({ path: require.resolve("plotly.js-dist-min") });
    for (const f of figs) {
      for (const format of formats) {
        const url = await page.evaluate(
          async ({ fig, format, width, height, scale }) => {
            const P = (globalThis as unknown as { Plotly: { toImage(gd: unknown, o: unknown): Promise<string> } }).Plotly;
            return P.toImage({ data: fig.data, layout: fig.layout ?? {} }, { format, width, height, scale });
          },
          { fig: f.fig, format, width: f.width ?? 900, height: f.height ?? 600, scale: format === "png" ? opts.scale ?? 2 : 1 },
        );
        const file = path.join(dir, `${f.name}.${format}`);
        writeFileAtomic(file, decodeDataUrl(url));
        files.push(file);
      }
    }
  } finally {
    await browser.close();
  }
  return { files };
}

/** Decode a `data:` URL (base64 or URI-encoded) to bytes. */
export function decodeDataUrl(url: string): Buffer {
  const comma = url.indexOf(",");
  if (!url.startsWith("data:") || comma < 0) throw new Error("not a data URL");
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  return meta.endsWith(";base64") ? Buffer.from(body, "base64") : Buffer.from(decodeURIComponent(body), "utf8");
}
