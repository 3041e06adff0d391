/**
 * trec_eval's ranking rule and in-memory builders for runs and qrels.
 */
import type { Qrels, Run, RunQuery } from "./types";

/**
 * Compare two docnos (or query ids) in **byte order of their UTF-8 encoding**, like C's `strcmp`
 * on the bytes trec_eval reads: negative if `a` sorts first, 0 if equal, positive otherwise.
 * UTF-16 code-unit order equals UTF-8 byte order except between surrogate pairs and
 * U+E000–U+FFFF, which are remapped here. So `"9" > "10"` (byte 0x39 > 0x31): numeric-looking
 * docnos compare as text, never as numbers.
 */
export function compareDocnos(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * The ranking of one query as indices into `q.docnos`: score descending, ties broken by docno
 * in **descending** byte order (trec_eval `form_res_rels.c`: `qsort` with `sim` descending, then
 * `strcmp(docno2, docno1)`). Any rank column of the source file plays no part.
 * Throws on NaN scores (trec_eval's ordering is undefined for them).
 */
export function rankQuery(q: RunQuery): Uint32Array {
  const n = q.docnos.length;
  const s = q.scores;
  const d = q.docnos;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (s[i] !== s[i]) throw new RangeError(`NaN score for docno ${d[i]}`);
    idx[i] = i;
  }
  idx.sort((i, j) => (s[i] > s[j] ? -1 : s[i] < s[j] ? 1 : compareDocnos(d[j], d[i])));
  return idx;
}

/** Query ids of a map in trec_eval's order (byte order, like its `qsort` by `strcmp`). */
export function sortedQids(m: Map<string, unknown>): string[] {
  return [...m.keys()].sort(compareDocnos);
}

/**
 * Build one query's candidates from parallel arrays (copies them). Throws on a length mismatch,
 * a duplicate docno or a NaN score.
 */
export function runQueryFromArrays(docnos: readonly string[], scores: ArrayLike<number>): RunQuery {
  if (docnos.length !== scores.length) {
    throw new RangeError(`runQueryFromArrays: ${docnos.length} docnos but ${scores.length} scores`);
  }
  const seen = new Set<string>();
  const out = new Float64Array(scores.length);
  for (let i = 0; i < docnos.length; i++) {
    if (seen.has(docnos[i])) throw new RangeError(`runQueryFromArrays: duplicate docno ${docnos[i]}`);
    seen.add(docnos[i]);
    const v = scores[i];
    if (v !== v) throw new RangeError(`runQueryFromArrays: NaN score for docno ${docnos[i]}`);
    out[i] = v;
  }
  return { docnos: docnos.slice(), scores: out };
}

/**
 * Build a Run from flat parallel arrays, one entry per (query, document) pair, in any order.
 * Duplicate (qid, docno) pairs and NaN scores throw.
 *
 * @example runFromArrays(["q1","q1","q2"], ["d1","d2","d9"], [2.5, 1.0, 0.3])
 */
export function runFromArrays(
  qids: readonly string[],
  docnos: readonly string[],
  scores: ArrayLike<number>,
): Run {
  if (qids.length !== docnos.length || qids.length !== scores.length) {
    throw new RangeError(
      `runFromArrays: lengths differ (${qids.length}, ${docnos.length}, ${scores.length})`,
    );
  }
  const groups = new Map<string, { d: string[]; s: number[] }>();
  for (let i = 0; i < qids.length; i++) {
    let g = groups.get(qids[i]);
    if (!g) groups.set(qids[i], (g = { d: [], s: [] }));
    g.d.push(docnos[i]);
    g.s.push(scores[i]);
  }
  const run: Run = new Map();
  for (const [qid, g] of groups) run.set(qid, runQueryFromArrays(g.d, g.s));
  return run;
}

/**
 * Build a Run from an object `{ qid: { docno: score } }` (handy in notebooks and tests).
 */
export function runFromObject(obj: Record<string, Record<string, number>>): Run {
  const run: Run = new Map();
  for (const qid of Object.keys(obj)) {
    const docs = obj[qid];
    const d = Object.keys(docs);
    run.set(
      qid,
      runQueryFromArrays(
        d,
        d.map((k) => docs[k]),
      ),
    );
  }
  return run;
}

/**
 * Build Qrels from an object `{ qid: { docno: grade } }`. Grades must be integers.
 */
export function qrelsFromObject(obj: Record<string, Record<string, number>>): Qrels {
  const q: Qrels = new Map();
  for (const qid of Object.keys(obj)) {
    const m = new Map<string, number>();
    for (const [docno, g] of Object.entries(obj[qid])) {
      if (!Number.isInteger(g))
        throw new RangeError(`qrelsFromObject: grade of ${qid}/${docno} must be an integer, got ${g}`);
      m.set(docno, g);
    }
    q.set(qid, m);
  }
  return q;
}

/**
 * Build Qrels from flat parallel arrays of (qid, docno, grade); a duplicate (qid, docno) pair
 * or a non-integer grade throws.
 */
export function qrelsFromArrays(
  qids: readonly string[],
  docnos: readonly string[],
  grades: ArrayLike<number>,
): Qrels {
  if (qids.length !== docnos.length || qids.length !== grades.length) {
    throw new RangeError(
      `qrelsFromArrays: lengths differ (${qids.length}, ${docnos.length}, ${grades.length})`,
    );
  }
  const q: Qrels = new Map();
  for (let i = 0; i < qids.length; i++) {
    let m = q.get(qids[i]);
    if (!m) q.set(qids[i], (m = new Map()));
    if (m.has(docnos[i])) throw new RangeError(`qrelsFromArrays: duplicate pair ${qids[i]}/${docnos[i]}`);
    if (!Number.isInteger(grades[i]))
      throw new RangeError(`qrelsFromArrays: grade must be an integer, got ${grades[i]}`);
    m.set(docnos[i], grades[i]);
  }
  return q;
}
