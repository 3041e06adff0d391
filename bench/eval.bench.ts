/**
 * Evaluation benchmark: a generated TREC run of 7,000 queries × 1,000 documents (≈7M lines,
 * TREC DL-like graded qrels with 40 judgments per query) evaluated on 6 measures
 * (ndcg_cut.10, ndcg, map, recip_rank, P.10, recall.100).
 *
 * Each variant runs in its own child process so its peak RSS is its own:
 * - `stream`: the CLI path (readTrecQrels + scanRun streaming into an Evaluator);
 * - `memory`: readTrecQrels + readTrecRun (whole Run in memory) + evaluate;
 * - `trec_eval`: the reference binary, when `TREC_EVAL_BIN` names one (timed with
 *   /usr/bin/time for its peak RSS). Its summary values are compared with ours.
 *
 * Input files are generated once (seeded) under data/generated/eval-bench/.
 * Env: EVAL_BENCH_QUERIES / EVAL_BENCH_DOCS shrink the run for a quick try.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRng, deriveSeed } from "../lib/src/util/rng";
import { Evaluator, evaluate, readTrecQrels, readTrecRun, scanRun } from "../lib/src/eval";
import { peakRssMiB, printTable, writeBench, type BenchRow } from "./common";

const QUERIES = Number(process.env.EVAL_BENCH_QUERIES ?? 7000); // queries in the run
const DOCS = Number(process.env.EVAL_BENCH_DOCS ?? 1000); // documents per query
const JUDGED = 40; // judgments per query (30 of them on retrieved docs)
const SEED = 2026;
const MEASURES = ["ndcg_cut.10", "ndcg", "map", "recip_rank", "P.10", "recall.100"];
const dir = path.resolve(__dirname, "..", "data", "generated", "eval-bench");
const qrelsFile = path.join(dir, `qrels-${QUERIES}x${DOCS}.txt`);
const runFile = path.join(dir, `run-${QUERIES}x${DOCS}.txt`);

/** Write lines produced by `fill` to `file` through a temp file + rename (never half-written). */
function writeStreamed(file: string, fill: (emit: (s: string) => void) => void): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  let buf: string[] = [];
  let len = 0;
  const flush = () => {
    fs.writeSync(fd, buf.join(""));
    buf = [];
    len = 0;
  };
  fill((s) => {
    buf.push(s);
    len += s.length;
    if (len > 1 << 20) flush();
  });
  flush();
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** Generate the run and qrels (seeded): scores ~ N(0,1)·3 printed with 6 decimals, grades 0–3. */
function generate(): void {
  if (fs.existsSync(qrelsFile) && fs.existsSync(runFile)) return;
  const rng = createRng(deriveSeed(SEED, "eval-bench"));
  const judged: string[][] = [];
  writeStreamed(runFile, (emit) => {
    for (let q = 0; q < QUERIES; q++) {
      const qid = String(100000 + q);
      const docs: number[] = [];
      const seen = new Set<number>();
      while (docs.length < DOCS) {
        const d = rng.int(8_000_000);
        if (!seen.has(d)) {
          seen.add(d);
          docs.push(d);
        }
      }
      const j: string[] = [];
      for (let i = 0; i < JUDGED; i++) j.push(i < 30 ? `D${docs[rng.int(DOCS)]}` : `D${rng.int(8_000_000)}`);
      judged.push(j);
      const lines: string[] = [];
      for (let i = 0; i < DOCS; i++)
        lines.push(`${qid} Q0 D${docs[i]} ${i + 1} ${(rng.normal() * 3).toFixed(6)} bench\n`);
      emit(lines.join(""));
    }
  });
  writeStreamed(qrelsFile, (emit) => {
    for (let q = 0; q < QUERIES; q++) {
      const qid = String(100000 + q);
      for (const d of new Set(judged[q])) {
        const u = rng.next();
        emit(`${qid} 0 ${d} ${u < 0.5 ? 0 : u < 0.75 ? 1 : u < 0.9 ? 2 : 3}\n`);
      }
    }
  });
}

/** Child: run one variant and print a JSON line with seconds, peak RSS and the means. */
function child(mode: string): void {
  const t0 = process.hrtime.bigint();
  const qrels = readTrecQrels(qrelsFile);
  let means: Record<string, number>;
  if (mode === "stream") {
    const ev = new Evaluator(qrels, MEASURES);
    scanRun(runFile, "trec", (qid, q) => ev.add(qid, q), true);
    means = ev.finish().means;
  } else {
    const run = readTrecRun(runFile);
    means = evaluate(qrels, run, MEASURES).means;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ seconds, peakMiB: peakRssMiB(), means }));
}

function runChild(mode: string): { seconds: number; peakMiB: number; means: Record<string, number> } {
  const r = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", mode], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

function runTrecEval(bin: string): { seconds: number; peakMiB: number; means: Record<string, number> } {
  const args = [...MEASURES.flatMap((m) => ["-m", m]), qrelsFile, runFile];
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "PEAK_KB %M", bin, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`trec_eval failed: ${r.stderr}`);
  const peak = /PEAK_KB (\d+)/.exec(r.stderr);
  const means: Record<string, number> = {};
  for (const line of r.stdout.trim().split("\n")) {
    const [m, , v] = line.split("\t");
    means[m.trim()] = Number(v);
  }
  return { seconds, peakMiB: peak ? Number(peak[1]) / 1024 : NaN, means };
}

function main(): void {
  const i = process.argv.indexOf("--child");
  if (i >= 0) return child(process.argv[i + 1]);
  const tg = process.hrtime.bigint();
  generate();
  const genSeconds = Number(process.hrtime.bigint() - tg) / 1e9;
  const sizeMiB = fs.statSync(runFile).size / 2 ** 20;
  const rows: BenchRow[] = [];
  const results: Record<string, Record<string, number>> = {};
  for (const mode of ["stream", "memory"]) {
    const r = runChild(mode);
    results[mode] = r.means;
    rows.push({
      variant: `scalerank ${mode}`,
      seconds: r.seconds,
      peakMiB: Math.round(r.peakMiB),
      ndcg_cut_10: r.means["ndcg_cut_10"],
    });
  }
  const bin = process.env.TREC_EVAL_BIN;
  let maxDiff: number | string = "n/a";
  if (bin) {
    const r = runTrecEval(bin);
    rows.push({
      variant: "trec_eval",
      seconds: r.seconds,
      peakMiB: Math.round(r.peakMiB),
      ndcg_cut_10: r.means["ndcg_cut_10"],
    });
    // trec_eval prints 4 decimals unless built for full precision; compare to what it printed.
    maxDiff = 0;
    for (const [m, v] of Object.entries(r.means))
      maxDiff = Math.max(maxDiff, Math.abs(v - results.stream[m]));
  }
  printTable(
    `eval: ${QUERIES} queries × ${DOCS} docs (${sizeMiB.toFixed(0)} MiB run), measures ${MEASURES.join(" ")}`,
    rows,
  );
  console.log(
    `(input generation ${genSeconds.toFixed(1)} s, skipped when cached; max |ours − trec_eval| on summary = ${maxDiff})`,
  );
  const file = writeBench("eval", rows, {
    queries: QUERIES,
    docs: DOCS,
    judgedPerQuery: JUDGED,
    measures: MEASURES,
    runMiB: sizeMiB,
    trecEvalBin: bin ?? null,
    maxDiffVsTrecEval: maxDiff,
  });
  console.log(`wrote ${file}`);
}

main();
