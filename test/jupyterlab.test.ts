/**
 * The notebooks as a user meets them: JupyterLab (the project's .venv, $JUPYTER or PATH) driven by a
 * real headless Chromium (CHROMIUM_PATH, Debian's, or @sparticuz/chromium). Notebooks 00, 02 and
 * 04 are opened in JupyterLab on the smoke profile and run with "Run All"; every cell must finish
 * with no error output, an interactive plotly figure must render (`svg.main-svg`, drawn by
 * plotly's JupyterLab MIME renderer) and a table must render. Then the notebook is saved from
 * JupyterLab and `clean-notebooks` must give back the committed file byte for byte.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { chromiumArgs, resolveChromium, type ChromiumChoice } from "../lib/src/plots";
import { NOTEBOOK_DIR, ROOT, findJupyter, kernelEnv } from "../scripts/nbrun";
import { cleanNotebook } from "../scripts/clean-notebooks";

const NOTEBOOKS = ["00_setup.ipynb", "02_train_tiers.ipynb", "04_fit_laws.ipynb"];
const TOKEN = "scalerank-browser-test";
// Inside the repository, so the kernels resolve `scalerank` from its node_modules as in notebooks/.
const DIR = path.join(ROOT, "results", "tmp-tests", "jupyterlab");
const jupyter = findJupyter("lab");
const haveMimeRenderer =
  !!jupyter &&
  fs.existsSync(
    path.join(
      path.dirname(jupyter.startsWith("/") ? jupyter : "/"),
      "..",
      "share",
      "jupyter",
      "labextensions",
      "jupyterlab-plotly",
    ),
  );
let chromium: ChromiumChoice | null = null;
let server: ChildProcess | null = null;
let port = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

before(async () => {
  chromium = await resolveChromium();
  if (!jupyter || !chromium) return;
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  for (const nb of NOTEBOOKS) fs.copyFileSync(path.join(NOTEBOOK_DIR, nb), path.join(DIR, nb));
  // JupyterLab 4 renders only the cells in view by default; render all, so outputs can be found
  const settings = path.join(ROOT, "results", "tmp-tests", "jupyterlab-settings");
  fs.mkdirSync(path.join(settings, "@jupyterlab", "notebook-extension"), { recursive: true });
  fs.writeFileSync(
    path.join(settings, "@jupyterlab", "notebook-extension", "tracker.jupyterlab-settings"),
    JSON.stringify({ windowingMode: "none" }),
  );
  port = await freePort();
  server = spawn(
    jupyter,
    [
      "lab",
      "--no-browser",
      "--allow-root",
      `--port=${port}`,
      "--ServerApp.port_retries=0",
      `--IdentityProvider.token=${TOKEN}`,
      `--ServerApp.root_dir=${DIR}`,
      "--LabApp.expose_app_in_browser=True",
      "--ServerApp.disable_check_xsrf=True",
      `--LabApp.user_settings_dir=${path.join(ROOT, "results", "tmp-tests", "jupyterlab-settings")}`,
    ],
    { env: kernelEnv("smoke"), stdio: "ignore" },
  );
  const t0 = Date.now();
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/status?token=${TOKEN}`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() - t0 > 90_000) throw new Error("JupyterLab did not start");
    await new Promise((r) => setTimeout(r, 300));
  }
});

after(async () => {
  if (!server) return;
  const gone = new Promise((r) => server!.on("exit", r));
  server.kill("SIGTERM");
  await gone;
});

const skip = !jupyter
  ? "JupyterLab not installed (.ci/run puts it in .venv: pip install jupyterlab plotly)"
  : !haveMimeRenderer
    ? "plotly's JupyterLab extension (pip install plotly) not found beside JupyterLab"
    : false;

for (const name of NOTEBOOKS) {
  test(
    `JupyterLab, Run All on ${name} (smoke): no error output, an interactive plotly figure, a table; save + clean is the committed file`,
    { skip, timeout: 420_000 },
    async (t) => {
      if (!chromium) return t.skip("no Chromium (CHROMIUM_PATH, a system browser, or @sparticuz/chromium)");
      const pw = require("playwright-core") as typeof import("playwright-core");
      const browser = await pw.chromium.launch({
        executablePath: chromium.executable,
        args: chromiumArgs(chromium),
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        // ?reset: a fresh workspace, so only this notebook is open
        await page.goto(`http://127.0.0.1:${port}/lab/tree/${name}?reset&token=${TOKEN}`);
        type App = {
          commands: { execute(id: string): Promise<unknown> };
          shell: {
            currentWidget: {
              node: HTMLElement;
              sessionContext?: { session?: { kernel?: { status: string } } };
            } | null;
          };
        };
        await page.waitForFunction(
          () => {
            const app = (window as unknown as { jupyterapp?: App }).jupyterapp;
            return app?.shell.currentWidget?.sessionContext?.session?.kernel?.status === "idle";
          },
          undefined,
          { timeout: 120_000 },
        );
        await page.evaluate(() =>
          (window as unknown as { jupyterapp: App }).jupyterapp.commands.execute("notebook:run-all-cells"),
        );
        // every code cell has an execution count and the kernel is idle again
        await page.waitForFunction(
          () => {
            const app = (window as unknown as { jupyterapp: App }).jupyterapp;
            const node = app.shell.currentWidget?.node;
            const prompts = node
              ? Array.from(node.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")).map(
                  (e) => e.textContent ?? "",
                )
              : [];
            return (
              prompts.length > 0 &&
              prompts.every((p) => /\[\d+\]/.test(p)) &&
              app.shell.currentWidget?.sessionContext?.session?.kernel?.status === "idle"
            );
          },
          undefined,
          { timeout: 360_000, polling: 1000 },
        );
        const inNotebook = (sel: string) =>
          page.evaluate((q) => {
            const node = (window as unknown as { jupyterapp: App }).jupyterapp.shell.currentWidget!.node;
            return Array.from(node.querySelectorAll(q)).map((e) => (e.textContent ?? "").slice(0, 400));
          }, sel);
        const errors = await inNotebook(
          '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"], .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
        );
        assert.deepEqual(
          errors.filter((e) => /error|exception|failed/i.test(e)),
          [],
          `error output in ${name}`,
        );
        await page.waitForFunction(
          () =>
            !!(window as unknown as { jupyterapp: App }).jupyterapp.shell.currentWidget!.node.querySelector(
              ".jp-OutputArea-output svg.main-svg",
            ),
          undefined,
          { timeout: 60_000 },
        );
        assert.ok(
          (await inNotebook(".jp-OutputArea-output svg.main-svg")).length >= 1,
          "no plotly figure rendered",
        );
        assert.ok((await inNotebook(".jp-OutputArea-output table")).length >= 1, "no table rendered");
        const saved = path.join(DIR, name);
        const before = fs.statSync(saved).mtimeMs;
        await page.evaluate(() =>
          (window as unknown as { jupyterapp: App }).jupyterapp.commands.execute("docmanager:save"),
        );
        for (let i = 0; i < 100 && fs.statSync(saved).mtimeMs === before; i++)
          await new Promise((r) => setTimeout(r, 100));
        const text = fs.readFileSync(saved, "utf8");
        assert.ok(
          JSON.parse(text).cells.some((c: { outputs?: unknown[] }) => (c.outputs ?? []).length > 0),
          "the saved notebook has outputs",
        );
        assert.equal(
          cleanNotebook(JSON.parse(text)),
          fs.readFileSync(path.join(NOTEBOOK_DIR, name), "utf8"),
          "saved from JupyterLab, then cleaned: not the committed file",
        );
      } finally {
        await browser.close();
      }
    },
  );
}
