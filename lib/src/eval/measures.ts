/**
 * trec_eval-compatible evaluation: per-query measures and their means, matching trec_eval
 * (usnistgov/trec_eval, version 9.0.x/10.0 semantics) value for value.
 *
 * The rules, each taken from trec_eval's source:
 * - **Ranking** (`form_res_rels.c`): score descending, ties broken by docno in descending byte
 *   order (`strcmp(docno2, docno1)`); the rank column of a run file is ignored.
 * - **Depth** `maxDepth` (`-M N`): only the first N ranked documents exist for every measure.
 * - **Relevance** (`-l N`, default 1): a document is relevant iff its qrels grade ≥ N. Documents
 *   absent from the qrels count as grade −1, negative qrels grades as −2 ("judged, unjudged in
 *   pool"), so both are non-relevant for any N ≥ 1 and have gain 0.
 * - **Which queries**: every qrels query (including those with no relevant document, which score 0)
 *   that the run also has; run queries absent from the qrels are ignored; with `complete`
 *   (`-c`) qrels queries missing from the run are added with 0 on every measure (their `num_rel`
 *   is still reported, as trec_eval 10 does) and means divide by the number of qrels queries.
 * - **Means**: sum over queries in byte order of qid, divided by the number of queries; `num_ret`,
 *   `num_rel`, `num_rel_ret` are sums and `num_q` is the count (trec_eval `meas_avg.c`). Quirk kept
 *   from trec_eval (`m_num_rel.c`): with `complete`, the summary `num_rel` counts judgments with
 *   grade > 0 over all qrels queries, whatever the relevance level.
 */
import type { Qrels, Run, RunQuery } from "./types";
import { compareDocnos, rankQuery, sortedQids } from "./ranking";

/** Options of {@link evaluate}; each mirrors a trec_eval flag. */
export interface EvalOptions {
  /** `-l N`: minimum grade that counts as relevant for binary measures (not nDCG). Default 1. */
  relevanceLevel?: number;
  /** `-M N`: evaluate only the top N documents of each ranking. Default: all. */
  maxDepth?: number;
  /** `-c`: average over all qrels queries; queries missing from the run score 0. Default false. */
  complete?: boolean;
  /**
   * nDCG gain: `"linear"` = the grade itself (trec_eval, Järvelin & Kekäläinen 2002; default) or
   * `"burges"` = 2^grade − 1 (Burges et al. 2005; not a trec_eval option).
   */
  gain?: "linear" | "burges";
}

/** Per-query values and means from {@link evaluate}. */
export interface EvalResult {
  /** Output measure names in trec_eval's print order, e.g. `["num_q", "map", "P_10", "ndcg_cut_10"]`. */
  measures: string[];
  /** Evaluated query ids in trec_eval's order (byte order). */
  qids: string[];
  /** 1 where the query was absent from the run and added by `complete`, else 0. */
  missing: Uint8Array;
  /** Measure name → value per query (aligned with `qids`). */
  perQuery: Record<string, Float64Array>;
  /** Measure name → summary value (mean, or sum/count for `num_*`), as trec_eval's `all` line. */
  means: Record<string, number>;
  /** Number of queries averaged over (trec_eval's `num_q`). */
  numQueries: number;
  /** The options used, with defaults filled in. */
  options: Required<EvalOptions>;
}

/** Measures whose summary is a sum (or count) and whose values print as integers. */
export const INTEGER_MEASURES: ReadonlySet<string> = new Set(["num_q", "num_ret", "num_rel", "num_rel_ret"]);

/** Base measures supported, in trec_eval's print order (`measures.c`): the default set of `npm run evaluate`. */
export const MEASURE_ORDER = [
  "num_q",
  "num_ret",
  "num_rel",
  "num_rel_ret",
  "map",
  "Rprec",
  "recip_rank",
  "P",
  "recall",
  "ndcg",
  "ndcg_cut",
] as const;
type Base = (typeof MEASURE_ORDER)[number];
const CUTOFF_MEASURES = new Set<Base>(["P", "recall", "ndcg_cut"]);
/** trec_eval's default cutoffs for P, recall and ndcg_cut. */
const DEFAULT_CUTOFFS = [5, 10, 15, 20, 30, 100, 200, 500, 1000];

