/**
 * `npm run lab [-- --classic] [extra jupyter args]`: starts JupyterLab (or the classic notebook)
 * with this project's tslab kernelspec (.jupyter/kernels/tslab) on JUPYTER_PATH and
 * node_modules/.bin on PATH, in the notebooks/ folder. Every other argument goes to Jupyter as
 * it is (e.g. `--allow-root` in a container, `--no-browser --port 8890`).
 *
 * Ctrl-C and SIGTERM are forwarded to Jupyter as SIGTERM, which makes it shut down its kernels
 * and exit without asking; this process exits only after Jupyter has (with Jupyter's status), so
 * no server or kernel is left running and the next `npm run lab` gets the same port.
 * JupyterLab is found as $JUPYTER, on PATH, or in the project's `.venv` (see README).
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { NOTEBOOK_DIR, findJupyter, kernelEnv } from "./nbrun";
import { activeProfile } from "../lib/src/util/profile";

const argv = process.argv.slice(2);
const classic = argv.includes("--classic");
const extra = argv.filter((a) => a !== "--classic");
const sub = classic ? "notebook" : "lab";
const env = kernelEnv(activeProfile());
const jupyter = findJupyter(sub);
if (jupyter === null) {
  console.error(
    `jupyter ${sub} was not found.\n` +
      "  JupyterLab: conda env create -f environment.yml && conda activate reranker-scaling && npm run lab\n" +
      "          or: python3 -m venv .venv && .venv/bin/pip install jupyterlab plotly && npm run lab   (the project's .venv is found)\n" +
      "  classic notebook on Debian/Ubuntu: sudo apt-get install jupyter-notebook && npm run lab -- --classic",
  );
  process.exit(1);
}
console.error(
  `starting jupyter ${sub} in ${path.relative(process.cwd(), NOTEBOOK_DIR) || "."} with the tslab kernel (profile ${env.SCALERANK_PROFILE})`,
);
// Its own process group: a terminal's Ctrl-C reaches this process only, and Jupyter gets one
// SIGTERM from here (a SIGINT would make it ask "Shutdown this Jupyter server (y/[n])?").
const child = spawn(jupyter, [sub, ...extra], { cwd: NOTEBOOK_DIR, env, stdio: "inherit", detached: true });
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.error(`\n${signal}: stopping jupyter ${sub} (pid ${child.pid}) and its kernels…`);
  child.kill("SIGTERM");
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGHUP", () => stop("SIGHUP"));
child.on("exit", (code, signal) => {
  if (stopping) console.error(`jupyter ${sub} has shut down`);
  process.exit(code ?? (signal ? 0 : 1));
});
