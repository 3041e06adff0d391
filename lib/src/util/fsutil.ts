/**
 * File helpers that never leave a half-written result behind.
 *
 * Every result file is written to a temporary sibling and renamed over the target, which is
 * atomic on POSIX file systems: a reader sees either the old file or the new one, and an
 * interrupted run leaves at most a stray `*.tmp` file.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Write `data` to `file` atomically (temp file + fsync + rename). Creates parent folders. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Write a value as pretty JSON, atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Append records to a JSON-lines file atomically: the whole file is rewritten through a temp
 * file, so a crash never leaves a torn last line. Fine for result logs of thousands of lines.
 */
export function appendJsonLinesAtomic(file: string, records: readonly unknown[]): void {
  const old = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const sep = old.length > 0 && !old.endsWith("\n") ? "\n" : "";
  writeFileAtomic(file, old + sep + records.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

/** Read a JSON-lines file into an array; blank lines are skipped, bad lines throw with file:line. */
export function readJsonLines<T = unknown>(file: string): T[] {
  const out: T[] = [];
  const lines = fs.readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch (e) {
      throw new InputError(file, i + 1, `invalid JSON (${(e as Error).message})`);
    }
  }
  return out;
}

/**
 * Read a user-supplied file; when it cannot be read, throw an {@link InputError} naming it:
 * `<file>:0: cannot read <what> (<errno code>)<hint>`.
 */
export function readInputFile(file: string, what: string, hint = ""): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new InputError(
      file,
      0,
      `cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})${hint}`,
    );
  }
}

/**
 * An error in a user-supplied input file. Its message always starts with `file:line: ` so that
 * editors and terminals can jump to the offending line.
 */
export class InputError extends Error {
  /** @param file path as given by the user; @param line 1-based line number (0 if not known). */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = "InputError";
  }
}
