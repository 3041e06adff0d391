/**
 * `npm run evaluate -- [flags] qrels run`: trec_eval-compatible evaluation from the command line.
 *
 * Output lines are `measure<TAB>qid<TAB>value` (per query with -q, then `all`), exactly as
 * trec_eval prints them, so the two outputs can be diffed. Flags (trec_eval's, plus a few):
 *
 *   -m MEASURE[.k,k]  measure to compute (repeatable): num_q num_ret num_rel num_rel_ret map
 *                     Rprec recip_rank P recall ndcg ndcg_cut; default: all of them
 *   -q                also print per-query values
 *   -c                average over all qrels queries (missing ones score 0)
 *   -l N              relevance level for binary measures (default 1)
 *   -M N              evaluate only the top N documents per query
 *   -n                no summary (`all`) lines
 *   -p, --full-precision   print values in full (shortest round-trip) precision
 *   --qrels-format trec|msmarco|beir   (default trec)
 *   --run-format trec|msmarco          (default trec)
 *   --gain linear|burges               nDCG gain (default linear = trec_eval)
 *
 * Bad input exits with status 1 and a `file:line: problem` message; nothing is printed to stdout.
 */
import { InputError } from "../lib/src/util/fsutil";
import {
  Evaluator,
  MEASURE_ORDER,
  formatTrecEval,
  readBeirQrels,
  readMsMarcoQrels,
  readRun,
  readTrecQrels,
  RunNotGroupedError,
  scanRun,
  type EvalOptions,
  type Qrels,
  type RunFormat,
} from "../lib/src/eval"; // only the eval module: the CLI starts fast (no tfjs)

const USAGE = `usage: npm run evaluate -- [-q] [-c] [-n] [-p] [-l N] [-M N] {-m measure[.k,...]} [--qrels-format trec|msmarco|beir] [--run-format trec|msmarco] [--gain linear|burges] qrels run`;

const DEFAULT_MEASURES: string[] = [...MEASURE_ORDER];

interface Args {
  measures: string[];
  perQuery: boolean;
  summary: boolean;
  fullPrecision: boolean;
  opts: EvalOptions;
  qrelsFormat: "trec" | "msmarco" | "beir";
  runFormat: RunFormat;
  files: string[];
}

function fail(msg: string): never {
  process.stderr.write(`evaluate: ${msg}\n`);
  process.exit(1);
}

function intArg(flag: string, v: string | undefined): number {
  if (v === undefined || !/^[+-]?\d+$/.test(v))
    fail(`${flag} needs an integer, got ${v ?? "nothing"}\n${USAGE}`);
  return Number(v);
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    measures: [],
    perQuery: false,
    summary: true,
    fullPrecision: false,
    opts: {},
    qrelsFormat: "trec",
    runFormat: "trec",
    files: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    const value = (flag: string): string => {
      // trec_eval/getopt style: `-l2` or `-l 2`, `--x=v` or `--x v`.
      if (t.startsWith("--") && t.includes("=")) return t.slice(t.indexOf("=") + 1);
      if (!t.startsWith("--") && t.length > 2) return t.slice(2);
      if (i + 1 >= argv.length) fail(`${flag} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const name = t.startsWith("--") ? t.split("=")[0] : t.slice(0, 2);
    if (t === "-" || !t.startsWith("-")) {
      a.files.push(t);
      continue;
    }
    switch (name) {
      case "-m":
      case "--measure":
        a.measures.push(value("-m"));
        break;
      case "-q":
      case "--query_eval_wanted":
        a.perQuery = true;
        break;
      case "-c":
      case "--complete_rel_info_wanted":
        a.opts.complete = true;
        break;
      case "-n":
      case "--nosummary":
        a.summary = false;
        break;
      case "-p":
      case "--full-precision":
        a.fullPrecision = true;
        break;
      case "-l":
      case "--level_for_rel":
        a.opts.relevanceLevel = intArg("-l", value("-l"));
        break;
      case "-M":
      case "--Max_retrieved_per_topic": {
        const m = intArg("-M", value("-M"));
        if (m < 0) fail("-M must be >= 0");
        a.opts.maxDepth = m;
        break;
      }
      case "--qrels-format": {
        const v = value(name);
        if (v !== "trec" && v !== "msmarco" && v !== "beir")
          fail(`--qrels-format must be trec, msmarco or beir`);
        a.qrelsFormat = v;
        break;
      }
      case "--run-format": {
        const v = value(name);
        if (v !== "trec" && v !== "msmarco") fail(`--run-format must be trec or msmarco`);
        a.runFormat = v;
        break;
      }
      case "--gain": {
        const v = value(name);
        if (v !== "linear" && v !== "burges") fail(`--gain must be linear or burges`);
        a.opts.gain = v;
        break;
      }
      case "-h":
      case "--help":
        process.stdout.write(USAGE + "\n");
        process.exit(0);
      default:
        fail(`unknown flag ${t}\n${USAGE}`);
    }
    // A flag with an attached value (e.g. -q grouped as -qc) is not supported beyond -X<value>.
    if (!t.startsWith("--") && t.length > 2 && !["-m", "-l", "-M"].includes(name))
      fail(`unknown flag ${t}\n${USAGE}`);
  }
  if (a.files.length !== 2) fail(USAGE);
  if (a.measures.length === 0) a.measures = DEFAULT_MEASURES;
  return a;
}

function readQrelsAs(file: string, format: Args["qrelsFormat"]): Qrels {
  return format === "beir"
    ? readBeirQrels(file)
    : format === "msmarco"
      ? readMsMarcoQrels(file)
      : readTrecQrels(file);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const [qrelsFile, runFile] = args.files;
  try {
    const qrels = readQrelsAs(qrelsFile, args.qrelsFormat);
    let ev = new Evaluator(qrels, args.measures, args.opts);
    try {
      // Streaming pass: each query is evaluated as soon as its lines end, then dropped.
      scanRun(runFile, args.runFormat, (qid, q) => ev.add(qid, q), true);
    } catch (e) {
      if (!(e instanceof RunNotGroupedError) || runFile === "-") throw e;
      // Lines of a query are not contiguous: read the whole run, then evaluate.
      ev = new Evaluator(qrels, args.measures, args.opts);
      for (const [qid, q] of readRun(runFile, args.runFormat)) ev.add(qid, q);
    }
    const result = ev.finish();
    if (result.numQueries === 0) fail("no queries with both results and relevance info");
    let text = formatTrecEval(result, { perQuery: args.perQuery, fullPrecision: args.fullPrecision });
    if (!args.summary)
      text = text
        .split("\n")
        .filter((l) => !/^\S+\s*\tall\t/.test(l))
        .join("\n");
    process.stdout.write(text);
  } catch (e) {
    if (e instanceof InputError || e instanceof RangeError || e instanceof RunNotGroupedError)
      fail(e.message);
    throw e;
  }
}

main();
