/**
 * Training configuration per run profile (typed data with commented defaults, nanoGPT style).
 *
 * - `smoke`: seconds; two tiny tiers, a dozen steps, state saved every few steps (the SIGKILL
 *   resume test runs it).
 * - `mini`: the CPU study, shaped like the paper's grid: the one-layer tiers t0–t5 (width 6 to 64,
 *   529 – 50,177 non-embedding parameters, 1.98 decades), 50 linearly spaced checkpoints, a final
 *   evaluation on every dev query; 2 worker processes on a 2-core machine.
 * Every profile uses the trainer's model defaults: segment and exact-match embeddings, mimetic
 * attention initialisation and mean pooling (see ModelConfig; measured on the embedded collection:
 * without the exact-match embedding no tier left the constant-score plateau within 150 steps,
 * with it the pairwise loss fell from 0.693 to 0.60 in 75 steps).
 * - `paper`: the GPU run; tiers t4–t10, the paper's batch sizes (128 pairs or 16 groups of 11)
 *   and checkpoints every 100 steps up to 5,000 (rahulseetharaman/cross-encoder-scaling: checkpoints every 100 steps).
 */
import type { ProfileName } from "../util/profile";
import { DEFAULT_ADAMW } from "./optimizer";
import type { TrainConfig } from "./trainer";
import type { Objective } from "../records/types";

/** Everything a profile fixes: which runs, the data shape and the training hyperparameters. */
export interface ProfileTrainConfig {
  /** Tiers of the grid (names from TIERS). */
  tiers: string[];
  objectives: Objective[];
  /** Seeds (one run per seed). */
  seeds: number[];
  /** Sequence length T of `[CLS] q [SEP] d [SEP]` (truncate document first, pad). */
  seqLen: number;
  /** Evaluation queries (first N of the dev split) whose BM25 top-100 are reranked at checkpoints. */
  evalQueries: number;
  /** Worker processes for the grid (1 = in-process). */
  jobs: number;
  /**
   * Kernels of the wasm backend for the grid's runs (backend/native.ts): `native`, `wasm` or `auto`
   * (native when built). `SCALERANK_KERNELS` and `--kernels` override it. Not part of a run's
   * identity: the kernels change the last bits, not the run.
   */
  kernels?: "native" | "wasm" | "auto";
  train: TrainConfig;
}

/** The configuration of each profile. */
export const PROFILE_TRAIN_CONFIGS: Record<ProfileName, ProfileTrainConfig> = {
  smoke: {
    tiers: ["t0", "t1"],
    objectives: ["pointwise", "pairwise", "listwise"],
    seeds: [1],
    seqLen: 32,
    evalQueries: 8,
    jobs: 1,
    train: {
      steps: 12, // optimizer steps per run
      groupsPerStep: 2, // pairwise/listwise: query groups of 1 + 10
      pairsPerStep: 16, // pointwise: pairs
      checkpoints: 3,
      checkpointSpacing: "log",
      firstCheckpoint: 3,
      checkpointEvalQueries: 6, // of 8: the subset and the final evaluation are exercised too
      finalEval: true,
      schedule: { kind: "inverse-sqrt", peakLr: 1e-3, warmupSteps: 3 },
      adamw: DEFAULT_ADAMW,
      saveEverySteps: 2, // also save between checkpoints (exercised by the kill test)
      logEvery: 2,
    },
  },
  mini: {
    tiers: ["t0", "t1", "t2", "t3", "t4", "t5"],
    objectives: ["pointwise", "pairwise", "listwise"],
    seeds: [1],
    // query + passage (length: median 54, max 69; 3.7 % truncated). At 48 (72 % truncated) widths
    // 32 and 64 tied (listwise 0.716, 0.715 at 400 steps); at 64 tokens they ended 0.713 and 0.723
    seqLen: 64,
    // every dev query: the final evaluation (finalEval). On the first 300 the final models of width 16 and 32
    // listwise differed by 0.011 NDCG@10 (paired t 1.6); on all 900 by 0.021 (t 5.3)
    evalQueries: 900,
    jobs: 2,
    train: {
      // 4,800 of the 5,000 training groups (8 per step): less than one pass, as in the paper. At 400 and
      // 500 steps the slowest pointwise runs (widths 8, 12) still moved by sd 0.011 over their last 10
      // checkpoints on 60 queries
      steps: 600,
      groupsPerStep: 8, // 88 pairs per step
      // pointwise: 88 pairs, the same examples per step as the group objectives. At 64 (the paper's
      // ratio 128 : 176) pointwise width 64 ended 0.004 behind width 32 (0.676, 0.680)
      pairsPerStep: 88,
      // the paper's layout: a checkpoint every 12 steps (the paper: every 100 of ~5,000), so the model
      // law's last 10 are the final 20 % of training and the data law's held-out last 5 the final 10 %
      checkpoints: 50,
      checkpointSpacing: "linear",
      firstCheckpoint: 12,
      // scoring is most of a run's time: 80 dev queries at each checkpoint (the laws compare
      // checkpoints on the same queries; at 100 the largest sd over the last 10 was 0.0055), all 900
      // for the final model (the paired size tests)
      checkpointEvalQueries: 80,
      finalEval: true,
      // warmup then linear decay to 0 (sentence-transformers' default for cross-encoders): the last
      // checkpoints of every run settle, as the paper's do (its last 10 vary by sd 0.002–0.006)
      schedule: { kind: "linear", peakLr: 1e-3, warmupSteps: 60 },
      // one peak rate for every width; width 64 listwise at 5e-4, 7e-4, 1e-3, 1.5e-3 ended 0.699, 0.708, 0.715, 0.710
      peakLrByTier: {},
      adamw: { ...DEFAULT_ADAMW, beta2: 0.98 }, // β₂ 0.98 (RoBERTa) recovers faster from gradient spikes
      saveEverySteps: 100,
      logEvery: 10,
    },
  },
  paper: {
    tiers: ["t4", "t5", "t6", "t7", "t8", "t9", "t10"],
    objectives: ["pointwise", "pairwise", "listwise"],
    seeds: [1],
    seqLen: 128,
    evalQueries: 2000,
    jobs: 1,
    train: {
      steps: 5000,
      groupsPerStep: 16, // the paper: 16 queries × 11 passages
      pairsPerStep: 128, // the paper: 128 pairs
      checkpoints: 50, // every 100 steps, as the authors' records
      checkpointSpacing: "linear",
      firstCheckpoint: 100,
      schedule: { kind: "inverse-sqrt", peakLr: 5e-4, warmupSteps: 500 },
      peakLrByTier: { t8: 3e-4, t9: 2e-4, t10: 1e-4 },
      adamw: DEFAULT_ADAMW,
      saveEverySteps: 500,
      logEvery: 50,
    },
  },
};
