/**
 * Worker process of the grid runner (forked by grid.ts): selects the backend, then trains the runs
 * the parent sends, loading each kind of trainer data once on first use (the profile's word-level
 * data, or one per checkpoint tokenizer for pretrained runs), reporting progress and outcomes over
 * IPC. It exits when the parent says so or disappears (a killed parent leaves no orphans).
 */
import type { ProfileName } from "../util/profile";
import { selectBackend } from "../backend/select";
import { PROFILE_TRAIN_CONFIGS } from "./profiles";
import { trainOrReport, trainerDataCache } from "./grid";
import { trainRun, type RunProgress, type RunSpec, type TrainConfig } from "./trainer";
import type { TrainerData } from "./batches";
import { sendToParent, serveParent } from "../util/worker";

type ParentMessage =
  | { type: "init"; profile: ProfileName; root: string; dataSeed: number; train: TrainConfig }
  | { type: "run"; spec: RunSpec }
  | { type: "exit" };

let dataFor: ((spec: RunSpec) => Promise<TrainerData>) | null = null;
let root = "";
let profile: ProfileName = "mini";
let train: TrainConfig | null = null;

serveParent<ParentMessage>(async (m) => {
  if (m.type === "init") {
    profile = m.profile;
    root = m.root;
    train = m.train;
    const b = await selectBackend();
    dataFor = trainerDataCache(profile, PROFILE_TRAIN_CONFIGS[profile], m.dataSeed);
    sendToParent({ type: "ready", backend: b.backend });
  } else if (m.type === "run") {
    const onProgress = (p: RunProgress) => sendToParent({ type: "progress", p });
    const o = await trainOrReport(
      m.spec,
      async () => trainRun(m.spec, await dataFor!(m.spec), train!, { root, onProgress }),
      onProgress,
    );
    sendToParent({ type: "done", o });
  }
});
