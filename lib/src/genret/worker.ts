/**
 * Worker process of the generative-retrieval experiment (forked by run.ts): selects the backend,
 * loads the profile's dataset and builds the experiment data once, then trains the jobs the
 * parent sends one at a time, forwarding log lines and results over IPC. It exits when the parent
 * says so or disappears (a killed parent leaves no orphans).
 */
import type { ProfileName } from "../util/profile";
import { selectBackend } from "../backend/select";
import { prepareDataset } from "../data/dataset";
import { prepareGenretData, type GenretConfig, type GenretData } from "./experiment";
import { genretDataFingerprint, runGenretJob, type GenretJob } from "./run";
import { sendToParent, serveParent } from "../util/worker";

type ParentMessage =
  | { type: "init"; profile: ProfileName; config: GenretConfig; fingerprint: string }
  | { type: "job"; job: GenretJob }
  | { type: "exit" };

let data: GenretData | null = null;
let config: GenretConfig | null = null;

serveParent<ParentMessage>(async (m) => {
  if (m.type === "init") {
    await selectBackend();
    config = m.config;
    data = prepareGenretData(
      await prepareDataset({ profile: m.profile, generator: m.config.collection }),
      config,
    );
    const mine = genretDataFingerprint(data);
    if (mine !== m.fingerprint) {
      throw new Error(
        `the ${m.profile} dataset with the config's collection gives ${mine}, the parent's data ${m.fingerprint}: build the data with prepareDataset({ profile, generator: config.collection })`,
      );
    }
    sendToParent({ type: "ready" });
  } else if (m.type === "job") {
    const result = await runGenretJob(data!, config!, m.job, (message) =>
      sendToParent({ type: "log", message }),
    );
    sendToParent({ type: "done", result });
  }
});
