/**
 * Shared helpers for `npm run bench`: a fixed-width table printer and an atomic JSON writer
 * into results/bench/. Each bench/*.bench.ts is a standalone script run by bench/run.ts.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as os from "node:os";
import { writeJsonAtomic } from "../lib/src/util/fsutil";

/** One row of a benchmark table: column name → value. */
export type BenchRow = Record<string, string | number>;

/** Print rows as an aligned text table with a title. */
export function printTable(title: string, rows: BenchRow[]): void {
  console.log(`\n## ${title}`);
  if (rows.length === 0) return console.log("(no rows)");
  const cols = Object.keys(rows[0]);
  const fmt = (v: string | number) =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v;
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c] ?? "").length)));
  console.log(cols.map((c, i) => c.padEnd(w[i])).join("  "));
  console.log(w.map((n) => "-".repeat(n)).join("  "));
  for (const r of rows) console.log(cols.map((c, i) => fmt(r[c] ?? "").padEnd(w[i])).join("  "));
}

/** Write `results/bench/<name>.json` with the rows plus machine facts and a timestamp. */
export function writeBench(name: string, rows: BenchRow[], notes: Record<string, unknown> = {}): string {
  const file = path.resolve(__dirname, "..", "results", "bench", `${name}.json`);
  writeJsonAtomic(file, {
    name,
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? "",
      node: process.version,
      totalMemGiB: os.totalmem() / 2 ** 30,
    },
    notes,
    rows,
  });
  return file;
}

/** Peak resident set size of this process so far, in MiB (from getrusage). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Run `node --import tsx script ...args` from the repository root and parse the child's line
 * `RESULT <json>`; on failure, a string saying so with the child's last stderr lines.
 */
export function runChild<T>(script: string, args: string[], timeoutMs: number): T | string {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    encoding: "utf8",
    cwd: path.resolve(__dirname, ".."),
    timeout: timeoutMs,
  });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("RESULT "));
  return line
    ? (JSON.parse(line.slice(7)) as T)
    : `failed: ${(r.stderr ?? "").split("\n").slice(-3).join(" ")}`;
}
