/**
 * Static export of plotly figures to SVG and PNG through headless Chromium.
 *
 * Uses `playwright-core` to drive headless Chromium: the path in env CHROMIUM_PATH, else a system
 * Chromium (Debian package `chromium`), else the Chromium shipped inside the optional npm
 * dependency `@sparticuz/chromium` (unpacked to the temp folder on first use, ~2 s), so `npm ci`
 * alone is enough. plotly.js is loaded from the `plotly.js-dist-min` npm package, so nothing is
 * fetched from the network. When no browser is found, `exportFigures` returns
 * `{ skipped: "<reason>" }` and writes nothing, so notebooks can go on without static files.
 * Files are written atomically (temp + rename).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../util/fsutil";
import type { PlotlyFigure } from "./display";

/** Candidate Chromium executables, in order of preference. */
const BROWSER_PATHS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** A system Chromium executable, or null (env CHROMIUM_PATH wins; the npm one is not looked at, see {@link resolveChromium}). */
export function findChromium(): string | null {
  const env = process.env.CHROMIUM_PATH;
  if (env) return fs.existsSync(env) ? env : null;
  return BROWSER_PATHS.find((p) => fs.existsSync(p)) ?? null;
}

/** The Chromium to drive, and where it came from. */
export interface ChromiumChoice {
  executable: string;
  source: "CHROMIUM_PATH" | "system" | "@sparticuz/chromium";
}

/**
 * The Chromium to use: {@link findChromium} (CHROMIUM_PATH, then a system browser), else the one
 * inside the optional `@sparticuz/chromium` package (unpacked on first use); null when there is
 * none (CHROMIUM_PATH set to a missing file counts as none).
 */
export async function resolveChromium(): Promise<ChromiumChoice | null> {
  if (process.env.CHROMIUM_PATH)
    return fs.existsSync(process.env.CHROMIUM_PATH)
      ? { executable: process.env.CHROMIUM_PATH, source: "CHROMIUM_PATH" }
      : null;
  const sys = findChromium();
  if (sys) return { executable: sys, source: "system" };
  try {
    const mod = require("@sparticuz/chromium") as {
      default?: { executablePath(): Promise<string> };
      executablePath?: () => Promise<string>;
    };
    const c = mod.default ?? (mod as { executablePath(): Promise<string> });
    return { executable: await c.executablePath(), source: "@sparticuz/chromium" };
  } catch {
    return null;
  }
}

/** Flags that keep Chromium quiet and offline inside containers and CI. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launch flags for a Chromium choice: {@link CHROMIUM_ARGS}, plus no zygote for the npm build (it has no sandbox helper). */
export function chromiumArgs(c: ChromiumChoice): string[] {
  return c.source === "@sparticuz/chromium"
    ? [...CHROMIUM_ARGS, "--no-zygote", "--single-process"]
    : CHROMIUM_ARGS;
}

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
export async function exportFigures(
  figs: FigureToExport[],
  dir: string,
  opts: { scale?: number; formats?: Array<"svg" | "png"> } = {},
): Promise<ExportResult> {
  const chromium = await resolveChromium();
  if (!chromium)
    return {
      files: [],
      skipped:
        "no Chromium found (npm ci installs @sparticuz/chromium; or apt-get install chromium, or set CHROMIUM_PATH); static export skipped",
    };
  let playwright: typeof import("playwright-core");
  try {
    playwright = require("playwright-core");
  } catch {
    return { files: [], skipped: "playwright-core is not installed; static export skipped" };
  }
  const formats = opts.formats ?? ["svg", "png"];
  const browser = await playwright.chromium.launch({
    executablePath: chromium.executable,
    args: chromiumArgs(chromium),
  });
  const files: string[] = [];
  try {
    const page = await browser.newPage();
    await page.setContent("<html><body><div id='g'></div></body></html>");
    await page.addScriptTag({ path: require.resolve("plotly.js-dist-min") });
    for (const f of figs) {
      for (const format of formats) {
        const url = await page.evaluate(
          async ({ fig, format, width, height, scale }) => {
            const P = (
              globalThis as unknown as { Plotly: { toImage(gd: unknown, o: unknown): Promise<string> } }
            ).Plotly;
            return P.toImage({ data: fig.data, layout: fig.layout ?? {} }, { format, width, height, scale });
          },
          {
            fig: f.fig,
            format,
            width: f.width ?? 900,
            height: f.height ?? 600,
            scale: format === "png" ? (opts.scale ?? 2) : 1,
          },
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
  return meta.endsWith(";base64")
    ? Buffer.from(body, "base64")
    : Buffer.from(decodeURIComponent(body), "utf8");
}
