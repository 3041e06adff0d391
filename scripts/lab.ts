/**
 * `npm run lab [-- --classic] [extra jupyter args]`: starts JupyterLab (or the classic notebook)
 * with this project's tslab kernelspec (.jupyter/kernels/tslab) on JUPYTER_PATH and
 * node_modules/.bin on PATH, in the notebooks/ folder. JupyterLab comes from the conda
 * environment in environment.yml; Debian users can use `--classic` with jupyter-notebook.
 */
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { NOTEBOOK_DIR, kernelEnv } from "./nbrun";
import { activeProfile } from "../lib/src/util/profile";

const argv = process.argv.slice(2);
const classic = argv.includes("--classic");
const extra = argv.filter((a) => a !== "--classic");
const sub = classic ? "notebook" : "lab";
const env = kernelEnv(activeProfile());
const probe = spawnSync("jupyter", [sub, "--version"], { env, encoding: "utf8" });
if (probe.status !== 0) {
  console.error(
    `jupyter ${sub} was not found.\n` +
      "  JupyterLab: conda env create -f environment.yml && conda activate reranker-scaling && npm run lab\n" +
      "  classic notebook on Debian/Ubuntu: sudo apt-get install jupyter-notebook && npm run lab -- --classic",
  );
  process.exit(1);
}
console.error(`starting jupyter ${sub} in ${path.relative(process.cwd(), NOTEBOOK_DIR) || "."} with the tslab kernel (profile ${env.SCALERANK_PROFILE})`);
const child = spawn("jupyter", [sub, ...extra], { cwd: NOTEBOOK_DIR, env, stdio: "inherit" });
child.on("exit", (code) => process.exit(code ?? 0));
