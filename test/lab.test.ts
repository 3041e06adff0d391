/**
 * `npm run lab` against a real JupyterLab (the project's .venv, $JUPYTER or PATH): extra arguments
 * reach Jupyter, and Ctrl-C — SIGINT to the whole foreground process group, as a terminal sends
 * it — shuts JupyterLab and its kernels down before `npm run lab` exits, leaving the port free.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import { ROOT, findJupyter } from "../scripts/nbrun";

const jupyter = findJupyter("lab");
const TOKEN = "scalerank-lab-test";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};
/** Every descendant pid of a process (from /proc). */
function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const k of kids.get(p) ?? []) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}

async function until(what: string, ok: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

test(
  "npm run lab: arguments pass through; Ctrl-C stops JupyterLab and its kernels before it exits",
  { skip: !jupyter && "JupyterLab not installed (.ci/run puts it in .venv)", timeout: 180_000 },
  async () => {
    const port = await freePort();
    const api = (p: string, init?: RequestInit) =>
      fetch(`http://127.0.0.1:${port}${p}`, { ...init, headers: { Authorization: `token ${TOKEN}` } });
    const npm = spawn(
      "npm",
      [
        "run",
        "lab",
        "--",
        "--no-browser",
        "--allow-root",
        `--port=${port}`,
        "--ServerApp.port_retries=0",
        `--IdentityProvider.token=${TOKEN}`,
      ],
      {
        cwd: ROOT,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, SCALERANK_PROFILE: "smoke" },
      },
    );
    let log = "";
    npm.stdout.on("data", (d) => (log += d));
    npm.stderr.on("data", (d) => (log += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      npm.on("close", (code, signal) => r({ code, signal })),
    );
    await until(
      "JupyterLab to answer",
      async () => {
        try {
          return (await api("/api/status")).ok;
        } catch {
          return false;
        }
      },
      90_000,
    );
    // a running tslab kernel, so that shutting down must also stop kernels
    const k = await api("/api/kernels", { method: "POST", body: JSON.stringify({ name: "tslab" }) });
    assert.equal(k.status, 201, await k.text());
    await until("the kernel process", () => descendants(npm.pid!).length >= 5, 30_000);
    const tree = descendants(npm.pid!);
    assert.match(log, new RegExp(`starting jupyter lab in notebooks with the tslab kernel`));
    process.kill(-npm.pid!, "SIGINT"); // what a terminal's Ctrl-C does: the foreground process group
    const { code, signal } = await exited;
    const left = tree.filter(alive);
    assert.deepEqual(left, [], `still running after npm run lab exited: ${left.join(", ")}\n${log}`);
    assert.match(
      log,
      /stopping jupyter lab \(pid \d+\) and its kernels…[^]*Kernel shutdown: [^]*jupyter lab has shut down/,
    );
    // npm ends the way a shell expects after Ctrl-C: by the signal, once its script has exited
    assert.ok(code === 0 || signal === "SIGINT", `code ${code}, signal ${signal}`);
    // the port is free again: the next npm run lab gets it
    await new Promise<void>((resolve, reject) => {
      const s = net
        .createServer()
        .once("error", reject)
        .listen(port, "127.0.0.1", () => s.close(() => resolve()));
    });
  },
);
