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
import { sendToParent, serveParent } from "../util/worker";

type ParentMessage = { type: "init"; profile: ProfileName; root: string; dataSeed: number } | { type: "run"; spec: RunSpec } | { type: "exit" };

let dataFor: ((spec: RunSpec) => Promise<TrainerData>) | null = null;
let root = "";
let profile: ProfileName = "mini";

serveParent<ParentMessage>(async (m) => {
  if (m.type === "init") {
    profile = m.profile;
    root = m.root;
    const b = await selectBackend();
    dataFor = trainerDataCache(profile, PROFILE_TRAIN_CONFIGS[profile], m.dataSeed);
    sendToParent({ type: "ready", backend: b.backend });
  } else if (m.type === "run") {
    const o = await trainRun(m.spec, await dataFor!(m.spec), PROFILE_TRAIN_CONFIGS[profile].train, { root, onProgress: (p) => sendToParent({ type: "progress", p }) });
    sendToParent({ type: "done", o });
  }
});
