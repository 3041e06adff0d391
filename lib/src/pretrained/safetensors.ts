/**
 * Reader and writer of the safetensors format (Hugging Face), parsed directly.
 *
 * Layout of a file: 8 bytes, little-endian unsigned 64-bit N = header length; N bytes of UTF-8
 * JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, ..., "__metadata__"?: {str: str} }`;
 * then the data block, where tensor `name` occupies bytes [8 + N + begin, 8 + N + end), row-major,
 * little-endian. Dtype names are those of the format: F64, F32, F16, BF16, I64, I32, I16, I8, U8,
 * BOOL, … (https://huggingface.co/docs/safetensors, "Format").
 *
 * Reading is streamed: {@link readSafetensorsHeader} reads only the header, and
 * {@link readTensorFloat32} reads one tensor's bytes with positioned file reads and converts them
 * to float32, so loading a model never holds more than one copy of it plus one tensor in flight.
 * F32 tensors are read straight into the Float32Array that is returned (no second buffer).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../util/fsutil";

/** Bytes per element of the dtypes the format defines (used to validate data_offsets). */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** The dtypes {@link readTensorFloat32} converts to float32. */
export const SAFETENSORS_FLOAT_DTYPES = ["F32", "F16", "BF16", "F64"] as const;

/** Where one tensor lies in a safetensors file. */
export interface SafetensorsEntry {
  /** Tensor name as written in the header. */
  name: string;
  /** Dtype name from the header (may be one this reader cannot convert; checked on read). */
  dtype: string;
  /** Shape ([] for a scalar). */
  shape: number[];
  /** The file holding it. */
  file: string;
  /** Absolute byte offset of its first byte in the file. */
  start: number;
  /** Length of its data in bytes. */
  byteLength: number;
}

/** A parsed header: the tensors in file order and the free-form metadata. */
export interface SafetensorsHeader {
  file: string;
  /** Tensors by name, in the order of the header. */
  entries: Map<string, SafetensorsEntry>;
  /** The `__metadata__` string map ({} when absent). */
  metadata: Record<string, string>;
  /** Absolute offset of the data block (8 + header length). */
  dataStart: number;
  /** Size of the file in bytes. */
  fileSize: number;
}

/** Largest header accepted (the format's reference implementation uses 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/** Number of elements of a shape (1 for a scalar). */
export function tensorShapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** "[2, 3]" */
export function formatTensorShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function readExactly(fd: number, target: Uint8Array, position: number, file: string, what: string): void {
  const CHUNK = 1 << 30; // readSync reads at most 2 GiB - 1 per call
  let done = 0;
  while (done < target.length) {
    const n = fs.readSync(fd, target, done, Math.min(CHUNK, target.length - done), position + done);
    if (n === 0)
      throw new InputError(
        file,
        0,
        `unexpected end of file while reading ${what} (${done} of ${target.length} bytes at offset ${position})`,
      );
    done += n;
  }
}

/**
 * The format forbids tensors whose byte ranges overlap (two names for the same bytes); throws
 * InputError naming both tensors. Empty tensors occupy no bytes and overlap nothing.
 */
function checkNoOverlap(file: string, entries: readonly SafetensorsEntry[]): void {
  const byStart = entries.filter((e) => e.byteLength > 0).sort((a, b) => a.start - b.start);
  for (let i = 1; i < byStart.length; i++) {
    const a = byStart[i - 1],
      b = byStart[i];
    if (b.start < a.start + a.byteLength) {
      const range = (e: SafetensorsEntry) => `[${e.start}, ${e.start + e.byteLength})`;
      throw new InputError(
        file,
        0,
        `tensors "${a.name}" ${range(a)} and "${b.name}" ${range(b)} overlap; the safetensors format forbids overlapping data`,
      );
    }
  }
}

