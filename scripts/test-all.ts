/**
 * `npm test`: the whole test suite, in stages, ending with one summary line.
 *   1. type-check of lib/ (strict) and of tests, scripts and benches; the formatter's check
 *      (Prettier, .prettierrc.json: `npm run format` rewrites what it flags);
 *   2. unit tests of the library (lib/test, node's test runner);
 *   3. integration tests (test/: notebook runners, CLIs, committed notebooks are clean);
 *   4. every notebook on the `smoke` profile: through a real Jupyter client with the tslab kernel
 *      when Python's nbclient is installed (the project's .venv, Debian's python3-nbclient), else
 *      with tslab's in-process executor (Node only); the stage says which engine ran.
 * Options: --skip-notebooks, --only <stage>.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
interface Stage {
  name: string;
  cmd: string[];
  env?: Record<string, string>;
}
interface Count {
  passed: number;
  failed: number;
}

const tsc = ["node", "node_modules/typescript/bin/tsc"];
const stages: Stage[] = [
  { name: "typecheck-lib", cmd: [...tsc, "-p", "lib/tsconfig.json", "--noEmit"] },
  { name: "typecheck-tests", cmd: [...tsc, "-p", "tsconfig.json"] },
  { name: "format", cmd: ["node", "node_modules/prettier/bin/prettier.cjs", "--check", "**/*.{ts,cjs}"] },
  { name: "unit", cmd: ["node", "--import", "tsx", "scripts/test-unit.ts"] },
  { name: "integration", cmd: ["node", "--import", "tsx", "scripts/test-unit.ts", "--dir", "test"] },
  {
    name: "notebooks",
    cmd: [
      "node",
      "--import",
      "tsx",
      "scripts/notebooks.ts",
      "--profile",
      "smoke",
      "--keep-going",
      "--engine",
      process.env.NOTEBOOK_ENGINE ?? "auto",
    ],
  },
];

/** Run one stage, echoing its output, and count passes/failures from node:test or runner lines. */
function runStage(s: Stage): Promise<Count> {
  return new Promise((resolve) => {
    const child = spawn(s.cmd[0] === "node" ? process.execPath : s.cmd[0], s.cmd.slice(1), {
      cwd: ROOT,
      env: { ...process.env, ...s.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    const tee = (buf: Buffer, out: NodeJS.WriteStream) => {
      const t = buf.toString();
      text += t;
      out.write(t);
    };
    child.stdout.on("data", (b) => tee(b, process.stdout));
    child.stderr.on("data", (b) => tee(b, process.stderr));
    child.on("close", (code) => {
      const sum = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
      let passed = sum(/^# pass (\d+)$/gm) + sum(/^notebooks: (\d+) passed/gm);
      let failed = sum(/^# fail (\d+)$/gm) + sum(/^notebooks: \d+ passed, (\d+) failed/gm);
      if (s.name.startsWith("typecheck") || s.name === "format") {
        if (code === 0) passed = 1;
        else failed = 1;
      } else if (code !== 0 && failed === 0) failed = 1;
      resolve({ passed, failed });
    });
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
  const skipNb = args.includes("--skip-notebooks");
  const total: Count = { passed: 0, failed: 0 };
  const table: string[] = [];
  for (const s of stages) {
    if (only && s.name !== only) continue;
    if (skipNb && s.name === "notebooks") continue;
    console.log(`\n=== stage ${s.name}: ${s.cmd.join(" ")}`);
    const t0 = Date.now();
    const c = await runStage(s);
    total.passed += c.passed;
    total.failed += c.failed;
    table.push(
      `${s.name.padEnd(16)} ${String(c.passed).padStart(4)} passed ${String(c.failed).padStart(3)} failed  ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  console.log(`\n${table.join("\n")}`);
  console.log(`${total.passed} passed, ${total.failed} failed`);
  return total.failed > 0 ? 1 : 0;
}

main().then((c) => process.exit(c));
