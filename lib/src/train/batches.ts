/**
 * Tokenised training and evaluation data as the trainer consumes it, and the resumable batch
 * cursor.
 *
 * Training examples are the groups of the data module (1 positive + 10 negatives per training
 * query, positive first): group objectives draw whole groups, the pointwise objective draws rows
 * of the same groups (the pointwise view), so every objective sees identical query–passage
 * examples. Each epoch visits the units (groups or rows) in a fresh random order; the order is
 * drawn from the cursor's generator at the start of the epoch, so a cursor (epoch, position,
 * generator state at the epoch start) restores the exact stream.
 */
import { createRng, deriveSeed, type RngState } from "../util/rng";
import type { Qrels, Run } from "../eval/types";
import type { Batch } from "./step";

/**
 * Which Hugging Face tokenizer produced a {@link TrainerData}'s ids: the folder it was read from
 * and the SHA-256 of its `tokenizer.json` (then `tokenizer_config.json`, when present).
 */
export interface TokenizerIdentity {
  folder: string;
  sha256: string;
}

/** Everything the trainer reads, already tokenised and padded to `seqLen`. */
export interface TrainerData {
  /** Data label for records (e.g. "synthetic-mini"). */
  name: string;
  /**
   * Set when the ids come from a checkpoint's `tokenizer.json` (pretrained tiers); absent for the
   * dataset's own word-level vocabulary (from-scratch tiers).
   */
  tokenizer?: TokenizerIdentity;
  vocabSize: number;
  padId: number;
  /** Id of [SEP] (enables segment embeddings when the config asks for them). */
  sepId: number;
  seqLen: number;
  /** Rows per group (1 + negatives). */
  groupSize: number;
  numGroups: number;
  /** `numGroups × groupSize` rows of `seqLen` ids, row-major, group g's rows contiguous, positive first. */
  trainIds: Int32Array;
  /** Per training row, where segment 1 (the document) starts: the pair template's boundary (`pairSegmentStart`). */
  trainSegStart: Int32Array;
  /** Label of each training row (1 positive, 0 negative). */
  trainLabels: Float32Array;
  /** Evaluation set name for records ("dev"). */
  evalSet: string;
  evalQrels: Qrels;
  /** First-stage candidates of the evaluation queries (BM25 top-100). */
  evalFirstStage: Run;
  /** Encoded candidate rows of every evaluation query, in `evalFirstStage` docno order. */
  evalIds: Int32Array;
  /** Per evaluation row, where segment 1 starts (see `trainSegStart`). */
  evalSegStart: Int32Array;
  /** Per evaluation query: qid and its rows [start, start + count) in `evalIds`. */
  evalQueries: Array<{ qid: string; start: number; count: number }>;
}

/** Resumable position in the training stream. */
export interface CursorState {
  epoch: number;
  /** Units consumed in the current epoch. */
  pos: number;
  /** Generator state at the start of the current epoch (before its order was drawn). */
  epochRng: RngState;
}

/** Draws batches of whole groups or of single rows in a seeded, resumable order. */
export class BatchCursor {
  private order: Int32Array;
  private state: CursorState;

  /**
   * @param data       training data
   * @param unit       "group" (pairwise/listwise) or "row" (pointwise)
   * @param perBatch   groups or rows per batch
   * @param seed       run seed (the order stream is `deriveSeed(seed, "order")`)
   * @param resume     a saved {@link CursorState} to continue from
   */
  constructor(
    private readonly data: TrainerData,
    private readonly unit: "group" | "row",
    private readonly perBatch: number,
    seed: number,
    resume?: CursorState,
  ) {
    const rng = createRng(deriveSeed(seed, "order"));
    this.state = resume ? { ...resume } : { epoch: 0, pos: 0, epochRng: rng.getState() };
    this.order = this.drawOrder();
  }

  private get units(): number {
    return this.unit === "group" ? this.data.numGroups : this.data.numGroups * this.data.groupSize;
  }

  private drawOrder(): Int32Array {
    const rng = createRng(0);
    rng.setState(this.state.epochRng);
    const idx = Array.from({ length: this.units }, (_, i) => i);
    rng.shuffle(idx);
    this.nextEpochRng = rng.getState();
    return Int32Array.from(idx);
  }
  private nextEpochRng: RngState = [0, 0, 0, 1];

  /** The state to save in a checkpoint. */
  getState(): CursorState {
    return { ...this.state, epochRng: [...this.state.epochRng] as RngState };
  }

  /** Epochs completed as a fraction (examples seen / examples per epoch). */
  get epochsSeen(): number {
    return this.state.epoch + this.state.pos / this.units;
  }

  /** The next batch (wrapping into a new epoch with a new order when one runs out). */
  next(): Batch {
    const { seqLen, groupSize } = this.data;
    const rowsPerUnit = this.unit === "group" ? groupSize : 1;
    const n = this.perBatch * rowsPerUnit;
    const ids = new Int32Array(n * seqLen);
    const segStart = new Int32Array(n);
    const labels = new Float32Array(n);
    for (let b = 0; b < this.perBatch; b++) {
      if (this.state.pos >= this.units) {
        this.state = { epoch: this.state.epoch + 1, pos: 0, epochRng: this.nextEpochRng };
        this.order = this.drawOrder();
      }
      const u = this.order[this.state.pos++];
      const firstRow = u * rowsPerUnit;
      ids.set(
        this.data.trainIds.subarray(firstRow * seqLen, (firstRow + rowsPerUnit) * seqLen),
        b * rowsPerUnit * seqLen,
      );
      labels.set(this.data.trainLabels.subarray(firstRow, firstRow + rowsPerUnit), b * rowsPerUnit);
      segStart.set(this.data.trainSegStart.subarray(firstRow, firstRow + rowsPerUnit), b * rowsPerUnit);
    }
    return { ids, labels, n, seqLen, segStart };
  }
}
