/**
 * Static figure export through real headless Chromium (CHROMIUM_PATH, Debian's `chromium`, or the
 * one inside the optional npm package @sparticuz/chromium that `npm ci` installs):
 * the files exist, the SVG carries the figure's text, the PNG has real content.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { exportFigures, resolveChromium, pngContent } from "../lib/src/plots";
import { ROOT } from "../scripts/nbrun";

const dir = path.join(ROOT, "results", "tmp-tests", "figures");
let chromium: Awaited<ReturnType<typeof resolveChromium>> = null;
before(async () => {
  chromium = await resolveChromium();
});

test("a line chart exports to an SVG with its title and a non-blank PNG", async (t) => {
  if (!chromium)
    return t.skip("no Chromium: CHROMIUM_PATH unset, no system browser, @sparticuz/chromium not installed");
  fs.rmSync(dir, { recursive: true, force: true });
  const fig = {
    data: [
      {
        type: "scatter",
        mode: "lines+markers",
        x: [1, 2, 3, 4],
        y: [0.31, 0.36, 0.4, 0.42],
        name: "NDCG@10",
      },
    ],
    layout: { title: { text: "Export check 5821" }, xaxis: { title: { text: "tier" } } },
  };
  const r = await exportFigures([{ name: "check", fig, width: 600, height: 400 }], dir, { scale: 1 });
  assert.equal(r.skipped, undefined);
  assert.deepEqual(r.files.map((f) => path.basename(f)).sort(), ["check.png", "check.svg"]);
  const svg = fs.readFileSync(path.join(dir, "check.svg"), "utf8");
  assert.match(svg, /^<svg/);
  assert.match(svg, /Export check 5821/);
  const png = pngContent(fs.readFileSync(path.join(dir, "check.png")));
  assert.equal(png.width, 600);
  assert.equal(png.height, 400);
  assert.ok(png.nonBackgroundFraction > 0.01, `PNG looks blank: ${JSON.stringify(png)}`);
  assert.ok(png.distinctColors > 10);
});

test("without a browser the export is skipped with a reason and writes nothing", async () => {
  const saved = process.env.CHROMIUM_PATH;
  process.env.CHROMIUM_PATH = "/nonexistent/chromium";
  try {
    const out = path.join(dir, "none");
    const r = await exportFigures([{ name: "x", fig: { data: [] } }], out);
    assert.match(r.skipped ?? "", /no Chromium found/);
    assert.equal(fs.existsSync(out), false);
  } finally {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  }
});
