/**
 * Streaming, validating readers for the real collections the paper evaluates on:
 *
 * | file                         | line format                                   | reader                  |
 * |------------------------------|-----------------------------------------------|-------------------------|
 * | MS MARCO `collection.tsv`    | `pid<TAB>passage`                              | {@link readCollectionTsv} |
 * | MS MARCO `queries.*.tsv`, TREC DL topics `msmarco-test20xx-queries.tsv` | `qid<TAB>query` | {@link readQueriesTsv} |
 * | MS MARCO `triples.train.small.tsv` | `query<TAB>positive<TAB>negative`        | {@link forEachTriple}   |
 * | MS MARCO `top1000.dev.tsv`   | `qid<TAB>pid<TAB>query<TAB>passage`            | {@link readTop1000Tsv}  |
 * | BEIR `corpus.jsonl`          | `{"_id", "title", "text", ...}`               | {@link readBeirCorpus}  |
 * | BEIR `queries.jsonl`         | `{"_id", "text", ...}`                        | {@link readBeirQueries} |
 *
 * Qrels (`qrels.*.tsv`, TREC DL `20xxqrels-pass.txt` with grades 0–3, BEIR `qrels/*.tsv`) are read
 * by the evaluation module's readers (`readMsMarcoQrels`, `readTrecQrels`, `readBeirQrels`).
 *
 * Files are read in chunks, line by line (never whole), and every problem throws
 * `InputError(file, line, problem)`: wrong column count, empty id, duplicate id, invalid JSON or
 * missing field, invalid UTF-8. Blank lines are skipped. Nothing partial is returned.
 */
import { InputError } from "../util/fsutil";
import { fieldString, forEachLine, splitTabs } from "../eval/lines";
import type { Doc, Query } from "./generator";

type Fields = (buf: Buffer, s: number, e: number, line: number) => string[] | null;

/** Split one line into exactly `cols` tab-separated fields (strings), or throw; null for blank lines. */
function tsvFields(file: string, cols: number, what: string, idCols: number[]): Fields {
  const f = new Int32Array(2 * (cols + 1));
  return (buf, s, e, line) => {
    let blank = true;
    for (let i = s; i < e; i++)
      if (buf[i] !== 32 && buf[i] !== 9 && buf[i] !== 13) {
        blank = false;
        break;
      }
    if (blank) return null;
    const n = splitTabs(buf, s, e, f);
    if (n !== cols)
      throw new InputError(file, line, `${what}: expected ${cols} tab-separated columns, found ${n}`);
    const out: string[] = [];
    for (let k = 0; k < cols; k++) out.push(fieldString(buf, f[2 * k], f[2 * k + 1], file, line));
    for (const k of idCols) {
      if (out[k].trim() === "") throw new InputError(file, line, `${what}: column ${k + 1} (id) is empty`);
      if (/\s/.test(out[k])) throw new InputError(file, line, `${what}: id "${out[k]}" contains whitespace`);
    }
    return out;
  };
}

/**
 * Stream an MS MARCO style id–text TSV (`id<TAB>text`): calls `onRow(id, text, line)` per line.
 * Ids must be non-empty, without whitespace, and unique in the file.
 */
export function forEachIdTextTsv(
  file: string,
  what: string,
  onRow: (id: string, text: string, line: number) => void,
): number {
  const fields = tsvFields(file, 2, what, [0]);
  const seen = new Set<string>();
  let n = 0;
  forEachLine(file, (buf, s, e, line) => {
    const r = fields(buf, s, e, line);
    if (!r) return;
    if (seen.has(r[0])) throw new InputError(file, line, `${what}: duplicate id "${r[0]}"`);
    seen.add(r[0]);
    onRow(r[0], r[1], line);
    n++;
  });
  return n;
}

/** Read MS MARCO `collection.tsv` (`pid<TAB>passage`) into passages, file order kept. */
export function readCollectionTsv(file: string, limit = Infinity): Doc[] {
  const docs: Doc[] = [];
  try {
    forEachIdTextTsv(file, "collection", (docno, text) => {
      if (docs.length >= limit) throw STOP;
      docs.push({ docno, text });
    });
  } catch (e) {
    if (e !== STOP) throw e;
  }
  return docs;
}

const STOP = Symbol("stop");

/** Read a queries TSV (`qid<TAB>query`: MS MARCO `queries.*.tsv`, TREC DL topics) in file order. */
export function readQueriesTsv(file: string): Query[] {
  const out: Query[] = [];
  forEachIdTextTsv(file, "queries", (qid, text) => out.push({ qid, text }));
  return out;
}

/** One training triple of MS MARCO `triples.train.small.tsv`. */
export interface Triple {
  query: string;
  positive: string;
  negative: string;
}

/**
 * Stream MS MARCO `triples.train.small.tsv` (`query<TAB>positive passage<TAB>negative passage`),
 * calling `onTriple` per line; stops after `limit` triples. Returns the number read. The file is
 * ~27 GB, so it is never held in memory.
 */
