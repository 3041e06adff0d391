/**
 * FM-index-constrained beam search and SEAL-style aggregation of generated n-grams into a
 * document ranking (arXiv 2503.18941, inference scaling: the beam size of MINDER's constrained
 * beam search is the inference-compute knob; SEAL: Bevilacqua et al. 2022, §3.2–3.3).
 *
 * Search. A hypothesis is a token sequence that occurs in the corpus (the empty sequence at
 * the start). At each step every live hypothesis h asks the scorer for next-token
 * log-probabilities and the index for the tokens t with h·t in the corpus; only those tokens are
 * candidates, with score(h·t) = score(h) + log p(t | q, h). The `beam` best candidates (ties by
 * token sequence) survive. A hypothesis that cannot be extended (it reaches a document end
 * everywhere it occurs) is finished. Every hypothesis ever kept in the beam is an emitted n-gram
 * — so emitted n-grams are, by construction, n-grams of the corpus (tested against a brute-force
 * scan).
 *
 * Aggregation (SEAL's n-gram weighting, our reading). Two scorings of a document from the
 * emitted n-grams it contains, both with SEAL's weight w(g) below:
 *  - "best" (the default; SEAL's LM scoring, §3.2, with the frequency-corrected weight): the
 *    largest w(g) among them — a document is as good as the best identifier generated for it;
 *  - "sum" (in the spirit of SEAL's intersective scoring, §3.3): the largest total weight of a set
 *    of them in which no two are nested (defined below).
 * Measured on `mini` (1 × 128 generator, 100 test queries, beams 1, 5, 15, 50, 100): with "sum"
 * recall@100 went 0.12, 0.55, 0.675, 0.60, 0.59 — past beam 15 the many low-weight n-grams of a
 * wide beam add up and push positives out of the top 100; with "best" it went 0.12, 0.52, 0.58,
 * 0.65, 0.68, rising with every beam, as the paper's inference scaling has it.
 *
 * The weight of an emitted n-gram g is
 *   w(g) = max(0, log[ P(g|q) · (1 − P(g)) / ( P(g) · (1 − P(g|q)) ) ])
 * with P(g|q) = exp(score(g)) the model's probability of the n-gram and P(g) = F(g)/|corpus| its
 * corpus frequency: an n-gram scores when the model likes it more than its frequency explains.
 * Under "sum", a document's score is the largest total weight of a set of emitted n-grams it
 * contains in which no two are nested on one beam path (one a prefix of the other through the
 * beam's parent links):
 * a chain of nested matches is paid for once, at its best member, so a long match is not also
 * paid for by each of its prefixes — SEAL's rule of scoring overlapping n-grams once (§3.3). The
 * set is found exactly by a pass over the beam's tree (children before parents):
 *   best(g) = max( w(g)·[g in d], Σ over children c of g: best(c) ),  score(d) = Σ over roots best.
 * The score can only grow when a document contains more of the emitted n-grams, so the document
 * that contains the whole of a generated path scores at least as high as one that contains only a
 * prefix of it (an earlier rule, "only the longest member counts", ranked it below such documents
 * whenever the weights fell along the path: a found bug).
 */
import type { Run, RunQuery } from "../eval/types";
import type { NgramIndex, Tokens } from "./ngramindex";

/**
 * Next-token scorer: called with the prefixes of one step (the generated tokens so far) and, for
 * each, its candidate tokens (the corpus continuations, ascending); returns for each prefix the
 * log-probabilities of every token of the vocabulary (indexed by token), or — when the scorer has
 * `scoresCandidates: true` — of its candidates only, in their order (a model then computes and
 * reads back far fewer numbers). May be async (a tfjs model).
 */
export type NextTokenScorer = ((
  prefixes: readonly Int32Array[],
  candidates: readonly Int32Array[],
) => Float32Array[] | Promise<Float32Array[]>) & { scoresCandidates?: boolean };

/** How emitted n-grams become document scores (module comment): "best" or "sum". */
export type NgramScoring = "best" | "sum";

/** Beam-search settings. */
export interface BeamConfig {
  /** Beam size B (the inference-compute knob; the paper sweeps 1, 5, 15, 50, 100). */
  beam: number;
  /** Maximum n-gram length in tokens [10, MINDER's span length]. */
  maxLen: number;
}

/** One emitted n-gram. */
export interface GeneratedNgram {
  tokens: Int32Array;
  /** Sum of the token log-probabilities, log P(g|q). */
  logProb: number;
  /** Corpus occurrences F(g). */
  count: number;
  /** Index of its parent (the n-gram minus its last token) in the output list, −1 at length 1. */
  parent: number;
}

