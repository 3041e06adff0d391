/**
 * Byte-level streaming line reader and field scanners shared by the qrels and run readers.
 *
 * Files are read in fixed-size chunks (never as one string), split into lines on `\n`, and
 * fields are located as byte offsets, so a 7,000-query × 1,000-document run (≈300 MB) is parsed
 * without holding a second copy of the file in memory. Only the fields that become values are
 * turned into strings (docnos, query ids) or numbers (scores, grades).
 */
import * as fs from "node:fs";
import { InputError } from "../util/fsutil";

/** Size of one read from disk. */
const CHUNK = 1 << 22;

/**
 * Call `onLine(buf, start, end, lineNo)` for every line of `file` (`"-"` reads standard input).
 * `end` excludes the newline; a trailing `\r` is left in place (it is whitespace to the field
 * scanners). `lineNo` is 1-based and counts every physical line. The buffer is reused between
 * chunks: callers must copy anything they keep.
 */
export function forEachLine(
  file: string,
  onLine: (buf: Buffer, start: number, end: number, lineNo: number) => void,
): void {
  let fd: number;
  try {
    fd = file === "-" ? 0 : fs.openSync(file, "r");
  } catch (e) {
    throw new InputError(file, 0, `cannot open (${(e as Error).message})`);
  }
  let buf = Buffer.allocUnsafe(CHUNK);
  let filled = 0; // bytes of buf holding data
  let lineNo = 0;
  try {
    for (;;) {
      if (filled === buf.length) {
        // One line longer than the buffer: grow it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      let got: number;
      try {
        got = fs.readSync(fd, buf, filled, buf.length - filled, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
        if ((e as NodeJS.ErrnoException).code === "EOF") got = 0;
        else throw new InputError(file, lineNo, `read failed (${(e as Error).message})`);
      }
      const end = filled + got;
      let start = 0;
      let nl = got === 0 ? -1 : buf.indexOf(10, filled);
      while (nl !== -1 && nl < end) {
        onLine(buf, start, nl, ++lineNo);
        start = nl + 1;
        nl = buf.indexOf(10, start);
      }
      if (got === 0) {
        if (start < end) onLine(buf, start, end, ++lineNo); // last line without newline
        return;
      }
      // Move the partial last line to the front.
      if (start > 0) {
        buf.copy(buf, 0, start, end);
        filled = end - start;
      } else {
        filled = end;
      }
    }
  } finally {
    if (fd !== 0) fs.closeSync(fd);
  }
}

/** ASCII whitespace as C's isspace(): space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Locate whitespace-separated fields of `buf[start, end)`. Offsets go to `out` as
 * [s0, e0, s1, e1, ...] for at most `out.length / 2` fields; the return value is the total
 * number of fields on the line (it may exceed what fits, which callers report as an error).
 */
export function splitWhitespace(buf: Buffer, start: number, end: number, out: Int32Array): number {
  const cap = out.length >> 1;
  let n = 0;
  let i = start;
  for (;;) {
    while (i < end && isSpace(buf[i])) i++;
    if (i >= end) return n;
    const s = i;
    while (i < end && !isSpace(buf[i])) i++;
    if (n < cap) {
      out[2 * n] = s;
      out[2 * n + 1] = i;
    }
    n++;
  }
}

/**
 * Locate tab-separated fields (TSV): fields are split on `\t` only; a trailing `\r` is dropped.
 * Same output convention as {@link splitWhitespace}. An empty line has 0 fields.
 */
export function splitTabs(buf: Buffer, start: number, end: number, out: Int32Array): number {
  if (end > start && buf[end - 1] === 13) end--;
  if (end === start) return 0;
  const cap = out.length >> 1;
  let n = 0;
  let s = start;
  for (let i = start; ; i++) {
    if (i === end || buf[i] === 9) {
      if (n < cap) {
        out[2 * n] = s;
        out[2 * n + 1] = i;
      }
      n++;
      if (i === end) return n;
      s = i + 1;
    }
  }
}

/** True if the line is blank or a comment (first non-space byte is `#`); such lines are skipped. */
export function isSkippable(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && isSpace(buf[i])) i++;
  return i === end || buf[i] === 35;
}

/** Node's fast byte→string slice for 1-byte encodings (not in the public typings). */
const latin1: (buf: Buffer, s: number, e: number) => string = (buf, s, e) =>
  (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(s, e);

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The bytes `buf[s, e)` as a string: ASCII directly, anything else decoded as strict UTF-8
 * (invalid UTF-8 is an InputError, so byte order and string order agree; see
 * {@link compareDocnos}).
 */
export function fieldString(buf: Buffer, s: number, e: number, file: string, line: number): string {
  if (e - s <= 24) {
    // Short ASCII ids: building the string in JS is faster than a call into C++.
    let r = "";
    for (let i = s; i < e; i++) {
      const c = buf[i];
      if (c >= 0x80) return decodeUtf8(buf, s, e, file, line);
      r += String.fromCharCode(c);
    }
    return r;
  }
  for (let i = s; i < e; i++) if (buf[i] >= 0x80) return decodeUtf8(buf, s, e, file, line);
  return latin1(buf, s, e);
}

function decodeUtf8(buf: Buffer, s: number, e: number, file: string, line: number): string {
  try {
    return utf8.decode(buf.subarray(s, e));
  } catch {
    throw new InputError(file, line, "field is not valid UTF-8");
  }
}

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

/**
 * Parse a decimal number from `buf[s, e)` exactly as C's strtod would (correctly rounded), or
 * return NaN if the field is not a plain decimal (`[+-]digits[.digits][e[+-]digits]`, or
 * `.digits`). Plain decimals with at most 15 digits and 22 fraction digits take an exact fast
 * path (integer mantissa / 10^k: both exact doubles, so one correctly rounded division);
 * everything else goes through `Number()`, which is also correctly rounded.
 */
export function parseDecimal(buf: Buffer, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && (buf[i] === 45 || buf[i] === 43)) {
    neg = buf[i] === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let c = 0;
  while (i < e && (c = buf[i]) >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    digits++;
    i++;
  }
  if (i < e && buf[i] === 46) {
    i++;
    while (i < e && (c = buf[i]) >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      frac++;
      i++;
    }
  }
  if (digits === 0) return NaN;
  if (i === e) {
    if (digits <= 15) {
      const v = frac === 0 ? mant : mant / POW10[frac];
      return neg ? -v : v;
    }
    return Number(latin1(buf, s, e));
  }
  // Exponent part.
  if (buf[i] !== 101 && buf[i] !== 69) return NaN;
  i++;
  if (i < e && (buf[i] === 45 || buf[i] === 43)) i++;
  const expStart = i;
  while (i < e && (c = buf[i]) >= 48 && c <= 57) i++;
  if (i === expStart || i !== e) return NaN;
  return Number(latin1(buf, s, e));
}

/**
 * Parse a (possibly signed) base-10 integer from `buf[s, e)`; NaN if the field is anything else
 * (e.g. `1.0`, `1e2`, empty) or outside the safe-integer range.
 */
export function parseInteger(buf: Buffer, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && (buf[i] === 45 || buf[i] === 43)) {
    neg = buf[i] === 45;
    i++;
  }
  if (i === e) return NaN;
  let v = 0;
  for (; i < e; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  if (!Number.isSafeInteger(v)) return NaN;
  return neg ? -v : v;
}

/** Show a field in an error message (truncated). */
export function showField(buf: Buffer, s: number, e: number): string {
  const t = buf.toString("utf8", s, Math.min(e, s + 40));
  return JSON.stringify(e - s > 40 ? t + "…" : t);
}
