/**
 * The Python interpreter of the optional test and benchmark peers (SciPy, PyTorch, nbclient):
 * $SCALERANK_PYTHON, the project's `.venv` (where `.ci/run` installs them), Debian's
 * /usr/bin/python3, or `python3` on PATH — the first that imports every module asked for.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const cache = new Map<string, string | null>();

/** The first Python that can import all of `modules`, or null (callers skip and say so). */
export function findPython(modules: readonly string[]): string | null {
  const key = modules.join(",");
  if (cache.has(key)) return cache.get(key)!;
  const candidates = [
    process.env.SCALERANK_PYTHON,
    path.join(ROOT, ".venv", "bin", "python"),
    "/usr/bin/python3",
    "python3",
  ].filter((x): x is string => !!x && (!x.includes("/") || fs.existsSync(x)));
  let found: string | null = null;
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", modules.map((m) => `import ${m}`).join("; ") || "pass"], {
      stdio: "ignore",
    });
    if (r.status === 0) {
      found = py;
      break;
    }
  }
  cache.set(key, found);
  return found;
}

/** How to get the modules when {@link findPython} found none (for skip messages). */
export function pythonHint(pipPackages: readonly string[]): string {
  return `no Python with ${pipPackages.join(", ")}: python3 -m venv .venv && .venv/bin/pip install ${pipPackages.join(" ")} (what .ci/run does)`;
}
