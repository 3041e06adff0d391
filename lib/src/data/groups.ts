/**
 * Training groups as in the reranker scaling paper (arXiv 2603.04816, training setup on MS
 * MARCO): for every training query, 1 positive passage and 10 negatives sampled from the query's
 * BM25 top-100 candidates, excluding every judged-relevant passage. The same groups feed all
 * three objectives: the listwise/contrastive objectives read a group as one example, the
 * pointwise objective reads the (query, passage, label) pairs of {@link pointwiseView}, so every
 * objective sees identical query–passage examples.
 */
import { createRng, deriveSeed } from "../util/rng";
import type { Qrels, Run, RunQuery } from "../eval/types";
import { InputError, writeFileAtomic } from "../util/fsutil";
import { fieldString, forEachLine, splitTabs } from "../eval/lines";
import { compareDocnos, rankQuery } from "../eval/ranking";

/** True when the candidates are already in trec_eval's rank order (score desc, docno desc). */
function inRankOrder(q: RunQuery): boolean {
  for (let i = 1; i < q.docnos.length; i++) {
    const a = q.scores[i - 1],
      b = q.scores[i];
    if (a < b || (a === b && compareDocnos(q.docnos[i - 1], q.docnos[i]) < 0)) return false;
  }
  return true;
}

/** Options for {@link buildTrainingGroups} (defaults in brackets). */
export interface GroupOptions {
  /** Negatives per group [10]. */
  negatives?: number;
  /** Candidates considered for negatives: the top `depth` of the run by score [100]. */
  depth?: number;
  /** A judged passage with grade ≥ this is a positive candidate [the highest grade judged for the query]. */
  positiveMinGrade?: number;
  /** Judged passages with grade ≥ this are never negatives [1]. */
  excludeMinGrade?: number;
  /** Seed for the sampling (combined with the qid, so groups do not depend on query order) [0]. */
  seed?: number;
}

/**
 * Groups stored compactly: group g has query index `queryIdx[g]` (into `qids`) and passages
 * `docIdx[g*size .. (g+1)*size)` (indices into the collection), the positive first.
 */
export interface TrainingGroups {
  /** Passages per group: 1 positive + negatives. */
  size: number;
  /** Number of groups. */
  count: number;
  /** Query ids, one per group (groups are in the order of the query list given). */
  qids: string[];
  /** Position of each group's query in the query list passed to the builder. */
  queryIdx: Int32Array;
  /** Collection indices, `count × size`, row-major, column 0 = positive. */
  docIdx: Int32Array;
  /** Queries skipped, with the reason (no positive judged, or no negative among the candidates). */
  skipped: Array<{ qid: string; reason: string }>;
}

/** The pointwise view: one row per (query, passage) with a binary label (1 = the group's positive). */
export interface PointwiseExamples {
  /** Group index of each row. */
  group: Int32Array;
  /** Query index (into the builder's query list) of each row. */
  queryIdx: Int32Array;
  /** Collection index of each row's passage. */
  docIdx: Int32Array;
  /** 1 for the positive, 0 for negatives. */
  label: Uint8Array;
}

/**
 * Sample one group per query: the positive uniformly among the judged passages with grade ≥
 * `positiveMinGrade` (default: the query's highest judged grade, which for MS MARCO is its one
 * positive), and `negatives` passages uniformly without replacement from the run's top `depth`
 * candidates that are not judged with grade ≥ `excludeMinGrade`. When fewer eligible candidates
 * exist than `negatives`, all are taken and the rest drawn again with replacement (the group
 * size stays fixed). Deterministic: each query's stream is `createRng(deriveSeed(seed, qid))`.
 *
 * @param queries training queries in order (only `qid` is read)
 * @param run BM25 candidates per query
 * @param qrels judgments of the training queries
 * @param docIndex docno → collection index
 */