/**
 * Read and validate the header of a safetensors file (only the header bytes are read).
 * Throws InputError(file, 0, …) if the file is missing, shorter than its header claims, the
 * header is not JSON, or any entry is malformed: shape not a list of non-negative integers,
 * offsets out of order, outside the data block, or (for a known dtype) of a length other than
 * elements × bytes per element, or overlapping another tensor's bytes. An unknown dtype name is accepted here and rejected when that
 * tensor is read, so a file may carry tensors that a model does not use.
 */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    throw new InputError(
      file,
      0,
      `cannot open safetensors file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    const fileSize = fs.fstatSync(fd).size;
    if (fileSize < 8)
      throw new InputError(
        file,
        0,
        `not a safetensors file: ${fileSize} bytes, shorter than the 8-byte header length`,
      );
    const lenBuf = Buffer.alloc(8);
    readExactly(fd, lenBuf, 0, file, "the header length");
    const n = lenBuf.readBigUInt64LE(0);
    if (n > BigInt(fileSize - 8) || n > BigInt(MAX_HEADER_BYTES)) {
      throw new InputError(
        file,
        0,
        `not a safetensors file: header length ${n} exceeds the ${fileSize - 8} bytes after the length field (or the ${MAX_HEADER_BYTES}-byte limit)`,
      );
    }
    const headerBuf = Buffer.alloc(Number(n));
    readExactly(fd, headerBuf, 8, file, "the JSON header");
    let json: unknown;
    try {
      json = JSON.parse(headerBuf.toString("utf8"));
    } catch (e) {
      throw new InputError(file, 0, `safetensors header is not valid JSON (${(e as Error).message})`);
    }
    if (json === null || typeof json !== "object" || Array.isArray(json))
      throw new InputError(file, 0, "safetensors header is not a JSON object");
    const dataStart = 8 + Number(n);
    const dataBytes = fileSize - dataStart;
    const entries = new Map<string, SafetensorsEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
      if (name === "__metadata__") {
        metadata = (raw ?? {}) as Record<string, string>;
        continue;
      }
      const r = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const bad = (p: string) => new InputError(file, 0, `tensor "${name}": ${p}`);
      if (r === null || typeof r !== "object") throw bad("header entry is not an object");
      if (typeof r.dtype !== "string") throw bad("missing dtype");
      if (!Array.isArray(r.shape) || !r.shape.every((s) => Number.isInteger(s) && s >= 0))
        throw bad(`shape ${JSON.stringify(r.shape)} is not a list of non-negative integers`);
      const off = r.data_offsets;
      if (
        !Array.isArray(off) ||
        off.length !== 2 ||
        !off.every((s) => Number.isInteger(s) && s >= 0) ||
        off[0] > off[1]
      ) {
        throw bad(`data_offsets ${JSON.stringify(off)} is not [begin, end] with 0 ≤ begin ≤ end`);
      }
      if (off[1] > dataBytes)
        throw bad(
          `data_offsets ${JSON.stringify(off)} run past the end of the data block (${dataBytes} bytes): file truncated?`,
        );
      const shape = r.shape as number[];
      const per = SAFETENSORS_DTYPE_BYTES[r.dtype];
      if (per !== undefined && off[1] - off[0] !== tensorShapeSize(shape) * per) {
        throw bad(
          `${off[1] - off[0]} data bytes, but shape ${formatTensorShape(shape)} of ${r.dtype} needs ${tensorShapeSize(shape) * per}`,
        );
      }
      entries.set(name, {
        name,
        dtype: r.dtype,
        shape,
        file,
        start: dataStart + off[0],
        byteLength: off[1] - off[0],
      });
    }
    checkNoOverlap(file, [...entries.values()]);
    return { file, entries, metadata, dataStart, fileSize };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * IEEE 754 binary16 bit pattern → number. sign·2^(e−15)·(1 + m/1024) for 0 < e < 31,
 * sign·2^−14·(m/1024) for e = 0 (subnormals), ±Infinity / NaN for e = 31.
 */
export function float16BitsToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** number → binary16 bit pattern, rounding to nearest, ties to even (overflow → ±Infinity). */
export function numberToFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -24 * 0.5) return sign; // rounds to ±0 (exactly half rounds to even = 0)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1; // guard log2 rounding
  if (e < -14) {
    // subnormal: units of 2^-24
    const m = roundHalfEven(a / 2 ** -24);
    return sign | m; // m may reach 1024, which is the smallest normal: the bit pattern is right
  }
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e += 1;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** bfloat16 bit pattern → number: the upper 16 bits of a float32. */
export function bfloat16BitsToNumber(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

/** number → bfloat16 bit pattern: float32 rounded to its upper 16 bits, nearest, ties to even. */
export function numberToBFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) return 0x7fc0; // NaN
  const rounded = b + 0x7fff + ((b >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

function assertLittleEndianHost(): void {
  if (os.endianness() !== "LE") throw new Error("safetensors reader: big-endian hosts are not supported");
}

/**
 * Read one tensor and return its values as float32 (row-major, length = product of the shape).
 * F32 is read in place; F16 and BF16 are read as 16-bit patterns and widened exactly (every
 * binary16 and bfloat16 value is a float32 value); F64 is rounded to float32. Any other dtype
 * throws InputError naming the file, the tensor and the dtype.
 */
export function readTensorFloat32(entry: SafetensorsEntry): Float32Array {
  assertLittleEndianHost();
  const n = tensorShapeSize(entry.shape);
  const per = SAFETENSORS_DTYPE_BYTES[entry.dtype];
  if (!(SAFETENSORS_FLOAT_DTYPES as readonly string[]).includes(entry.dtype)) {
    const known = per === undefined ? "unknown dtype" : "dtype";
    throw new InputError(
      entry.file,
      0,
      `tensor "${entry.name}" has ${known} ${entry.dtype}; only ${SAFETENSORS_FLOAT_DTYPES.join(", ")} can be read as float weights`,
    );
  }
  const fd = fs.openSync(entry.file, "r");
  try {
    const what = `tensor "${entry.name}"`;
    if (entry.dtype === "F32") {
      const out = new Float32Array(n);
      readExactly(fd, new Uint8Array(out.buffer), entry.start, entry.file, what);
      return out;
    }
    if (entry.dtype === "F64") {
      const raw = new Float64Array(n);
      readExactly(fd, new Uint8Array(raw.buffer), entry.start, entry.file, what);
      return Float32Array.from(raw);
    }
    const raw = new Uint16Array(n);
    readExactly(fd, new Uint8Array(raw.buffer), entry.start, entry.file, what);
    const out = new Float32Array(n);
    if (entry.dtype === "BF16") {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = raw[i] << 16;
    } else {
      for (let i = 0; i < n; i++) out[i] = float16BitsToNumber(raw[i]);
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** One tensor to write with {@link writeSafetensors}. */
export interface SafetensorsTensorIn {
  name: string;
  shape: number[];
  /** The values, or a function giving them when the tensor is written (so a model is streamed out). */
  data: Float32Array | (() => Float32Array | Promise<Float32Array>);
  /** Stored dtype [F32]. F16 and BF16 round to nearest, ties to even. */
  dtype?: "F32" | "F16" | "BF16";
}

const STORED_BYTES = { F32: 4, F16: 2, BF16: 2 } as const;

/**
 * Write float tensors as a safetensors file. The header (compact JSON padded with spaces to a
 * multiple of 8 bytes) is computed from the shapes first; then each tensor's values are fetched,
 * encoded and appended in the order given, so only one tensor is in memory at a time. Atomic like
 * `writeFileAtomic`: everything goes to a temporary sibling that is fsynced and renamed over
 * `file`; on any error the temporary file is removed and `file` is untouched.
 */
export async function writeSafetensors(
  file: string,
  tensors: readonly SafetensorsTensorIn[],
  metadata: Record<string, string> = {},
): Promise<void> {
  assertLittleEndianHost();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let off = 0;
  for (const t of tensors) {
    if (t.name in header) throw new Error(`writeSafetensors: duplicate tensor name "${t.name}"`);
    const dtype = t.dtype ?? "F32";
    const bytes = tensorShapeSize(t.shape) * STORED_BYTES[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let h = Buffer.from(JSON.stringify(header), "utf8");
  if (h.length % 8 !== 0) h = Buffer.concat([h, Buffer.alloc(8 - (h.length % 8), 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length), 0);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    const write = (b: Uint8Array) => {
      let done = 0;
      while (done < b.length) done += fs.writeSync(fd, b, done, b.length - done);
    };
    write(len);
    write(h);
    for (const t of tensors) {
      const data = typeof t.data === "function" ? await t.data() : t.data;
      if (data.length !== tensorShapeSize(t.shape))
        throw new Error(
          `writeSafetensors: tensor "${t.name}" has ${data.length} values for shape ${formatTensorShape(t.shape)}`,
        );
      const dtype = t.dtype ?? "F32";
      if (dtype === "F32") write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else {
        const enc = dtype === "F16" ? numberToFloat16Bits : numberToBFloat16Bits;
        const out = new Uint16Array(data.length);
        for (let i = 0; i < out.length; i++) out[i] = enc(data[i]);
        write(new Uint8Array(out.buffer));
      }
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.renameSync(tmp, file);
}
