/**
 * `npm run reproduce [-- --profile mini] [--engine auto|jupyter|inprocess] [--force] [--all]`
 *
 * Runs every notebook in order on the chosen profile (default: SCALERANK_PROFILE or `mini`) and
 * writes executed copies to results/notebooks/<profile>/. Works with Node alone (tslab's
 * in-process executor) and uses a real Jupyter client when one is installed.
 *
 * Cached and resumable: a notebook is skipped when its executed copy exists and nothing it
 * depends on changed (its source, the compiled library, the profile) -- recorded in
 * results/notebooks/<profile>/stamps.json after each success. An interrupted run therefore
 * restarts at the first notebook that did not finish, and the training inside it resumes from
 * its own checkpoints. At the end results/REPORT.md is written from the notebooks' summaries.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { activeProfile } from "../lib/src/util/profile";
import { writeJsonAtomic } from "../lib/src/util/fsutil";
import { writeReport } from "../lib/src/report/report";
import { ROOT, executedPath, inReproduction, listNotebooks, resolveEngine, runNotebook } from "./nbrun";

/** Hash of every file under a folder (sorted), used to notice library changes. */
function hashTree(dir: string, h = createHash("sha256")): ReturnType<typeof createHash> {
  if (!fs.existsSync(dir)) return h;
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) hashTree(p, h);
    else if (!e.name.endsWith(".map")) h.update(e.name).update(fs.readFileSync(p));
  }
  return h;
}

function stampOf(nb: string, libHash: string, profile: string): string {
  return createHash("sha256").update(fs.readFileSync(nb)).update(libHash).update(profile).digest("hex").slice(0, 16);
}

function main(): number {
  const argv = process.argv.slice(2);
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const profile = activeProfile(opt("--profile"));
  const engine = resolveEngine(opt("--engine") ?? process.env.NOTEBOOK_ENGINE ?? "auto");
  const force = argv.includes("--force");
  const stampFile = path.join(ROOT, "results", "notebooks", profile, "stamps.json");
  const stamps: Record<string, { stamp: string; seconds: number; finished: string }> =
    fs.existsSync(stampFile) ? JSON.parse(fs.readFileSync(stampFile, "utf8")) : {};
  const libHash = hashTree(path.join(ROOT, "lib", "dist")).digest("hex");
  const all = argv.includes("--all");
  const notebooks = listNotebooks().filter((nb) => {
    const r = inReproduction(nb);
    if (!r.included && !all) console.error(`${path.basename(nb)}: not part of the default reproduction (${r.why}); run with --all to include it`);
    return r.included || all;
  });
  console.error(`reproduce: ${notebooks.length} notebooks, profile=${profile}, engine=${engine}`);
  const t0 = Date.now();
  for (const [i, nb] of notebooks.entries()) {
    const name = path.basename(nb);
    const stamp = stampOf(nb, libHash, profile);
    const done = stamps[name]?.stamp === stamp && fs.existsSync(executedPath(nb, profile));
    const head = `[${i + 1}/${notebooks.length}] ${name}`;
    if (done && !force) {
      console.error(`${head}: unchanged since ${stamps[name].finished}, skipped`);
      continue;
    }
    console.error(`\n${head}: running`);
    const r = runNotebook(nb, { engine, profile });
    if (!r.ok) {
      console.error(`${head}: FAILED after ${r.seconds.toFixed(1)} s (fix it and run again: finished notebooks are kept)`);
      return 1;
    }
    stamps[name] = { stamp, seconds: r.seconds, finished: new Date().toISOString() };
    writeJsonAtomic(stampFile, stamps);
    console.error(`${head}: done in ${r.seconds.toFixed(1)} s`);
  }
  const timings = Object.fromEntries(Object.entries(stamps).map(([k, v]) => [k, v.seconds]));
  const report = writeReport({ profile, timings });
  console.error(`\nreproduce: all notebooks done in ${((Date.now() - t0) / 1000).toFixed(1)} s; executed copies in results/notebooks/${profile}/`);
  console.error(`report: ${path.relative(process.cwd(), report)}`);
  return 0;
}

try {
  process.exit(main());
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(2);
}
