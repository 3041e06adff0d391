/**
 * `npm run bench [-- names...]`: runs every bench/*.bench.ts (or those whose name contains one
 * of the arguments) one after another, each in its own process so peak-memory figures are per
 * benchmark. Each prints its table and writes results/bench/<name>.json.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const dir = __dirname;
const filters = process.argv.slice(2);
const benches = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(dir, b)], {
    stdio: "inherit",
    cwd: path.resolve(dir, ".."),
  });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${b} failed with exit ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
