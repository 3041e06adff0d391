/**
 * Readers and writers for relevance judgments (qrels) and runs in the formats IR work uses:
 *
 * | format   | qrels line                         | run line                              |
 * |----------|------------------------------------|---------------------------------------|
 * | TREC     | `qid iter docno rel` (whitespace)  | `qid Q0 docno rank score tag`         |
 * | MS MARCO | `qid<TAB>0<TAB>docid<TAB>rel`      | `qid<TAB>docid<TAB>rank`              |
 * | BEIR     | header, then `query-id<TAB>corpus-id<TAB>score` | (BEIR has no run format) |
 *
 * Readers are strict and streaming: the file is read in chunks, a malformed line (wrong column
 * count, non-numeric score, non-integer grade, duplicate docno within a query, duplicate qrels
 * pair, invalid UTF-8) throws `InputError(file, line, problem)` and nothing is returned. Blank
 * lines and lines whose first non-blank character is `#` are skipped (trec_eval skips them too).
 * Writers build the whole output and write it with `writeFileAtomic` (temp file + rename).
 */
import { InputError, writeFileAtomic } from "../util/fsutil";
import {
  fieldString,
  forEachLine,
  isSkippable,
  parseDecimal,
  parseInteger,
  showField,
  splitTabs,
  splitWhitespace,
} from "./lines";
import { compareDocnos, rankQuery, sortedQids } from "./ranking";
import type { Qrels, Run, RunQuery } from "./types";

// ---------------------------------------------------------------------------------------------
// Qrels

type QrelsLayout = {
  tabs: boolean;
  cols: number;
  qid: number;
  docno: number;
  grade: number;
  header: boolean;
  name: string;
};

const TREC_QRELS: QrelsLayout = {
  tabs: false,
  cols: 4,
  qid: 0,
  docno: 2,
  grade: 3,
  header: false,
  name: "TREC qrels",
};
const MSMARCO_QRELS: QrelsLayout = {
  tabs: true,
  cols: 4,
  qid: 0,
  docno: 2,
  grade: 3,
  header: false,
  name: "MS MARCO qrels",
};
const BEIR_QRELS: QrelsLayout = {
  tabs: true,
  cols: 3,
  qid: 0,
  docno: 1,
  grade: 2,
  header: true,
  name: "BEIR qrels",
};

function readQrelsLayout(file: string, L: QrelsLayout): Qrels {
  const qrels: Qrels = new Map();
  const f = new Int32Array(16);
  let sawHeader = !L.header;
  let curQid = "";
  let cur: Map<string, number> | undefined;
  forEachLine(file, (buf, s, e, line) => {
    if (isSkippable(buf, s, e)) return;
    const n = L.tabs ? splitTabs(buf, s, e, f) : splitWhitespace(buf, s, e, f);
    if (!sawHeader) {
      // BEIR: the first content line is the header `query-id corpus-id score`.
      sawHeader = true;
      if (n === L.cols && Number.isNaN(parseInteger(buf, f[2 * L.grade], f[2 * L.grade + 1]))) return;
      throw new InputError(file, line, `${L.name}: expected a header line (query-id, corpus-id, score)`);
    }
    if (n !== L.cols) throw new InputError(file, line, `${L.name}: expected ${L.cols} columns, found ${n}`);
    for (let k = 0; k < n; k++) {
      if (f[2 * k] === f[2 * k + 1]) throw new InputError(file, line, `${L.name}: column ${k + 1} is empty`);
    }
    const gs = f[2 * L.grade],
      ge = f[2 * L.grade + 1];
    const grade = parseInteger(buf, gs, ge);
    if (Number.isNaN(grade))
      throw new InputError(
        file,
        line,
        `${L.name}: relevance grade ${showField(buf, gs, ge)} is not an integer`,
      );
    const qid = fieldString(buf, f[2 * L.qid], f[2 * L.qid + 1], file, line);
    const docno = fieldString(buf, f[2 * L.docno], f[2 * L.docno + 1], file, line);
    if (qid !== curQid || !cur) {
      curQid = qid;
      cur = qrels.get(qid);
      if (!cur) qrels.set(qid, (cur = new Map()));
    }
    if (cur.has(docno))
      throw new InputError(file, line, `${L.name}: duplicate judgment for query ${qid}, docno ${docno}`);
    cur.set(docno, grade);
  });
  if (!sawHeader) throw new InputError(file, 0, `${L.name}: file is empty (no header)`);
  return qrels;
}

