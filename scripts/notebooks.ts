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
import { findJupyterPython, listNotebooks, resolveEngine, runNotebook, type NotebookResult } from "./nbrun";
import { checkedOption, choiceOption, intOption, parseOptions, runCli } from "./cli";

function parseArgs(argv: string[]) {
  const { options: o, positional } = parseOptions(
    argv,
    { engine: "value", profile: "value", timeout: "value", "keep-going": "flag" },
    true,
  );
  return {
    names: positional.map((a) => a.replace(/\.ipynb$/, "").replace(/^notebooks\//, "")),
    engine: choiceOption("engine", o.get("engine") ?? process.env.NOTEBOOK_ENGINE ?? "auto", [
      "auto",
      "jupyter",
      "inprocess",
    ]),
    profile: checkedOption("profile", () => activeProfile(o.get("profile"))),
    timeout: o.has("timeout") ? intOption("timeout", o.get("timeout")!, 1) : 3600,
    keepGoing: o.has("keep-going"),
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const engine = resolveEngine(args.engine);
  const notebooks = checkedOption("notebooks", () => listNotebooks(args.names));
  const why =
    engine === "jupyter"
      ? `a Jupyter client (nbclient in ${findJupyterPython()}) with the tslab kernel`
      : "tslab's in-process executor (no Python with nbclient found; pip install nbclient, or apt-get install python3-nbclient, for the Jupyter engine)";
  console.error(`running ${notebooks.length} notebook(s), profile=${args.profile}, engine=${engine}: ${why}`);
  const results: NotebookResult[] = [];
  for (const nb of notebooks) {
    console.error(`\n▶ ${path.basename(nb)}`);
    const r = await runNotebook(nb, { engine, profile: args.profile, timeoutSec: args.timeout });
    results.push(r);
    console.error(
      `${r.ok ? "✓" : "✗"} ${path.basename(nb)} ${r.seconds.toFixed(1)} s → ${path.relative(process.cwd(), r.output)}`,
    );
    if (!r.ok && !args.keepGoing) break;
  }
  const failed = results.filter((r) => !r.ok).length;
  console.error(`\nnotebooks: ${results.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

runCli("notebooks", main);
