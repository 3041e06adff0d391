/**
 * `npm run notebooks -- [names...] [--engine auto|jupyter|inprocess] [--profile smoke|mini|paper]
 *  [--timeout SECONDS] [--keep-going]`
 *
 * Executes notebooks in order with the tslab kernel, each from its own folder, with the profile
 * from --profile or SCALERANK_PROFILE (default mini). Executed copies go to
 * results/notebooks/<profile>/. The first failing notebook stops the run (unless --keep-going)
 * and the exit code is 1; the failing cell's source and stderr are printed.
 */
import * as path from "node:path";
import { activeProfile } from "../lib/src/util/profile";
import { listNotebooks, resolveEngine, runNotebook, type NotebookResult } from "./nbrun";

function parseArgs(argv: string[]) {
  const names: string[] = [];
  let engine = process.env.NOTEBOOK_ENGINE ?? "auto";
  let profile: string | undefined;
  let timeout = 3600;
  let keepGoing = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--engine") engine = argv[++i];
    else if (a === "--profile") profile = argv[++i];
    else if (a === "--timeout") timeout = Number(argv[++i]);
    else if (a === "--keep-going") keepGoing = true;
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else names.push(a.replace(/\.ipynb$/, "").replace(/^notebooks\//, ""));
  }
  return { names, engine, profile: activeProfile(profile), timeout, keepGoing };
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const engine = resolveEngine(args.engine);
  const notebooks = listNotebooks(args.names);
  console.error(`running ${notebooks.length} notebook(s), profile=${args.profile}, engine=${engine}`);
  const results: NotebookResult[] = [];
  for (const nb of notebooks) {
    console.error(`\n▶ ${path.basename(nb)}`);
    const r = runNotebook(nb, { engine, profile: args.profile, timeoutSec: args.timeout });
    results.push(r);
    console.error(`${r.ok ? "✓" : "✗"} ${path.basename(nb)} ${r.seconds.toFixed(1)} s → ${path.relative(process.cwd(), r.output)}`);
    if (!r.ok && !args.keepGoing) break;
  }
  const failed = results.filter((r) => !r.ok).length;
  console.error(`\nnotebooks: ${results.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

try {
  process.exit(main());
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(2);
}