/**
 * Read TREC qrels: `qid iter docno rel`, whitespace-separated, exactly 4 columns; `iter` is
 * ignored, `rel` must be an integer (negative grades are kept; the measures treat them as
 * trec_eval does: judged but not relevant and gain 0).
 */
export function readTrecQrels(file: string): Qrels {
  return readQrelsLayout(file, TREC_QRELS);
}

/** Read MS MARCO qrels TSV: `qid<TAB>0<TAB>docid<TAB>rel` (the 4-column TREC layout, tab-separated). */
export function readMsMarcoQrels(file: string): Qrels {
  return readQrelsLayout(file, MSMARCO_QRELS);
}

/**
 * Read BEIR `qrels/<split>.tsv`: one header line (`query-id<TAB>corpus-id<TAB>score`), then
 * `query-id<TAB>corpus-id<TAB>score` rows with integer scores.
 */
export function readBeirQrels(file: string): Qrels {
  return readQrelsLayout(file, BEIR_QRELS);
}

// ---------------------------------------------------------------------------------------------
// Runs

/** Run file formats. */
export type RunFormat = "trec" | "msmarco";

/** Thrown internally by {@link scanRun} in streaming mode when a query id comes back later. */
export class RunNotGroupedError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly qid: string,
  ) {
    super(`${file}:${line}: query ${qid} appears again after other queries (run is not grouped by query)`);
    this.name = "RunNotGroupedError";
  }
}

class QueryBuilder {
  docnos: string[] = [];
  scores = new Float64Array(64);
  len = 0;
  seen = new Set<string>();
  constructor(
    readonly qid: string,
    readonly firstLine: number,
  ) {}
  static reopen(qid: string, q: RunQuery, line: number): QueryBuilder {
    const b = new QueryBuilder(qid, line);
    b.docnos = q.docnos;
    b.len = q.docnos.length;
    b.scores = new Float64Array(Math.max(64, b.len * 2));
    b.scores.set(q.scores);
    for (const d of q.docnos) b.seen.add(d);
    return b;
  }
  add(docno: string, score: number, file: string, line: number): void {
    if (this.seen.has(docno))
      throw new InputError(file, line, `duplicate docno ${docno} in query ${this.qid}`);
    this.seen.add(docno);
    if (this.len === this.scores.length) {
      const bigger = new Float64Array(this.len * 2);
      bigger.set(this.scores);
      this.scores = bigger;
    }
    this.scores[this.len++] = score;
    this.docnos.push(docno);
  }
  finish(): RunQuery {
    return { docnos: this.docnos, scores: this.scores.slice(0, this.len) };
  }
}

/**
 * Scan a run file and hand each query to `onQuery` as soon as its block of lines ends.
 *
 * - `grouped: true` (streaming): memory holds one query at a time; if a query id reappears after
 *   another query's lines, {@link RunNotGroupedError} is thrown (callers fall back to
 *   {@link readRun}).
 * - `grouped: false`: all queries are kept until the end of the file and then handed over.
 *
 * TREC lines must have exactly 6 whitespace-separated columns (`qid Q0 docno rank score tag`);
 * the rank column must be present but is ignored, the score must be a decimal number.
 * MS MARCO lines have 3 tab-separated columns (`qid docid rank`) with a positive integer rank;
 * the score becomes `-rank` so that ranking by score reproduces the file's ranks.
 */
