/**
 * Forked worker processes (train/worker.ts, genret/worker.ts): the worker's message loop, where
 * messages from the parent are handled one at a time, in arrival order; `{type: "exit"}` ends the
 * process; an error is sent to the parent as `{type: "error", message}` and ends the process; a
 * worker whose parent is gone (killed) exits at once, so it never keeps writing files that a
 * restarted parent owns. The parent's side is {@link runWorkerPool}.
 */
import * as path from "node:path";
import { fork } from "node:child_process";

/** The parent's pid when this worker started (a changed `process.ppid` means the parent is gone). */
const parentPid = process.ppid;

/** True while the parent that forked this process is alive and connected. */
export function parentAlive(): boolean {
  return process.connected === true && process.ppid === parentPid;
}

/** Send a message to the parent, or exit when the parent is gone. */
export function sendToParent(m: unknown): void {
  if (!parentAlive()) process.exit(1);
  process.send?.(m);
}

/**
 * Serve the parent's messages with `handle` (see the module comment). The worker exits when the
 * IPC channel closes or its parent pid changes (checked every 500 ms); long jobs must yield to
 * the event loop now and then (the trainer does after every step and scoring batch) for either
 * to be noticed.
 */
export function serveParent<M extends { type: string }>(handle: (m: M) => Promise<void>): void {
  let chain: Promise<void> = Promise.resolve();
  process.on("disconnect", () => process.exit(1));
  setInterval(() => {
    if (!parentAlive()) process.exit(1);
  }, 500).unref();
  process.on("message", (m: M) => {
    chain = chain
      .then(async () => {
        if (m.type === "exit") {
          process.disconnect?.();
          process.exit(0);
        }
        await handle(m);
      })
      .catch((e: Error) => {
        sendToParent({ type: "error", message: e.stack ?? e.message });
        setTimeout(() => process.exit(1), 100);
      });
  });
}

/**
 * Where a worker module lives: `<name>.js` beside the calling module when it runs compiled
 * (dist/), or `<name>.ts` run through tsx when the caller is TypeScript source (tests, scripts).
 */
export function workerEntry(callerFile: string, name: string): { file: string; execArgv: string[] } {
  const dir = path.dirname(callerFile);
  if (callerFile.endsWith(".ts"))
    return { file: path.join(dir, `${name}.ts`), execArgv: ["--import", "tsx"] };
  return { file: path.join(dir, `${name}.js`), execArgv: [] };
}

/** A message from a pooled worker: `ready` after init, `done` after each job, `error`, or the caller's own. */
export type PoolMessage = { type: string };

/** Settings of {@link runWorkerPool}. */
export interface WorkerPoolOptions<J, M extends PoolMessage> {
  /** The worker module (see {@link workerEntry}). */
  entry: { file: string; execArgv: string[] };
  /** Processes to fork. */
  workers: number;
  /** Jobs, handed out in this order, one at a time per worker. */
  jobs: readonly J[];
  /** The first message every worker gets. */
  init: unknown;
  /** The message that hands a worker one job. */
  jobMessage: (job: J) => unknown;
  /** A worker finished `job`; `m` is its `done` message. */
  onDone: (job: J, m: Extract<M, { type: "done" }>) => void;
  /** Any other message (`ready` included) from worker `w`. */
  onMessage?: (w: number, m: M) => void;
  /** Names the workers in errors ("worker 1: …"). */
  label: string;
}

/**
 * Fork `workers` processes running a {@link serveParent} loop and hand them the jobs: each worker
 * gets `init`, then a job after its `ready` and after each `done`, then `{type: "exit"}` when the
 * queue is empty. Resolves when every worker has exited cleanly; rejects on a worker's `error`
 * message or non-zero exit.
 */
export async function runWorkerPool<J, M extends PoolMessage>(o: WorkerPoolOptions<J, M>): Promise<void> {
  const queue = o.jobs.slice();
  await Promise.all(
    Array.from(
      { length: o.workers },
      (_, w) =>
        new Promise<void>((resolve, reject) => {
          const child = fork(o.entry.file, [], {
            execArgv: o.entry.execArgv,
            stdio: ["ignore", "inherit", "inherit", "ipc"],
          });
          let current: J | undefined;
          const sendNext = () => {
            current = queue.shift();
            child.send(current !== undefined ? (o.jobMessage(current) as object) : { type: "exit" });
          };
          child.on("message", (m: M) => {
            if (m.type === "error")
              return reject(new Error(`${o.label} ${w}: ${(m as unknown as { message: string }).message}`));
            if (m.type === "done") o.onDone(current!, m as Extract<M, { type: "done" }>);
            else o.onMessage?.(w, m);
            if (m.type === "ready" || m.type === "done") sendNext();
          });
          child.on("exit", (code) =>
            code === 0 ? resolve() : reject(new Error(`${o.label} ${w} exited with code ${code}`)),
          );
          child.send(o.init as object);
        }),
    ),
  );
}