export function forEachTriple(
  file: string,
  onTriple: (t: Triple, line: number) => void,
  limit = Infinity,
): number {
  const fields = tsvFields(file, 3, "triples", []);
  let n = 0;
  try {
    forEachLine(file, (buf, s, e, line) => {
      if (n >= limit) throw STOP;
      const r = fields(buf, s, e, line);
      if (!r) return;
      for (let k = 0; k < 3; k++)
        if (r[k].trim() === "") throw new InputError(file, line, `triples: column ${k + 1} is empty`);
      onTriple({ query: r[0], positive: r[1], negative: r[2] }, line);
      n++;
    });
  } catch (e) {
    if (e !== STOP) throw e;
  }
  return n;
}

/** Contents of MS MARCO `top1000.dev.tsv`: candidate passages per query, with their texts. */
export interface Top1000 {
  /** Queries in order of first appearance. */
  queries: Query[];
  /** Passages in order of first appearance. */
  docs: Doc[];
  /** qid → candidate pids, in file order (the file carries no ranks or scores). */
  candidates: Map<string, string[]>;
}

/**
 * Read MS MARCO `top1000.dev.tsv` (`qid<TAB>pid<TAB>query<TAB>passage`). A qid must always
 * come with the same query text and a pid with the same passage; a (qid, pid) pair may appear
 * once.
 */
export function readTop1000Tsv(file: string): Top1000 {
  const fields = tsvFields(file, 4, "top1000", [0, 1]);
  const qText = new Map<string, string>(),
    dText = new Map<string, string>();
  const candidates = new Map<string, string[]>();
  const pairs = new Set<string>();
  const queries: Query[] = [],
    docs: Doc[] = [];
  forEachLine(file, (buf, s, e, line) => {
    const r = fields(buf, s, e, line);
    if (!r) return;
    const [qid, pid, q, p] = r;
    const oq = qText.get(qid);
    if (oq === undefined) {
      qText.set(qid, q);
      queries.push({ qid, text: q });
      candidates.set(qid, []);
    } else if (oq !== q)
      throw new InputError(file, line, `top1000: query ${qid} has a different text than on its first line`);
    const od = dText.get(pid);
    if (od === undefined) {
      dText.set(pid, p);
      docs.push({ docno: pid, text: p });
    } else if (od !== p)
      throw new InputError(file, line, `top1000: passage ${pid} has a different text than on its first line`);
    const key = qid + "\t" + pid;
    if (pairs.has(key))
      throw new InputError(file, line, `top1000: duplicate pair (query ${qid}, passage ${pid})`);
    pairs.add(key);
    candidates.get(qid)!.push(pid);
  });
  return { queries, docs, candidates };
}

/** Parse one JSON-lines record with required string fields; throws InputError naming what is wrong. */
function jsonRecord(
  file: string,
  line: number,
  text: string,
  required: string[],
  what: string,
): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, line, `${what}: invalid JSON (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new InputError(file, line, `${what}: a line must be a JSON object`);
  const o = v as Record<string, unknown>;
  for (const k of required) {
    if (!(k in o)) throw new InputError(file, line, `${what}: missing field "${k}"`);
    if (typeof o[k] !== "string") throw new InputError(file, line, `${what}: field "${k}" must be a string`);
  }
  const id = o["_id"] as string;
  if (id.trim() === "" || /\s/.test(id))
    throw new InputError(file, line, `${what}: "_id" is empty or contains whitespace`);
  return o;
}

function forEachJsonl(
  file: string,
  required: string[],
  what: string,
  onRec: (o: Record<string, unknown>, line: number) => void,
): void {
  const seen = new Set<string>();
  forEachLine(file, (buf, s, e, line) => {
    const text = fieldString(buf, s, e, file, line);
    if (text.trim() === "") return;
    const o = jsonRecord(file, line, text, required, what);
    const id = o["_id"] as string;
    if (seen.has(id)) throw new InputError(file, line, `${what}: duplicate _id "${id}"`);
    seen.add(id);
    onRec(o, line);
  });
}

/**
 * Read a BEIR `corpus.jsonl` (`{"_id": ..., "title": ..., "text": ...}` per line). The passage
 * text is `title + " " + text` when the title is non-empty (`joinTitle`, the usual input of
 * cross-encoders on BEIR), else `text`. `title` is optional; `_id` and `text` are required.
 */
export function readBeirCorpus(file: string, joinTitle = true): Doc[] {
  const docs: Doc[] = [];
  forEachJsonl(file, ["_id", "text"], "BEIR corpus", (o, line) => {
    const title = o["title"];
    if (title !== undefined && typeof title !== "string")
      throw new InputError(file, line, 'BEIR corpus: field "title" must be a string');
    const t =
      joinTitle && typeof title === "string" && title.trim() !== ""
        ? `${title} ${o["text"] as string}`
        : (o["text"] as string);
    docs.push({ docno: o["_id"] as string, text: t });
  });
  return docs;
}

/** Read a BEIR `queries.jsonl` (`{"_id": ..., "text": ...}` per line). */
export function readBeirQueries(file: string): Query[] {
  const out: Query[] = [];
  forEachJsonl(file, ["_id", "text"], "BEIR queries", (o) =>
    out.push({ qid: o["_id"] as string, text: o["text"] as string }),
  );
  return out;
}
