/**
 * Where the project's folders are, seen from any working directory (a notebook runs in
 * notebooks/, a CLI in the repository root, a user's notebook anywhere below it).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The project root: env SCALERANK_ROOT if set, else the nearest ancestor of the working
 * directory whose package.json declares npm workspaces, else the working directory.
 */
export function projectRoot(): string {
  if (process.env.SCALERANK_ROOT) return path.resolve(process.env.SCALERANK_ROOT);
  let dir = process.cwd();
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        if ((JSON.parse(fs.readFileSync(pj, "utf8")) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        /* not ours */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** `<root>/results/...parts` */
export function resultsPath(...parts: string[]): string {
  return path.join(projectRoot(), "results", ...parts);
}

/** `<root>/data/...parts` */
export function dataPath(...parts: string[]): string {
  return path.join(projectRoot(), "data", ...parts);
}
