/**
 * Worker process of the grid runner (forked by grid.ts): selects the backend, then trains the runs
 * the parent sends, loading each kind of trainer data once on first use (the profile's word-level
 * data, or one per checkpoint tokenizer for pretrained runs), reporting progress and outcomes over
 * IPC. It exits when the parent says so or disappears (a killed parent leaves no orphans).
 */
import type { ProfileName } from "../util/profile";
import { selectBackend } from "../backend/select";
import { PROFILE_TRAIN_CONFIGS } from "./profiles";
import { trainerDataCache } from "./grid";
import { trainRun, type RunSpec } from "./trainer";
import type { TrainerData } from "./batches";

type ParentMessage = { type: "init"; profile: ProfileName; root: string; dataSeed: number } | { type: "run"; spec: RunSpec } | { type: "exit" };

// A worker whose parent is gone (killed) must stop at once, or it would keep writing run folders
// that a restarted grid owns: check the IPC channel on every message it sends.
const send = (m: unknown) => {
  if (!process.connected) process.exit(1);
  process.send?.(m);
};
let dataFor: ((spec: RunSpec) => Promise<TrainerData>) | null = null;
let root = "";
let profile: ProfileName = "mini";
let chain: Promise<void> = Promise.resolve();

process.on("disconnect", () => process.exit(1));
process.on("message", (m: ParentMessage) => {
  chain = chain
    .then(async () => {
      if (m.type === "init") {
        profile = m.profile;
        root = m.root;
        const b = await selectBackend();
        dataFor = trainerDataCache(profile, PROFILE_TRAIN_CONFIGS[profile], m.dataSeed);
        send({ type: "ready", backend: b.backend });
      } else if (m.type === "run") {
        const o = await trainRun(m.spec, await dataFor!(m.spec), PROFILE_TRAIN_CONFIGS[profile].train, { root, onProgress: (p) => send({ type: "progress", p }) });
        send({ type: "outcome", o });
      } else if (m.type === "exit") {
        process.disconnect?.();
        process.exit(0);
      }
    })
    .catch((e: Error) => {
      send({ type: "error", message: e.stack ?? e.message });
      setTimeout(() => process.exit(1), 100);
    });
});