export function scanRun(
  file: string,
  format: RunFormat,
  onQuery: (qid: string, q: RunQuery) => void,
  grouped: boolean,
): void {
  const trec = format === "trec";
  const f = new Int32Array(16);
  const done = new Set<string>();
  const all = new Map<string, RunQuery>(); // finished queries (non-grouped mode)
  const open = new Map<string, QueryBuilder>(); // queries seen in several blocks: kept open to the end
  let cur: QueryBuilder | null = null;
  let qidBytes = Buffer.alloc(256);
  let qidLen = -1;

  const close = () => {
    if (!cur) return;
    if (grouped) {
      done.add(cur.qid);
      onQuery(cur.qid, cur.finish());
    } else if (!open.has(cur.qid)) {
      all.set(cur.qid, cur.finish());
    }
    cur = null;
  };

  forEachLine(file, (buf, s, e, line) => {
    if (isSkippable(buf, s, e)) return;
    const n = trec ? splitWhitespace(buf, s, e, f) : splitTabs(buf, s, e, f);
    if (trec && n !== 6)
      throw new InputError(
        file,
        line,
        `TREC run: expected 6 columns (qid Q0 docno rank score tag), found ${n}`,
      );
    if (!trec && n !== 3)
      throw new InputError(file, line, `MS MARCO run: expected 3 columns (qid docid rank), found ${n}`);
    const qs = f[0],
      qe = f[1];
    const ds = f[trec ? 4 : 2],
      de = f[trec ? 5 : 3];
    if (qs === qe || ds === de) throw new InputError(file, line, "empty query id or docno");
    let score: number;
    if (trec) {
      score = parseDecimal(buf, f[8], f[9]);
      if (Number.isNaN(score))
        throw new InputError(file, line, `TREC run: score ${showField(buf, f[8], f[9])} is not a number`);
    } else {
      const r = parseInteger(buf, f[4], f[5]);
      if (!(r >= 1))
        throw new InputError(
          file,
          line,
          `MS MARCO run: rank ${showField(buf, f[4], f[5])} is not a positive integer`,
        );
      score = -r;
    }
    // Same query as the previous line? Compare bytes, so no string is made for the qid.
    let same = cur !== null && qe - qs === qidLen;
    if (same) {
      for (let i = 0; i < qidLen; i++) {
        if (buf[qs + i] !== qidBytes[i]) {
          same = false;
          break;
        }
      }
    }
    if (!same) {
      close();
      const qid = fieldString(buf, qs, qe, file, line);
      if (qe - qs > qidBytes.length) qidBytes = Buffer.alloc(2 * (qe - qs));
      buf.copy(qidBytes, 0, qs, qe);
      qidLen = qe - qs;
      if (grouped) {
        if (done.has(qid)) throw new RunNotGroupedError(file, line, qid);
        cur = new QueryBuilder(qid, line);
      } else {
        // A query seen before is reopened once (its docno set rebuilt) and then stays open, so
        // interleaved files cost O(lines), not O(lines × blocks).
        cur = open.get(qid) ?? null;
        if (!cur) {
          const prev = all.get(qid);
          if (prev) {
            all.delete(qid);
            cur = QueryBuilder.reopen(qid, prev, line);
            open.set(qid, cur);
          } else {
            cur = new QueryBuilder(qid, line);
          }
        }
      }
    }
    cur!.add(fieldString(buf, ds, de, file, line), score, file, line);
  });
  close();
  if (!grouped) {
    for (const [qid, b] of open) all.set(qid, b.finish());
    for (const [qid, q] of all) onQuery(qid, q);
  }
}

/** Read a whole run file of the given format into a Run (see {@link scanRun} for the rules). */
export function readRun(file: string, format: RunFormat = "trec"): Run {
  const run: Run = new Map();
  scanRun(file, format, (qid, q) => run.set(qid, q), false);
  return run;
}

/** Read a TREC run (`qid Q0 docno rank score tag`). Ranks are ignored; see {@link scanRun}. */
export function readTrecRun(file: string): Run {
  return readRun(file, "trec");
}

/** Read an MS MARCO run TSV (`qid<TAB>docid<TAB>rank`); scores become `-rank`. */
export function readMsMarcoRun(file: string): Run {
  return readRun(file, "msmarco");
}

// ---------------------------------------------------------------------------------------------
// Writers

/** Collects output text in bounded chunks so huge files never need one giant JS string. */
class ChunkWriter {
  private parts: Buffer[] = [];
  private cur: string[] = [];
  private curLen = 0;
  line(s: string): void {
    this.cur.push(s);
    this.curLen += s.length + 1;
    if (this.curLen > 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.cur.length === 0) return;
    this.parts.push(Buffer.from(this.cur.join("\n") + "\n", "utf8"));
    this.cur = [];
    this.curLen = 0;
  }
  bytes(): Uint8Array {
    this.flush();
    return Buffer.concat(this.parts);
  }
}

