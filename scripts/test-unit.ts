/**
 * Runs every test file under lib/test (or the folder given by --dir; files named *.test.ts) with node's built-in test
 * runner, TypeScript loaded through tsx. Extra arguments filter files by substring:
 *   npm run test:unit -- eval laws
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findTests(p));
    else if (e.name.endsWith(".test.ts")) out.push(p);
  }
  return out.sort();
}

const root = path.resolve(__dirname, "..");
const argv = process.argv.slice(2);
const dirArg = argv.indexOf("--dir");
const testDir = dirArg >= 0 ? argv.splice(dirArg, 2)[1] : path.join("lib", "test");
const filters = argv;
const files = findTests(path.join(root, testDir)).filter(
  (f) => filters.length === 0 || filters.some((s) => f.includes(s)),
);
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], {
  cwd: root,
  stdio: "inherit",
});
process.exit(r.status ?? 1);