/** A parsed measure request: a base measure and, for P/recall/ndcg_cut, ascending cutoffs. */
export interface MeasureSpec {
  base: string;
  cutoffs: number[];
  /** Output names, e.g. `P_5`, `P_10`. */
  names: string[];
}

/**
 * Parse trec_eval `-m` arguments (`map`, `P.10`, `P.5,10`, `ndcg_cut.10`, `recall`, ...) into
 * measure specs in trec_eval's print order. As in trec_eval (`meas_init.c`): a cutoff list is
 * comma-separated, sorted ascending, must be positive and without duplicates; a measure given
 * without a list gets the defaults 5,10,15,20,30,100,200,500,1000; if a measure is given with
 * several lists, the first list wins. `official` is not supported (it needs measures this module
 * does not implement); unknown names throw.
 */
export function parseMeasures(requests: readonly string[]): MeasureSpec[] {
  const marked = new Set<Base>();
  const params = new Map<Base, string>();
  for (const r of requests) {
    const dot = r.indexOf(".");
    const name = (dot < 0 ? r : r.slice(0, dot)) as Base;
    if (!(MEASURE_ORDER as readonly string[]).includes(name)) {
      throw new RangeError(
        `unknown measure "${r}" (supported: ${MEASURE_ORDER.join(", ")}; cutoffs as P.10 or P.5,10)`,
      );
    }
    if (dot >= 0) {
      const p = r.slice(dot + 1);
      if (p === "") throw new RangeError(`measure "${r}": empty parameter list`);
      if (!CUTOFF_MEASURES.has(name)) throw new RangeError(`measure "${name}" takes no parameters`);
      if (!params.has(name)) params.set(name, p);
    }
    marked.add(name);
  }
  const out: MeasureSpec[] = [];
  for (const base of MEASURE_ORDER) {
    if (!marked.has(base)) continue;
    if (!CUTOFF_MEASURES.has(base)) {
      out.push({ base, cutoffs: [], names: [base] });
      continue;
    }
    let cutoffs = DEFAULT_CUTOFFS;
    const p = params.get(base);
    if (p !== undefined) {
      cutoffs = p.split(",").map((t) => {
        if (!/^\d+$/.test(t.trim()))
          throw new RangeError(`measure "${base}.${p}": cutoff "${t}" is not a positive integer`);
        return Number(t.trim());
      });
      cutoffs.sort((a, b) => a - b);
      if (cutoffs[0] <= 0) throw new RangeError(`measure "${base}.${p}": cutoffs must be positive`);
      for (let i = 1; i < cutoffs.length; i++) {
        if (cutoffs[i] === cutoffs[i - 1])
          throw new RangeError(`measure "${base}.${p}": duplicate cutoff ${cutoffs[i]}`);
      }
    }
    out.push({ base, cutoffs, names: cutoffs.map((k) => `${base}_${k}`) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Low-level kernel: typed arrays, no per-document objects.

/** LOG2[r] = log2(r + 1): the discount of rank r (1-based), grown on demand. */
let LOG2 = new Float64Array(0);
function discounts(n: number): Float64Array {
  if (LOG2.length <= n) {
    const t = new Float64Array(Math.max(n + 1, 2 * LOG2.length, 1025));
    for (let r = 1; r < t.length; r++) t[r] = Math.log2(r + 1);
    LOG2 = t;
  }
  return LOG2;
}

/** Reusable scratch space. */
let SCR_IDX = new Int32Array(1024); // run indices of "interesting" docs
let SCR_RANK = new Int32Array(1024);
let SCR_REL = new Uint8Array(1024);
let SCR_GAIN = new Float64Array(1024);
function ensureScratch(n: number): void {
  if (SCR_IDX.length < n) {
    const m = Math.max(n, 2 * SCR_IDX.length);
    SCR_IDX = new Int32Array(m);
    SCR_RANK = new Int32Array(m);
    SCR_REL = new Uint8Array(m);
    SCR_GAIN = new Float64Array(m);
  }
}

/** Above this many relevant-or-gainful retrieved docs, rank by a full sort instead of counting. */
const COUNT_LIMIT = 24;

/** Per-qrels-query facts that do not depend on the run. */
interface QrelsFacts {
  numRel: number; // grades >= level (and >= 0)
  numPositive: number; // grades > 0 (the -c num_rel quirk)
  ideal: Float64Array; // gains > 0, descending
}

function qrelsFacts(m: Map<string, number>, level: number, burges: boolean): QrelsFacts {
  let numRel = 0;
  let numPositive = 0;
  const gains: number[] = [];
  for (const g of m.values()) {
    if (g >= 0 && g >= level) numRel++;
    if (g > 0) {
      numPositive++;
      gains.push(burges ? 2 ** g - 1 : g);
    }
  }
  const ideal = Float64Array.from(gains).sort().reverse();
  return { numRel, numPositive, ideal };
}

/** The requested measures and where each one's values go in a query's value vector. */
interface Sink {
  specs: MeasureSpec[];
  off: number[]; // off[specIndex] = index of the spec's first output value
}

/** A query's run as evalQuery reads it. */
type QueryRun = { docnos: string[]; scores: Float64Array };

/** Gain of grade g: g (trec_eval's linear gain) or 2^g − 1 (Burges et al.); 0 for g ≤ 0. */
function gainOf(g: number, burges: boolean): number {
  return g > 0 ? (burges ? 2 ** g - 1 : g) : 0;
}

/**
 * relevanceLevel ≤ −1: every retrieved document can be relevant, so rank all of them (full sort)
 * and keep the top `depth`. rel bit 0: relevant for the measures; bit 1: counted by num_rel_ret,
 * which trec_eval (form_res_rels.c) counts over judged documents (grade ≥ 0) only.
 */
function collectAllRetrieved(
  q: QueryRun,
  m: Map<string, number>,
  o: Required<EvalOptions>,
  depth: number,
): number {
  const burges = o.gain === "burges";
  const order = rankQuery(q);
  for (let r = 0; r < depth; r++) {
    const i = order[r];
    const g0 = m.get(q.docnos[i]);
    const eff = g0 === undefined ? -1 : g0 >= 0 ? g0 : -2;
    SCR_IDX[r] = i;
    SCR_RANK[r] = r + 1;
    SCR_REL[r] = eff >= o.relevanceLevel ? (eff >= 0 ? 3 : 1) : 0;
    SCR_GAIN[r] = gainOf(eff, burges);
  }
  return depth;
}

/**
 * The retrieved documents that are relevant or carry gain. Without `order`, in run order with
 * ranks still to be computed; with `order` (the run ranked), the top `depth` in rank order with
 * their ranks.
 */
function collectJudged(
  q: QueryRun,
  m: Map<string, number>,
  o: Required<EvalOptions>,
  order?: ArrayLike<number>,
  depth = 0,
): number {
  const burges = o.gain === "burges";
  const n = order ? depth : q.docnos.length;
  let k = 0;
  for (let r = 0; r < n; r++) {
    const i = order ? order[r] : r;
    const g = m.get(q.docnos[i]);
    if (g === undefined || g < 0) continue;
    const isRel = g >= o.relevanceLevel;
    if (!isRel && g <= 0) continue;
    SCR_IDX[k] = i;
    SCR_RANK[k] = r + 1;
    SCR_REL[k] = isRel ? 3 : 0;
    SCR_GAIN[k] = gainOf(g, burges);
    k++;
  }
  return k;
}

/** rank(d) = 1 + #{e : s_e > s_d} + #{e : s_e = s_d, docno_e > docno_d}, counted for each of the k collected docs. */
function countRanks(q: QueryRun, k: number): void {
  const d = q.docnos,
    s = q.scores,
    n = d.length;
  for (let j = 0; j < k; j++) {
    const i = SCR_IDX[j];
    const sj = s[i];
    let r = 1;
    for (let e = 0; e < n; e++) {
      const se = s[e];
      if (se > sj) r++;
      else if (se === sj && e !== i && compareDocnos(d[e], d[i]) > 0) r++;
    }
    SCR_RANK[j] = r;
  }
}

/** Insertion sort of the k collected docs (and their rel and gain) by rank. */
function sortByRank(k: number): void {
  for (let a = 1; a < k; a++) {
    const ri = SCR_RANK[a],
      ii = SCR_IDX[a],
      li = SCR_REL[a],
      gi = SCR_GAIN[a];
    let b = a - 1;
    while (b >= 0 && SCR_RANK[b] > ri) {
      SCR_RANK[b + 1] = SCR_RANK[b];
      SCR_IDX[b + 1] = SCR_IDX[b];
      SCR_REL[b + 1] = SCR_REL[b];
      SCR_GAIN[b + 1] = SCR_GAIN[b];
      b--;
    }
    SCR_RANK[b + 1] = ri;
    SCR_IDX[b + 1] = ii;
    SCR_REL[b + 1] = li;
    SCR_GAIN[b + 1] = gi;
  }
}

/**
 * The judged docs with their ranks, sorted by rank and cut at `depth`: ranks by counting when
 * there are at most COUNT_LIMIT of them, else from a full sort of the run.
 */
function rankJudged(q: QueryRun, m: Map<string, number>, o: Required<EvalOptions>, depth: number): number {
  let k = collectJudged(q, m, o);
  if (k > 0 && k <= COUNT_LIMIT) {
    countRanks(q, k);
    sortByRank(k);
  } else if (k > COUNT_LIMIT) {
    k = collectJudged(q, m, o, rankQuery(q), depth);
  }
  while (k > 0 && SCR_RANK[k - 1] > depth) k--; // drop documents below the depth cut
  return k;
}

/** AP = (1/R) Σ_{relevant d retrieved} (relevant at or above d) / rank(d); 0 if none retrieved. */
function averagePrecision(k: number, numRel: number): number {
  let sum = 0,
    so = 0;
  for (let j = 0; j < k; j++)
    if (SCR_REL[j]) {
      so++;
      sum += so / SCR_RANK[j];
    }
  return so ? sum / numRel : 0;
}

/** nDCG@cut for each cutoff: Σ_{rank ≤ cut} gain/log2(rank+1) ÷ the ideal ordering's; DCG itself when the ideal is 0. */
function ndcgCuts(
  spec: MeasureSpec,
  k: number,
  ideal: Float64Array,
  L: Float64Array,
  out: Float64Array,
  o0: number,
) {
  let j = 0,
    dcg = 0,
    i = 0,
    idcg = 0;
  for (let ci = 0; ci < spec.cutoffs.length; ci++) {
    const cut = spec.cutoffs[ci];
    while (j < k && SCR_RANK[j] <= cut) {
      if (SCR_GAIN[j] > 0) dcg += SCR_GAIN[j] / L[SCR_RANK[j]];
      j++;
    }
    const lim = Math.min(cut, ideal.length);
    if (L.length <= lim) discounts(lim);
    for (; i < lim; i++) idcg += ideal[i] / LOG2[i + 1];
    out[o0 + ci] = idcg > 0 ? dcg / idcg : dcg;
  }
}

/** nDCG = Σ_{retrieved} gain(d)/log2(rank+1) ÷ Σ_{i≥1} ideal_i/log2(i+1); 0 without relevant docs. */
function ndcgFull(k: number, ideal: Float64Array, L: Float64Array): number {
  if (ideal.length === 0) return 0;
  let dcg = 0,
    idcg = 0;
  for (let j = 0; j < k; j++) if (SCR_GAIN[j] !== 0) dcg += SCR_GAIN[j] / L[SCR_RANK[j]];
  for (let i = 0; i < ideal.length; i++) idcg += ideal[i] / L[i + 1];
  return idcg > 0 ? dcg / idcg : 0;
}

/** P@k = hits/k and recall@k = hits/R for each cutoff. */
function cutoffCounts(spec: MeasureSpec, k: number, numRel: number, out: Float64Array, o0: number): void {
  const isP = spec.base === "P";
  let j = 0,
    cnt = 0;
  for (let ci = 0; ci < spec.cutoffs.length; ci++) {
    const cut = spec.cutoffs[ci];
    while (j < k && SCR_RANK[j] <= cut) cnt += SCR_REL[j++] & 1;
    out[o0 + ci] = isP ? cnt / cut : numRel === 0 ? 0 : cnt / numRel;
  }
}

/** The value(s) of one measure from the k ranked judged docs, written at out[o0…]. */
function writeMeasure(
  spec: MeasureSpec,
  k: number,
  depth: number,
  facts: QrelsFacts,
  L: Float64Array,
  out: Float64Array,
  o0: number,
): void {
  const numRel = facts.numRel;
  switch (spec.base as Base) {
    case "num_q":
      out[o0] = 1;
      return;
    case "num_ret":
      out[o0] = depth;
      return;
    case "num_rel":
      out[o0] = numRel;
      return;
    case "num_rel_ret": {
      let cnt = 0;
      for (let j = 0; j < k; j++) cnt += SCR_REL[j] >> 1;
      out[o0] = cnt;
      return;
    }
    case "map":
      out[o0] = averagePrecision(k, numRel);
      return;
    case "Rprec": {
      // R-precision = (relevant in top min(R, num_ret)) / R
      const look = Math.min(depth, numRel);
      let cnt = 0;
      for (let j = 0; j < k && SCR_RANK[j] <= look; j++) cnt += SCR_REL[j] & 1;
      out[o0] = look === 0 ? 0 : cnt / numRel;
      return;
    }
    case "recip_rank": {
      let j = 0;
      while (j < k && !SCR_REL[j]) j++;
      out[o0] = j < k ? 1 / SCR_RANK[j] : 0;
      return;
    }
    case "P":
    case "recall":
      cutoffCounts(spec, k, numRel, out, o0);
      return;
    case "ndcg":
      out[o0] = ndcgFull(k, facts.ideal, L);
      return;
    case "ndcg_cut":
      ndcgCuts(spec, k, facts.ideal, L, out, o0);
      return;
  }
}

/**
 * Evaluate one query. Ranks are computed only for retrieved documents that are relevant or carry
 * gain ("interesting" docs): by counting the documents ranked above each one when there are few,
 * else by a full sort (see {@link rankJudged}); then every requested measure is written.
 */
function evalQuery(
  q: QueryRun | null,
  m: Map<string, number>,
  facts: QrelsFacts,
  o: Required<EvalOptions>,
  sink: Sink,
  out: Float64Array,
): void {
  const n = q ? q.docnos.length : 0;
  const depth = Math.min(n, o.maxDepth);
  ensureScratch(n + 1);
  let k = 0;
  if (q && n > 0) {
    for (let i = 0; i < n; i++)
      if (q.scores[i] !== q.scores[i]) throw new RangeError(`NaN score for docno ${q.docnos[i]}`);
    k = o.relevanceLevel <= -1 ? collectAllRetrieved(q, m, o, depth) : rankJudged(q, m, o, depth);
  }
  const L = discounts(Math.max(depth, facts.ideal.length, 1));
  for (let si = 0; si < sink.specs.length; si++)
    writeMeasure(sink.specs[si], k, depth, facts, L, out, sink.off[si]);
}

/**
 * Evaluate `run` against `qrels` with trec_eval's semantics (see the module comment) and return
 * per-query values and means.
 *
 * Measures (trec_eval names; R = relevant docs in the qrels at level ≥ `relevanceLevel`,
 * rel(i) = 1 if the doc at rank i is relevant, N = number retrieved after `maxDepth`):
 * - `map`: AP = (1/R) Σ_{i: rel(i)=1} (Σ_{j≤i} rel(j)) / i; 0 if no relevant doc retrieved.
 * - `recip_rank`: 1 / (rank of the first relevant doc); no cutoff (use `maxDepth: 10` for MRR@10).
 * - `P.k`: (Σ_{i≤k} rel(i)) / k, always divided by k even if fewer were retrieved.
 * - `recall.k`: (Σ_{i≤k} rel(i)) / R (0 when R = 0).
 * - `Rprec`: (Σ_{i≤min(R,N)} rel(i)) / R.
 * - `ndcg`: Σ_{i≤N} g(i)/log2(i+1) ÷ Σ_{i} g*(i)/log2(i+1), g = the grade (linear gain; grade
 *   ≤ 0 gives 0; the `-l` level plays no part), g* = all positive judged gains sorted descending.
 * - `ndcg_cut.k`: the same with both sums cut at rank k.
 * - `num_q`, `num_ret` (N), `num_rel` (R), `num_rel_ret`.
 *
 * Results are keyed by trec_eval's printed names: `"P.5,10"` gives `P_5` and `P_10`,
 * `"ndcg_cut.10"` gives `ndcg_cut_10`.
 *
 * @example evaluate(qrels, run, ["ndcg_cut.10", "map", "recip_rank"], { maxDepth: 1000 }).means
 */
export function evaluate(
  qrels: Qrels,
  run: Run,
  measures: readonly string[],
  options: EvalOptions = {},
): EvalResult {
  const ev = new Evaluator(qrels, measures, options);
  for (const [qid, q] of run) ev.add(qid, q);
  return ev.finish();
}

/**
 * Incremental form of {@link evaluate} for streaming: `add` each run query as it is read (it is
 * evaluated at once and can then be dropped), `finish` assembles the result. Adding the same
 * query twice throws. `evaluate(q, r, m, o)` equals adding every query of `r` then `finish()`.
 */
export class Evaluator {
  private readonly o: Required<EvalOptions>;
  private readonly specs: MeasureSpec[];
  private readonly sink: Sink;
  private readonly width: number;
  private readonly rows = new Map<string, Float64Array>();

  constructor(
    private readonly qrels: Qrels,
    measures: readonly string[],
    options: EvalOptions = {},
  ) {
    const o: Required<EvalOptions> = {
      relevanceLevel: options.relevanceLevel ?? 1,
      maxDepth: options.maxDepth ?? Infinity,
      complete: options.complete ?? false,
      gain: options.gain ?? "linear",
    };
    if (!Number.isInteger(o.relevanceLevel))
      throw new RangeError(`relevanceLevel must be an integer, got ${o.relevanceLevel}`);
    if (!(o.maxDepth >= 0) || (o.maxDepth !== Infinity && !Number.isInteger(o.maxDepth))) {
      throw new RangeError(`maxDepth must be a non-negative integer, got ${o.maxDepth}`);
    }
    if (o.gain !== "linear" && o.gain !== "burges")
      throw new RangeError(`gain must be "linear" or "burges", got ${o.gain}`);
    this.o = o;
    this.specs = parseMeasures(measures);
    const off: number[] = [];
    let w = 0;
    for (const sp of this.specs) {
      off.push(w);
      w += sp.names.length;
    }
    this.width = w;
    this.sink = { specs: this.specs, off };
  }

  /** Evaluate one run query now (ignored when the qrels do not have it). */
  add(qid: string, q: RunQuery): void {
    const m = this.qrels.get(qid);
    if (!m) return;
    if (this.rows.has(qid)) throw new RangeError(`Evaluator: query ${qid} added twice`);
    const out = new Float64Array(this.width);
    evalQuery(q, m, qrelsFacts(m, this.o.relevanceLevel, this.o.gain === "burges"), this.o, this.sink, out);
    this.rows.set(qid, out);
  }

  /** Per-query values and means over the queries added (plus missing ones when `complete`). */
  finish(): EvalResult {
    const o = this.o;
    const qids = sortedQids(this.qrels).filter((qid) => o.complete || this.rows.has(qid));
    const n = qids.length;
    const missing = new Uint8Array(n);
    const names = this.specs.flatMap((sp) => sp.names);
    const perQuery: Record<string, Float64Array> = {};
    for (const name of names) perQuery[name] = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let row = this.rows.get(qids[r]);
      if (!row) {
        missing[r] = 1;
        const m = this.qrels.get(qids[r])!;
        row = new Float64Array(this.width);
        evalQuery(null, m, qrelsFacts(m, o.relevanceLevel, o.gain === "burges"), o, this.sink, row);
      }
      for (let c = 0; c < names.length; c++) perQuery[names[c]][r] = row[c];
    }
    let positiveAll = 0;
    if (o.complete) for (const m of this.qrels.values()) for (const g of m.values()) if (g > 0) positiveAll++;
    const means: Record<string, number> = {};
    for (const name of names) {
      const col = perQuery[name];
      let sum = 0;
      for (let r = 0; r < n; r++) sum += col[r];
      if (name === "num_q") means[name] = n;
      else if (name === "num_rel" && o.complete) means[name] = positiveAll;
      else if (INTEGER_MEASURES.has(name)) means[name] = sum;
      else means[name] = n > 0 ? sum / n : 0;
    }
    return { measures: names, qids, missing, perQuery, means, numQueries: n, options: { ...o } };
  }
}

/** The project's standard record keys (CheckpointRecord.metrics) and what each one is. */
export const STANDARD_METRICS = {
  "ndcg@10": "trec_eval ndcg_cut.10 (linear gain), mean over queries",
  map: "trec_eval map (full ranking)",
  "mrr@10": "trec_eval recip_rank with -M 10 (MS MARCO MRR@10)",
  "recall@10": "trec_eval recall.10",
  "p@10": "trec_eval P.10",
} as const;

/**
 * The five headline metrics of the project, as means over the qrels queries the run has:
 * `{ "ndcg@10", "map", "mrr@10", "recall@10", "p@10" }` — trec_eval `ndcg_cut.10`, `map`,
 * `recip_rank` under `-M 10`, `recall.10`, `P.10` (see {@link STANDARD_METRICS}).
 * `relevanceLevel` applies to the binary measures (use 2 for TREC DL passage qrels, per the
 * paper's convention, arXiv 2603.04816); nDCG always uses the graded labels.
 */
export function standardMetrics(
  qrels: Qrels,
  run: Run,
  options: { relevanceLevel?: number } = {},
): Record<string, number> {
  const level = options.relevanceLevel ?? 1;
  const full = evaluate(qrels, run, ["map", "P.10", "recall.10", "ndcg_cut.10"], { relevanceLevel: level });
  const mrr = evaluate(qrels, run, ["recip_rank"], { relevanceLevel: level, maxDepth: 10 });
  return {
    "ndcg@10": full.means["ndcg_cut_10"],
    map: full.means["map"],
    "mrr@10": mrr.means["recip_rank"],
    "recall@10": full.means["recall_10"],
    "p@10": full.means["P_10"],
  };
}

/**
 * C printf("%.4f") formatting: like `toFixed(4)` except that exact binary ties (e.g. 0.03125)
 * round half to even, as glibc does, where `toFixed` rounds them up.
 */
export function formatFixed4(x: number): string {
  const a = Math.abs(x);
  const exact = a.toFixed(20); // exact digits: a double's spacing near |x| < 2^40 is > 1e-20
  const dot = exact.indexOf(".");
  if (exact.slice(dot + 5) !== "5000000000000000") return x.toFixed(4);
  const truncated = exact.slice(0, dot + 5);
  const lastDigit = truncated.charCodeAt(truncated.length - 1) - 48;
  const even = lastDigit % 2 === 0 ? truncated : (Number(truncated) + 0.0001).toFixed(4);
  return (x < 0 ? "-" : "") + even;
}

/**
 * Format a result as trec_eval prints it: lines `measure<TAB>qid<TAB>value` (measure name padded
 * to 22 characters, as `%-22s`), per query when `perQuery` (`-q`; `num_q` has no per-query
 * line), then the `all` lines. Values print with 4 decimals (`%6.4f`, integers for `num_*`), or
 * with `fullPrecision` in JavaScript's shortest round-trip form.
 */
export function formatTrecEval(
  result: EvalResult,
  opts: { perQuery?: boolean; fullPrecision?: boolean } = {},
): string {
  const out: string[] = [];
  const fmt = (name: string, v: number) =>
    INTEGER_MEASURES.has(name) ? String(Math.trunc(v)) : opts.fullPrecision ? String(v) : formatFixed4(v);
  if (opts.perQuery) {
    for (let r = 0; r < result.qids.length; r++) {
      for (const name of result.measures) {
        if (name === "num_q") continue;
        out.push(`${name.padEnd(22)}\t${result.qids[r]}\t${fmt(name, result.perQuery[name][r])}`);
      }
    }
  }
  for (const name of result.measures) out.push(`${name.padEnd(22)}\tall\t${fmt(name, result.means[name])}`);
  return out.join("\n") + (out.length ? "\n" : "");
}