function checkField(v: string, what: string, tabsOnly: boolean): void {
  if (v.length === 0 || (tabsOnly ? /[\t\n\r]/.test(v) : /\s/.test(v))) {
    throw new RangeError(`cannot write ${what} ${JSON.stringify(v)}: empty or contains a separator`);
  }
}

function writeQrelsLayout(file: string, qrels: Qrels, tabs: boolean, beir: boolean): void {
  const w = new ChunkWriter();
  const sep = tabs ? "\t" : " ";
  if (beir) w.line("query-id\tcorpus-id\tscore");
  for (const qid of sortedQids(qrels)) {
    checkField(qid, "query id", tabs);
    const m = qrels.get(qid)!;
    for (const docno of [...m.keys()].sort(compareDocnos)) {
      checkField(docno, "docno", tabs);
      const g = m.get(docno)!;
      if (!Number.isInteger(g)) throw new RangeError(`cannot write non-integer grade ${g}`);
      w.line(beir ? `${qid}\t${docno}\t${g}` : `${qid}${sep}0${sep}${docno}${sep}${g}`);
    }
  }
  writeFileAtomic(file, w.bytes());
}

/** Write TREC qrels (`qid 0 docno rel`), queries and docnos in byte order, atomically. */
export function writeTrecQrels(file: string, qrels: Qrels): void {
  writeQrelsLayout(file, qrels, false, false);
}

/** Write MS MARCO qrels TSV (`qid<TAB>0<TAB>docid<TAB>rel`), atomically. */
export function writeMsMarcoQrels(file: string, qrels: Qrels): void {
  writeQrelsLayout(file, qrels, true, false);
}

/** Write BEIR qrels TSV (header `query-id<TAB>corpus-id<TAB>score`, then rows), atomically. */
export function writeBeirQrels(file: string, qrels: Qrels): void {
  writeQrelsLayout(file, qrels, true, true);
}

/**
 * The rows a run file holds: queries in byte order, each query's documents in trec_eval's rank
 * order (score descending, docno descending on ties), the top `depth`, ranks from 1. Every query
 * id and docno is checked as a field of a space- or (`tabSeparated`) tab-separated format.
 */
function* rankedRows(
  run: Run,
  depth: number,
  tabSeparated: boolean,
): Generator<{ qid: string; docno: string; rank: number; score: number }> {
  for (const qid of sortedQids(run)) {
    checkField(qid, "query id", tabSeparated);
    const q = run.get(qid)!;
    const order = rankQuery(q);
    const k = Math.min(order.length, depth);
    for (let r = 0; r < k; r++) {
      const docno = q.docnos[order[r]];
      checkField(docno, "docno", tabSeparated);
      yield { qid, docno, rank: r + 1, score: q.scores[order[r]] };
    }
  }
}

/**
 * Write a TREC run (`qid Q0 docno rank score tag`), queries in byte order, documents in
 * trec_eval's rank order (score descending, docno descending on ties), ranks from 1. Scores are
 * printed with JavaScript's shortest round-trip form, so reading the file back gives identical
 * doubles. `depth` keeps only the top `depth` documents per query. Atomic.
 */
export function writeTrecRun(file: string, run: Run, tag = "scalerank", depth = Infinity): void {
  checkField(tag, "run tag", false);
  const w = new ChunkWriter();
  for (const { qid, docno, rank, score } of rankedRows(run, depth, false)) {
    if (!Number.isFinite(score))
      throw new RangeError(`cannot write non-finite score ${score} (query ${qid})`);
    w.line(`${qid} Q0 ${docno} ${rank} ${score} ${tag}`);
  }
  writeFileAtomic(file, w.bytes());
}

/**
 * Write an MS MARCO run TSV (`qid<TAB>docid<TAB>rank`) in trec_eval's rank order, ranks from 1;
 * `depth` keeps the top `depth` per query (MS MARCO convention: 1000, MRR@10 reads the first 10).
 * Scores are not stored by this format. Atomic.
 */
export function writeMsMarcoRun(file: string, run: Run, depth = Infinity): void {
  const w = new ChunkWriter();
  for (const { qid, docno, rank } of rankedRows(run, depth, true)) w.line(`${qid}\t${docno}\t${rank}`);
  writeFileAtomic(file, w.bytes());
}
