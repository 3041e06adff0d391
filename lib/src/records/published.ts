/**
 * Published scaling-law numbers (the reranker paper's joint NDCG@10 parameters, the allocation
 * exponents they imply, the generative-retrieval paper's CGL series and its refit), read from a
 * JSON data file written by hand from the papers (arXiv 2603.04816, arXiv 2503.18941) and the
 * authors' repositories (rahulseetharaman/cross-encoder-scaling, HongruCai/SLGR). Every block names
 * its paper and the table or file its numbers come from. The file is data of the library,
 * `lib/data/published.json`; tests and notebooks read the same one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../util/fsutil";
import type { Objective } from "./types";

/** Joint-law parameters by name. */
export interface NamedJointParams {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
}

/** A published (x, CGL) series. */
export interface CglSeries {
  x: number[];
  cgl: number[];
}

/** Where a block of published numbers comes from. */
export interface PublishedSource {
  /** The paper: arXiv id and the part of it the numbers belong to. */
  paper: string;
  /** The table or file the numbers are copied from, or how they are derived from another block. */
  table: string;
  /** Further detail (what x and y are, the fit's settings). */
  source: string;
}

/** The blocks of the published numbers file. */
export const PUBLISHED_BLOCKS = [
  "rerankerJointNdcg10",
  "rerankerAllocationExponents",
  "rerankerEqualCompute",
  "cglSeries",
  "cglRefit",
] as const;

/** The published numbers file. */
export interface PublishedLaws {
  rerankerJointNdcg10: Record<Objective, NamedJointParams> & PublishedSource;
  rerankerAllocationExponents: Record<Objective, { n: number; d: number }> & PublishedSource;
  rerankerEqualCompute: Record<Objective, { small: number; large: number }> &
    PublishedSource & {
      small: { params: number; step: number };
      large: { params: number; step: number };
    };
  cglSeries: Record<"minderT5" | "minderLlama" | "minderLlama7bData" | "riporT5" | "riporLlama", CglSeries> &
    PublishedSource;
  cglRefit: PublishedSource & {
    minderT5: { a: number; b: number; c: number; r2: number };
    minderT5AuthorsScript: { b: number; c: number };
    minderLlama7bData: { b: number; c: number };
  };
}

/** Location of the published numbers: `lib/data/published.json` beside the library (from `src/` and `dist/` alike). */
export function publishedLawsPath(): string {
  return path.join(__dirname, "..", "..", "data", "published.json");
}

/**
 * Read and check the published numbers. Throws `InputError(file, 0, problem)` when a block is
 * missing or does not name its paper (an arXiv id) and table, when a number is not finite, or when
 * a series has mismatched lengths.
 */
export function readPublishedLaws(file: string = publishedLawsPath()): PublishedLaws {
  let v: PublishedLaws;
  try {
    v = JSON.parse(fs.readFileSync(file, "utf8")) as PublishedLaws;
  } catch (e) {
    throw new InputError(file, 0, `cannot read published numbers (${(e as Error).message})`);
  }
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new InputError(file, 0, what);
  };
  const num = (x: unknown) => typeof x === "number" && Number.isFinite(x);
  for (const name of PUBLISHED_BLOCKS) {
    const b = v[name] as Partial<PublishedSource> | undefined;
    need(!!b, `block ${name} is missing`);
    need(/arXiv \d{4}\.\d{4,5}/.test(b!.paper ?? ""), `${name}.paper must name the paper by arXiv id`);
    need((b!.table ?? "").trim().length > 0, `${name}.table must name the table or file of its numbers`);
  }
  for (const o of ["listwise", "pairwise", "pointwise"] as const) {
    const p = v.rerankerJointNdcg10?.[o];
    need(
      !!p && ["a", "b", "c", "d", "e"].every((k) => num((p as unknown as Record<string, unknown>)[k])),
      `rerankerJointNdcg10.${o} needs numbers a..e`,
    );
    need(
      num(v.rerankerAllocationExponents?.[o]?.n) && num(v.rerankerAllocationExponents?.[o]?.d),
      `rerankerAllocationExponents.${o} needs n and d`,
    );
  }
  for (const [name, s] of Object.entries(v.cglSeries ?? {})) {
    if (name === "source" || name === "paper" || name === "table") continue;
    const ser = s as CglSeries;
    need(
      Array.isArray(ser.x) &&
        Array.isArray(ser.cgl) &&
        ser.x.length === ser.cgl.length &&
        ser.x.every(num) &&
        ser.cgl.every(num),
      `cglSeries.${name} needs equal-length numeric x and cgl`,
    );
  }
  need(num(v.cglRefit?.minderT5?.b) && num(v.cglRefit?.minderT5?.c), "cglRefit.minderT5 needs b and c");
  return v;
}
