/**
 * The message loop shared by the forked worker processes (train/worker.ts, genret/worker.ts):
 * messages from the parent are handled one at a time, in arrival order; `{type: "exit"}` ends the
 * process; an error is sent to the parent as `{type: "error", message}` and ends the process; a
 * worker whose parent is gone (killed) exits at once, so it never keeps writing files that a
 * restarted parent owns.
 */

/** Send a message to the parent, or exit when the IPC channel is gone. */
export function sendToParent(m: unknown): void {
  if (!process.connected) process.exit(1);
  process.send?.(m);
}

/** Serve the parent's messages with `handle` (see the module comment). */
export function serveParent<M extends { type: string }>(handle: (m: M) => Promise<void>): void {
  let chain: Promise<void> = Promise.resolve();
  process.on("disconnect", () => process.exit(1));
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