export function buildTrainingGroups(
  queries: ReadonlyArray<{ qid: string }>,
  run: Run,
  qrels: Qrels,
  docIndex: ReadonlyMap<string, number>,
  options: GroupOptions = {},
): TrainingGroups {
  const nNeg = options.negatives ?? 10,
    depth = options.depth ?? 100;
  const excl = options.excludeMinGrade ?? 1,
    seed = options.seed ?? 0;
  const size = 1 + nNeg;
  const qids: string[] = [],
    qIdx: number[] = [],
    rows: number[] = [];
  const skipped: Array<{ qid: string; reason: string }> = [];
  queries.forEach((q, qi) => {
    const judged = qrels.get(q.qid) ?? new Map<string, number>();
    let maxG = 0;
    for (const g of judged.values()) maxG = Math.max(maxG, g);
    const posMin = options.positiveMinGrade ?? Math.max(1, maxG);
    const positives = Array.from(judged)
      .filter(([dn, g]) => g >= posMin && docIndex.has(dn))
      .map(([dn]) => dn)
      .sort();
    if (positives.length === 0) {
      skipped.push({ qid: q.qid, reason: "no judged positive in the collection" });
      return;
    }
    const cand = run.get(q.qid);
    const eligible: string[] = [];
    if (cand) {
      // top `depth` in trec_eval order (score desc, docno desc); runs from bm25Run already are
      const order = inRankOrder(cand) ? null : rankQuery(cand);
      const n = Math.min(depth, cand.docnos.length);
      for (let r = 0; r < n; r++) {
        const i = order ? order[r] : r;
        const dn = cand.docnos[i];
        if ((judged.get(dn) ?? 0) >= excl || !docIndex.has(dn)) continue;
        eligible.push(dn);
      }
    }
    if (eligible.length === 0) {
      skipped.push({ qid: q.qid, reason: "no eligible negative among the candidates" });
      return;
    }
    const rng = createRng(deriveSeed(seed, q.qid));
    rows.push(docIndex.get(positives[rng.int(positives.length)])!);
    const pool = eligible.slice();
    // partial Fisher–Yates: the first min(nNeg, pool) entries are a uniform sample without replacement
    const take = Math.min(nNeg, pool.length);
    for (let i = 0; i < take; i++) {
      const j = i + rng.int(pool.length - i);
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
      rows.push(docIndex.get(pool[i])!);
    }
    for (let i = take; i < nNeg; i++) rows.push(docIndex.get(pool[rng.int(pool.length)])!);
    qids.push(q.qid);
    qIdx.push(qi);
  });
  return {
    size,
    count: qids.length,
    qids,
    queryIdx: Int32Array.from(qIdx),
    docIdx: Int32Array.from(rows),
    skipped,
  };
}

/**
 * The pointwise (pair, label) view of the same groups: row g*size + j is passage j of group g,
 * label 1 for j = 0 (the positive) and 0 otherwise. Shares no memory with the groups.
 */
export function pointwiseView(groups: TrainingGroups): PointwiseExamples {
  const n = groups.count * groups.size;
  const group = new Int32Array(n),
    queryIdx = new Int32Array(n),
    label = new Uint8Array(n);
  for (let g = 0; g < groups.count; g++) {
    for (let j = 0; j < groups.size; j++) {
      const r = g * groups.size + j;
      group[r] = g;
      queryIdx[r] = groups.queryIdx[g];
      label[r] = j === 0 ? 1 : 0;
    }
  }
  return { group, queryIdx, docIdx: groups.docIdx.slice(), label };
}

/**
 * Write groups as TSV, one group per line: `qid<TAB>positive docno<TAB>negative docnos...`
 * (readable by outside tools). Atomic.
 */
export function writeGroupsTsv(file: string, groups: TrainingGroups, docnos: readonly string[]): void {
  const lines: string[] = [];
  for (let g = 0; g < groups.count; g++) {
    const row = [groups.qids[g]];
    for (let j = 0; j < groups.size; j++) row.push(docnos[groups.docIdx[g * groups.size + j]]);
    lines.push(row.join("\t"));
  }
  writeFileAtomic(file, lines.join("\n") + (lines.length ? "\n" : ""));
}

/**
 * Read groups written by {@link writeGroupsTsv}. Every line must have the same number of
 * columns (≥ 3), a qid from `queries` (once), and docnos from `docIndex`; else InputError.
 * `skipped` is empty in the result (the file only holds the groups).
 */
export function readGroupsTsv(
  file: string,
  queries: ReadonlyArray<{ qid: string }>,
  docIndex: ReadonlyMap<string, number>,
): TrainingGroups {
  const qpos = new Map<string, number>();
  queries.forEach((q, i) => qpos.set(q.qid, i));
  const f = new Int32Array(2 * 1024);
  let size = -1;
  const qids: string[] = [],
    qIdx: number[] = [],
    rows: number[] = [];
  const seen = new Set<string>();
  forEachLine(file, (buf, s, e, line) => {
    const n = splitTabs(buf, s, e, f);
    if (n === 0) return;
    if (n < 3 || n > 1024)
      throw new InputError(file, line, `groups: expected qid and at least 2 docnos, found ${n} columns`);
    if (size === -1) size = n - 1;
    else if (n - 1 !== size)
      throw new InputError(file, line, `groups: expected ${size + 1} columns like line 1, found ${n}`);
    const qid = fieldString(buf, f[0], f[1], file, line);
    const qi = qpos.get(qid);
    if (qi === undefined) throw new InputError(file, line, `groups: unknown query ${qid}`);
    if (seen.has(qid)) throw new InputError(file, line, `groups: query ${qid} has a second group`);
    seen.add(qid);
    for (let k = 1; k < n; k++) {
      const dn = fieldString(buf, f[2 * k], f[2 * k + 1], file, line);
      const d = docIndex.get(dn);
      if (d === undefined) throw new InputError(file, line, `groups: unknown docno ${dn}`);
      rows.push(d);
    }
    qids.push(qid);
    qIdx.push(qi);
  });
  return {
    size: Math.max(size, 0),
    count: qids.length,
    qids,
    queryIdx: Int32Array.from(qIdx),
    docIdx: Int32Array.from(rows),
    skipped: [],
  };
}
