/**
 * `npm run reproduce [-- --profile mini] [--engine auto|jupyter|inprocess] [--force] [--all] [NN ...]`
 *
 * Runs every notebook in order on the chosen profile (default: SCALERANK_PROFILE or `mini`), or
 * the ones named (`02 05`), and writes executed copies to results/notebooks/<profile>/. Works
 * with Node alone (tslab's in-process executor) and uses a real Jupyter client when one is
 * installed. Progress (each cell as it starts, and the cells' own output, training progress
 * included) streams to the terminal as it happens.
 *
 * Cached and resumable: a notebook is skipped when its executed copy exists and nothing it
 * depends on changed since its last success — its source, the compiled library (with every
 * profile's configuration), the profile, and the inputs it declares: the records under
 * results/runs, the generated data, the generative-retrieval results (scripts/stamps.ts). The
 * stamps are kept in results/notebooks/<profile>/stamps.json; a damaged one is ignored with a
 * warning. An interrupted run restarts at the first notebook that did not finish, and the
 * training inside it resumes from its own checkpoints. At the end results/REPORT.md is written
 * from the notebooks' summaries.
 */
import * as path from "node:path";
import { activeProfile } from "../lib/src/util/profile";
import { writeJsonAtomic } from "../lib/src/util/fsutil";
import { resultsPath } from "../lib/src/util/paths";
import { writeReport } from "../lib/src/report/report";
import { ROOT, executedPath, inReproduction, listNotebooks, resolveEngine, runNotebook } from "./nbrun";
import { hashTree, notebookStamp, readStamps } from "./stamps";
import { checkedOption, choiceOption, parseOptions, runCli } from "./cli";
import * as fs from "node:fs";

const HELP = `usage: npm run reproduce -- [--profile smoke|mini|paper] [--engine auto|jupyter|inprocess] [--force] [--all] [NN ...]
  --profile    run profile [SCALERANK_PROFILE or mini]
  --engine     notebook engine [auto: jupyter when nbclient is importable, else inprocess]
  --force      run every notebook even when nothing it depends on changed
  --all        include notebooks marked as outside the default reproduction
  NN ...       only these notebooks (name prefixes, e.g. 02 05)`;

async function main(): Promise<number> {
  const { options: o, positional } = parseOptions(
    process.argv.slice(2),
    { profile: "value", engine: "value", force: "flag", all: "flag", help: "flag" },
    true,
  );
  if (o.has("help")) {
    console.log(HELP);
    return 0;
  }
  const profile = checkedOption("profile", () => activeProfile(o.get("profile")));
  const engine = resolveEngine(
    choiceOption("engine", o.get("engine") ?? process.env.NOTEBOOK_ENGINE ?? "auto", [
      "auto",
      "jupyter",
      "inprocess",
    ]),
  );
  const picked = checkedOption("notebooks", () => listNotebooks(positional));
  const stampFile = resultsPath("notebooks", profile, "stamps.json");
  const stamps = readStamps(stampFile, (s) => console.error(`reproduce: ${s}`));
  const libHash = hashTree(path.join(ROOT, "lib", "dist"), (n) => !n.endsWith(".map")).digest("hex");
  const notebooks = picked.filter((nb) => {
    const r = inReproduction(nb);
    if (!r.included && !o.has("all") && positional.length === 0)
      console.error(
        `${path.basename(nb)}: not part of the default reproduction (${r.why}); run with --all to include it`,
      );
    return r.included || o.has("all") || positional.length > 0;
  });
  console.error(`reproduce: ${notebooks.length} notebooks, profile=${profile}, engine=${engine}`);
  const t0 = Date.now();
  for (const [i, nb] of notebooks.entries()) {
    const name = path.basename(nb);
    const head = `[${i + 1}/${notebooks.length}] ${name}`;
    const done =
      stamps[name]?.stamp === notebookStamp(nb, libHash, profile) && fs.existsSync(executedPath(nb, profile));
    if (done && !o.has("force")) {
      console.error(`${head}: unchanged since ${stamps[name].finished}, skipped`);
      continue;
    }
    console.error(`\n${head}: running${stamps[name] ? " (its inputs changed)" : ""}`);
    const r = await runNotebook(nb, { engine, profile });
    if (!r.ok) {
      console.error(
        `${head}: FAILED after ${r.seconds.toFixed(1)} s (fix it and run again: finished notebooks are kept)`,
      );
      return 1;
    }
    // stamped after the run: a notebook that writes its own inputs (02 writes records) is then stable
    stamps[name] = {
      stamp: notebookStamp(nb, libHash, profile),
      seconds: r.seconds,
      finished: new Date().toISOString(),
    };
    writeJsonAtomic(stampFile, stamps);
    console.error(`${head}: done in ${r.seconds.toFixed(1)} s`);
  }
  const timings = Object.fromEntries(Object.entries(stamps).map(([k, v]) => [k, v.seconds]));
  const report = writeReport({ profile, timings });
  console.error(
    `\nreproduce: all notebooks done in ${((Date.now() - t0) / 1000).toFixed(1)} s; executed copies in ${path.relative(process.cwd(), resultsPath("notebooks", profile))}/`,
  );
  console.error(`report: ${path.relative(process.cwd(), report)}`);
  return 0;
}

runCli("reproduce", main);