/** Output of {@link constrainedBeamSearch}. */
export interface BeamResult {
  /** Every n-gram that was in the beam at some step, in order of emission. */
  ngrams: GeneratedNgram[];
  /** The final beam (indices into `ngrams`), best first. */
  final: number[];
  /** Scorer calls made (one per step) and prefixes scored (the number of model forwards). */
  steps: number;
  prefixesScored: number;
}

function lexLess(a: Int32Array, b: Int32Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Beam search constrained to corpus n-grams (see the module comment). Returns every n-gram that
 * entered the beam, with its log-probability and corpus count.
 */
export async function constrainedBeamSearch(
  index: NgramIndex,
  scorer: NextTokenScorer,
  config: BeamConfig,
): Promise<BeamResult> {
  const { beam, maxLen } = config;
  if (!(Number.isInteger(beam) && beam >= 1))
    throw new RangeError(`beam must be a positive integer, got ${beam}`);
  if (!(Number.isInteger(maxLen) && maxLen >= 1))
    throw new RangeError(`maxLen must be a positive integer, got ${maxLen}`);
  const ngrams: GeneratedNgram[] = [];
  // The beam: hypotheses with their score, id in `ngrams` (−1 for the empty root) and whether
  // they are finished (no corpus continuation).
  type Hyp = { tokens: Int32Array; logProb: number; id: number; done: boolean };
  let beamHyps: Hyp[] = [{ tokens: new Int32Array(0), logProb: 0, id: -1, done: false }];
  let steps = 0,
    prefixesScored = 0;
  for (let len = 0; len < maxLen; len++) {
    const open = beamHyps.filter((h) => !h.done);
    const exts = open.map((h) => index.extensions(h.tokens));
    open.forEach((h, i) => {
      if (exts[i].tokens.length === 0) h.done = true;
    });
    const expandable = open.filter((h) => !h.done);
    if (expandable.length === 0) break;
    const expExts = exts.filter((e) => e.tokens.length > 0);
    const logps = await scorer(
      expandable.map((h) => h.tokens),
      expExts.map((e) => e.tokens),
    );
    const aligned = scorer.scoresCandidates === true;
    steps++;
    prefixesScored += expandable.length;
    const pool: Array<Hyp & { count: number; parentId: number }> = [];
    expandable.forEach((h, j) => {
      const e = expExts[j],
        lp = logps[j];
      for (let k = 0; k < e.tokens.length; k++) {
        const t = e.tokens[k];
        const v = aligned ? lp[k] : lp[t];
        if (v === undefined)
          throw new RangeError(
            aligned
              ? `scorer returned ${lp.length} log-probabilities for ${e.tokens.length} candidates`
              : `scorer returned ${lp.length} log-probabilities; token ${t} is out of range`,
          );
        const tokens = new Int32Array(h.tokens.length + 1);
        tokens.set(h.tokens);
        tokens[h.tokens.length] = t;
        pool.push({
          tokens,
          logProb: h.logProb + v,
          id: -1,
          done: false,
          count: e.counts[k],
          parentId: h.id,
        });
      }
    });
    // Finished hypotheses compete for beam slots with the new candidates (they keep their score).
    for (const h of beamHyps) if (h.done && h.id >= 0) pool.push({ ...h, count: 0, parentId: -1 });
    pool.sort((a, b) => b.logProb - a.logProb || lexLess(a.tokens, b.tokens));
    beamHyps = pool.slice(0, beam).map((c) => {
      if (c.done) return c;
      const id = ngrams.length;
      ngrams.push({ tokens: c.tokens, logProb: c.logProb, count: c.count, parent: c.parentId });
      return { tokens: c.tokens, logProb: c.logProb, id, done: false };
    });
  }
  const finalIds = beamHyps.filter((h) => h.id >= 0).map((h) => h.id);
  // Final beam: best first.
  finalIds.sort((a, b) => ngrams[b].logProb - ngrams[a].logProb);
  return { ngrams, final: finalIds, steps, prefixesScored };
}

/**
 * SEAL-style n-gram weight (see the module comment):
 *   w = max(0, log(P(g|q)(1 − P(g)) / (P(g)(1 − P(g|q)))),  P(g|q) = exp(logProb), P(g) = count/numTokens.
 * P(g|q) is clamped below 1 − 1e−9 so that a certain n-gram has a finite weight.
 */
export function ngramWeight(logProb: number, count: number, numTokens: number): number {
  const pq = Math.min(Math.exp(logProb), 1 - 1e-9);
  const pc = Math.min(Math.max(count / numTokens, 1e-12), 1 - 1e-9);
  return Math.max(0, Math.log((pq * (1 - pc)) / (pc * (1 - pq))));
}

/** Options of {@link aggregateNgrams}. */
export interface AggregationOptions {
  /** Document scoring ["best"]. */
  scoring?: NgramScoring;
  /** N-grams with more corpus occurrences are skipped (their weight is near zero anyway) [5000]. */
  maxDocsPerNgram?: number;
}

/**
 * Aggregate emitted n-grams into document scores (see the module comment): documents containing
 * at least one n-gram of positive weight, scored by the largest weight among them ("best") or by
 * the best total weight of non-nested emitted n-grams they contain ("sum").
 */
export function aggregateNgrams(
  index: NgramIndex,
  result: BeamResult,
  options: AggregationOptions = {},
): Map<number, number> {
  const scoring = options.scoring ?? "best";
  const maxDocsPerNgram = options.maxDocsPerNgram ?? 5000;
  const { ngrams } = result;
  const w = ngrams.map((g) => ngramWeight(g.logProb, g.count, index.numTokens));
  ngrams.forEach((g, i) => {
    if (g.parent >= i)
      throw new RangeError(`aggregateNgrams: n-gram ${i} has parent ${g.parent}; parents must come first`);
  });
  // For every document: the emitted n-grams it contains (positive weight only).
  const docHits = new Map<number, number[]>();
  ngrams.forEach((g, i) => {
    if (w[i] <= 0 || g.count > maxDocsPerNgram) return;
    const { docs } = index.documents(g.tokens);
    for (const d of docs) {
      let s = docHits.get(d);
      if (!s) docHits.set(d, (s = []));
      s.push(i);
    }
  });
  const scores = new Map<number, number>();
  if (scoring === "best") {
    for (const [d, hits] of docHits) scores.set(d, Math.max(...hits.map((i) => w[i])));
    return scores;
  }
  const best = new Map<number, number>(); // node → Σ best(children) so far, then best(node)
  for (const [d, hits] of docHits) {
    // The hits and all their ancestors, children (larger ids) before parents.
    const hitSet = new Set(hits);
    const nodes = new Set<number>();
    for (const i of hits) for (let p = i; p >= 0 && !nodes.has(p); p = ngrams[p].parent) nodes.add(p);
    const order = [...nodes].sort((a, b) => b - a);
    best.clear();
    let total = 0;
    for (const i of order) {
      const b = Math.max(hitSet.has(i) ? w[i] : 0, best.get(i) ?? 0);
      const p = ngrams[i].parent;
      if (p >= 0) best.set(p, (best.get(p) ?? 0) + b);
      else total += b;
    }
    scores.set(d, total);
  }
  return scores;
}

/** Document scores as a {@link RunQuery} (docnos from `docnos[docId]`), at most `depth` best. */
export function scoresToRunQuery(
  scores: Map<number, number>,
  docnos: readonly string[],
  depth = 100,
): RunQuery {
  const entries = [...scores.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, depth);
  return { docnos: entries.map(([d]) => docnos[d]), scores: Float64Array.from(entries.map(([, s]) => s)) };
}

/**
 * Retrieve for many queries: beam search with `scorerFor(query)` and aggregation (`scoring`
 * ["best"]), one {@link Run} entry per qid (queries with no retrieved document get an empty entry).
 * `concurrency` queries [1] are searched at once (their searches interleave at every scorer call,
 * so a batching scorer such as decoder.ts `batchedModelScorer` can score the beams of all of them in
 * one model call); each query's search is the same as alone, so the run does not depend on it.
 */
export async function generativeRetrievalRun(
  index: NgramIndex,
  queries: ReadonlyArray<{ qid: string; tokens: Tokens }>,
  scorerFor: (queryTokens: Tokens) => NextTokenScorer,
  docnos: readonly string[],
  config: BeamConfig & { depth?: number; scoring?: NgramScoring; concurrency?: number },
): Promise<{ run: Run; prefixesScored: number }> {
  const entries = new Array<RunQuery>(queries.length);
  let prefixesScored = 0;
  const searchOne = async (i: number) => {
    const res = await constrainedBeamSearch(index, scorerFor(queries[i].tokens), config);
    prefixesScored += res.prefixesScored;
    const scores = aggregateNgrams(index, res, { scoring: config.scoring });
    entries[i] = scoresToRunQuery(scores, docnos, config.depth ?? 100);
  };
  const width = Math.max(1, Math.floor(config.concurrency ?? 1));
  for (let s = 0; s < queries.length; s += width) {
    const chunk: Promise<void>[] = [];
    for (let i = s; i < Math.min(s + width, queries.length); i++) chunk.push(searchOne(i));
    await Promise.all(chunk);
  }
  const run: Run = new Map();
  queries.forEach((q, i) => run.set(q.qid, entries[i]));
  return { run, prefixesScored };
}
