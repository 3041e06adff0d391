/**
 * Command-line option parsing shared by the project's CLIs (train, probe, notebooks, reproduce).
 *
 * Every option is checked before a CLI touches anything: numbers are numbers in range, lists are
 * non-empty and have no duplicates, names are known (the message lists the valid ones). A bad
 * option is a {@link UsageError}; {@link runCli} prints it as one line `prog: problem` and exits
 * with status 2, without a stack trace. A bad input file ({@link InputError}, `file:line: problem`)
 * exits 1 with its message; anything else is a bug and prints its stack.
 */
import { InputError } from "../lib/src/util/fsutil";

/** A bad command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What an option takes: a value, or nothing (a flag). */
export type OptionKind = "value" | "flag";

/** Parsed options: values by option name (flags map to "1"), plus positional arguments. */
export interface ParsedArgs {
  options: Map<string, string>;
  positional: string[];
}

/**
 * Parse `--name value`, `--name=value` and `--flag` against the known options. Unknown options,
 * a missing value, an option given twice, and positional arguments where `positional` is false
 * are {@link UsageError}s.
 */
export function parseOptions(
  argv: readonly string[],
  known: Record<string, OptionKind>,
  positional = false,
): ParsedArgs {
  const options = new Map<string, string>();
  const rest: string[] = [];
  const names = Object.keys(known)
    .map((k) => `--${k}`)
    .join(", ");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h") {
      options.set("help", "1");
      continue;
    }
    if (!a.startsWith("--")) {
      if (!positional) throw new UsageError(`unexpected argument "${a}" (options: ${names})`);
      rest.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const kind = known[name];
    if (kind === undefined) throw new UsageError(`unknown option --${name} (options: ${names})`);
    if (options.has(name)) throw new UsageError(`--${name} is given twice`);
    if (kind === "flag") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options.set(name, "1");
      continue;
    }
    const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined || (eq < 0 && v.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
    options.set(name, v);
  }
  return { options, positional: rest };
}

/** An integer option in [min, max]; `raw` as typed. */
export function intOption(name: string, raw: string, min = -Infinity, max = Infinity): number {
  const s = raw.trim();
  if (!/^[+-]?\d+$/.test(s)) throw new UsageError(`--${name} must be an integer, got "${raw}"`);
  const n = Number(s);
  if (n < min || n > max) throw new UsageError(`--${name} must be ${rangeText(min, max)}, got ${n}`);
  return n;
}

/** A finite number option in [min, max]. */
export function numberOption(name: string, raw: string, min = -Infinity, max = Infinity): number {
  const n = raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  if (n < min || n > max) throw new UsageError(`--${name} must be ${rangeText(min, max)}, got ${n}`);
  return n;
}

function rangeText(min: number, max: number): string {
  if (Number.isFinite(min) && Number.isFinite(max)) return `between ${min} and ${max}`;
  if (Number.isFinite(min)) return `at least ${min}`;
  return `at most ${max}`;
}

/**
 * A comma-separated list: non-empty after trimming, no empty items, no duplicates; each item is
 * mapped by `item` (which may throw an Error, reported as a UsageError naming the option).
 */
export function listOption<T>(
  name: string,
  raw: string,
  item: (s: string) => T = (s) => s as unknown as T,
): T[] {
  const parts = raw.split(",").map((x) => x.trim());
  if (parts.length === 0 || parts.every((x) => x === ""))
    throw new UsageError(`--${name} needs at least one value, got "${raw}"`);
  if (parts.some((x) => x === "")) throw new UsageError(`--${name} has an empty item in "${raw}"`);
  const seen = new Set<string>();
  const out: T[] = [];
  for (const p of parts) {
    let v: T;
    try {
      v = item(p);
    } catch (e) {
      throw new UsageError(`--${name}: ${(e as Error).message}`);
    }
    const key = JSON.stringify(v);
    if (seen.has(key)) throw new UsageError(`--${name} lists "${p}" twice`);
    seen.add(key);
    out.push(v);
  }
  return out;
}

/** One of a fixed set of names. */
export function choiceOption<T extends string>(name: string, raw: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${raw}"`);
}

/** Run `value()`, turning any Error it throws into a UsageError naming the option. */
export function checkedOption<T>(name: string, value: () => T): T {
  try {
    return value();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--${name}: ${(e as Error).message}`);
  }
}

/**
 * Run a CLI's main function and exit with its status: a {@link UsageError} prints `prog: problem`
 * and exits 2; an {@link InputError} prints `prog: file:line: problem` and exits 1; any other error
 * is a bug and prints its stack (exit 1).
 */
export function runCli(prog: string, main: () => number | Promise<number>): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (e: unknown) => {
        if (e instanceof UsageError) {
          process.stderr.write(`${prog}: ${e.message} (--help lists the options)\n`);
          process.exit(2);
        }
        if (e instanceof InputError) {
          process.stderr.write(`${prog}: ${e.message}\n`);
          process.exit(1);
        }
        process.stderr.write(`${prog}: ${e instanceof Error ? e.stack : String(e)}\n`);
        process.exit(1);
      },
    );
}
