/**
 * Shared notebook-execution logic for `npm run notebooks`, `npm run reproduce` and the tests.
 *
 * Two engines execute a notebook with the tslab kernel, from the notebook's own folder:
 *  - "jupyter": a real Jupyter client (Debian python3-nbclient) talking to the tslab kernel
 *    registered in .jupyter/kernels/tslab -- exactly how JupyterLab runs it;
 *  - "inprocess": tslab's own converter and executor inside a Node process (no Python at all).
 * "auto" picks jupyter when nbclient is importable, else inprocess.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { resultsPath } from "../lib/src/util/paths";

export const ROOT = path.resolve(__dirname, "..");
export const NOTEBOOK_DIR = path.join(ROOT, "notebooks");

export type Engine = "jupyter" | "inprocess";

/** Notebooks in run order (NN_ prefix), optionally filtered by name prefixes ("01", "01_data"). */
export function listNotebooks(filters: string[] = []): string[] {
  const all = fs
    .readdirSync(NOTEBOOK_DIR)
    .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
    .sort();
  if (filters.length === 0) return all.map((f) => path.join(NOTEBOOK_DIR, f));
  const picked = all.filter((f) => filters.some((s) => f.startsWith(s) || f === `${s}.ipynb`));
  const unknown = filters.filter((s) => !all.some((f) => f.startsWith(s) || f === `${s}.ipynb`));
  if (unknown.length) throw new Error(`no notebook matches: ${unknown.join(", ")} (have: ${all.join(", ")})`);
  return picked.map((f) => path.join(NOTEBOOK_DIR, f));
}

/**
 * Whether `npm run reproduce` runs this notebook by default: false when the notebook's metadata
 * says `"scalerank": {"reproduce": false, "why": "..."}` (work whose mini run does not yet fit the
 * reproduction budget); such notebooks still run in the tests and with `reproduce -- --all`.
 */
export function inReproduction(nb: string): { included: boolean; why: string } {
  const meta = (
    JSON.parse(fs.readFileSync(nb, "utf8")) as {
      metadata?: { scalerank?: { reproduce?: boolean; why?: string } };
    }
  ).metadata?.scalerank;
  return { included: meta?.reproduce !== false, why: meta?.why ?? "" };
}

/** The project's own virtual environment (`.venv` in the repository root), where `.ci/run` installs JupyterLab. */
export const VENV_BIN = path.join(ROOT, ".venv", "bin");

/** The Python that has nbclient: $NOTEBOOK_PYTHON, the project's .venv, Debian's /usr/bin/python3, or PATH's python3. */
export function findJupyterPython(): string | null {
  const candidates = [
    process.env.NOTEBOOK_PYTHON,
    path.join(VENV_BIN, "python"),
    "/usr/bin/python3",
    "python3",
  ].filter((x): x is string => !!x && (!x.startsWith("/") || fs.existsSync(x)));
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import nbclient, nbformat"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return null;
}

/** Resolve "auto" to a concrete engine, explaining when Jupyter is missing. */
export function resolveEngine(requested: string): Engine {
  if (requested === "jupyter" || requested === "inprocess") return requested;
  if (requested !== "auto") throw new Error(`unknown engine "${requested}" (auto | jupyter | inprocess)`);
  return findJupyterPython() ? "jupyter" : "inprocess";
}

/** Environment for the kernel: our kernelspec on JUPYTER_PATH and node_modules/.bin on PATH. */
export function kernelEnv(profile: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SCALERANK_PROFILE: profile,
    JUPYTER_PATH:
      path.join(ROOT, ".jupyter") +
      (process.env.JUPYTER_PATH ? path.delimiter + process.env.JUPYTER_PATH : ""),
    JUPYTER_RUNTIME_DIR: path.join(ROOT, ".jupyter", "runtime"),
    PATH: path.join(ROOT, "node_modules", ".bin") + path.delimiter + (process.env.PATH ?? ""),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    // stack traces from the library point at lib/src/*.ts lines, not lib/dist/*.js (as the kernelspec sets it)
    NODE_OPTIONS: [process.env.NODE_OPTIONS, "--enable-source-maps"].filter(Boolean).join(" "),
  };
}

/**
 * The `jupyter` command that has the given subcommand (`lab`, `notebook`): $JUPYTER, the one on
 * PATH, or the project's .venv; null when none has it.
 */
export function findJupyter(sub: "lab" | "notebook"): string | null {
  const candidates = [process.env.JUPYTER, "jupyter", path.join(VENV_BIN, "jupyter")].filter(
    (x): x is string => !!x,
  );
  for (const j of candidates) {
    const r = spawnSync(j, [sub, "--version"], { stdio: "ignore", env: kernelEnv("smoke") });
    if (r.status === 0) return j;
  }
  return null;
}

export interface NotebookResult {
  notebook: string;
  output: string;
  ok: boolean;
  seconds: number;
  engine: Engine;
  /** Everything the runner printed to stderr (cell progress; on failure the cell and its message). */
  stderr: string;
}

/** Where the executed copy of `nb` goes for a profile (under the project's results folder, see `resultsPath`). */
export function executedPath(nb: string, profile: string): string {
  return resultsPath("notebooks", profile, path.basename(nb));
}

/** Options of {@link runNotebook}. */
export interface RunNotebookOptions {
  engine: Engine;
  profile: string;
  timeoutSec?: number;
  output?: string;
  /**
   * Print nothing while it runs. Otherwise the runner's progress (one line per cell as it starts)
   * and every cell's text output (training progress lines included) stream to our stderr as they
   * happen.
   */
  quiet?: boolean;
}

/**
 * Execute one notebook. Unless `quiet`, progress and cell output stream to stderr live (see
 * {@link RunNotebookOptions.quiet}); on failure the failing cell's source and message follow.
 * Resolves with whether every cell succeeded and everything the runner printed.
 */
export function runNotebook(nb: string, opts: RunNotebookOptions): Promise<NotebookResult> {
  const output = opts.output ?? executedPath(nb, opts.profile);
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const env = { ...kernelEnv(opts.profile), NOTEBOOK_ECHO: opts.quiet ? "0" : "1" };
  const t0 = Date.now();
  let cmd: string[];
  if (opts.engine === "jupyter") {
    const py = findJupyterPython();
    if (!py)
      throw new Error(
        "the jupyter engine needs Python with nbclient (pip install nbclient, or apt-get install python3-nbclient), or use --engine inprocess",
      );
    cmd = [py, path.join(ROOT, "scripts", "run_nb.py"), nb, output, String(opts.timeoutSec ?? 3600)];
  } else {
    cmd = [process.execPath, path.join(ROOT, "scripts", "tslab-inprocess.cjs"), nb, output];
  }
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: path.dirname(nb),
      env,
      stdio: ["ignore", "inherit", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => {
      const t = b.toString("utf8");
      stderr += t;
      if (!opts.quiet) process.stderr.write(t);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), (opts.timeoutSec ?? 3600) * 1000 + 30000);
    // Ctrl-C / SIGTERM reach the child through the process group; wait for it before exiting.
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        notebook: nb,
        output,
        ok: code === 0,
        seconds: (Date.now() - t0) / 1000,
        engine: opts.engine,
        stderr,
      });
    });
  });
}
