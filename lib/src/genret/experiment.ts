/**
 * The generative-retrieval scaling experiment (Cai et al., arXiv 2503.18941): train decoder-only
 * generators of several sizes and on several data fractions, for n-gram identifiers (MINDER
 * style, body spans) and for semantic docids (hierarchical k-means, the RIPOR contrast), and
 * encoder–decoder generators (encdec.ts, the paper's T5 side) of matched size on the same n-gram
 * pairs; measure CGL (HongruCai/SLGR) on test queries against the ln(1 + 1/K) ceiling, and the
 * retrieval quality of every n-gram model under constrained beam search for several beam sizes
 * with its inference FLOPs (the paper's inference scaling; laws and comparisons in inference.ts).
 *
 * Pipeline per model:
 *  1. data: passages and queries tokenised with the dataset's word tokenizer; positives of a
 *     query = documents with grade ≥ `minGrade`;
 *  2. training pairs: n-gram — `trainSpans` spans of every positive per training query
 *     (pairs.ts; query stopwords never count as matches; spans seeded per query so that data
 *     fractions are nested pair by pair); docid — (query → docid) per positive, repeated
 *     `trainSpans` times so both methods take the same number of steps, plus one indexing pair
 *     per document (a sampled span of the document → its docid, as DSI's indexing task: without
 *     it no test document's docid is ever seen, since every query has its own source document);
 *  3. training: teacher forcing, token-averaged loss, AdamW, `epochs` passes (the paper trains 1
 *     epoch of pretrained models; ours start from scratch and need several, see `epochs`),
 *     decoders with copy initialisation (decoder.ts);
 *  4. CGL: the first `cglQueries` test queries with positives, K = 256 uniform negatives drawn
 *     from one seeded stream (identical for every model), identifiers: n-gram — `idSpans` spans
 *     of `spanLen` tokens sampled per (query, document) from a (query, document)-derived seed (so
 *     identical for every model); docid — the docid; loss = Σ NLL / Σ tokens over the identifier;
 *  5. retrieval: constrained beam search over the n-gram index with each beam size, SEAL-style
 *     aggregation (`scoring`), recall@k / nDCG@10 / MRR by the evaluation module (binary
 *     relevance at `minGrade`); inference FLOPs counted per scored prefix (decoder.ts).
 */
import { createRng, deriveSeed } from "../util/rng";
import type { GeneratorConfig } from "../data/generator";
import type { ScheduleConfig } from "../train/schedule";
import { LUCENE_ENGLISH_STOPWORDS } from "../data/analyzer";
import type { ProfileName } from "../util/profile";
import type { Qrels, Run } from "../eval/types";
import { evaluate } from "../eval/measures";
import { fitLaw, type LawFit } from "../laws/fit";
import { chinchillaLaw, inversePowerLaw } from "../laws/forms";
import { buildNgramIndex, type NgramIndex } from "./ngramindex";
import { generativeRetrievalRun, type NgramScoring } from "./beam";
import { CGL_NEGATIVES, computeCgl, meanWithError } from "./cgl";
import { buildDocidPairs, buildSpanPairs, nestedFraction, sampleSpans, type GenPair } from "./pairs";
import { docidTokenSequences, docidVocabSize, documentVectors, hierarchicalKMeans } from "./docids";
import {
  batchedModelScorer,
  genParamCounts,
  genTierConfig,
  type GenArch,
  pairNll,
  trainGenerator,
  type GenConfig,
  type GenDecoder,
} from "./decoder";
import { createGenerator } from "./encdec";

/** Experiment settings (per profile in {@link GENRET_CONFIGS}). */
export interface GenretConfig {
  /** Tiers of the n-gram size sweep (decoder.ts GEN_TIERS or model/tiers.ts names), each with a beam sweep. */
  tiers: string[];
  /** Tiers of the docid method (semantic docids; a subset of `tiers` keeps the comparison at equal N). */
  docidTiers: string[];
  /**
   * Encoder–decoder tiers (decoder.ts ENCDEC_TIERS) trained on the same n-gram pairs, each with a
   * beam sweep: the T5 side of the paper's T5-against-LLaMA comparison, at N matched to `tiers`.
   */
  encdecTiers: string[];
  /** Data fractions of the data sweep (arXiv 2503.18941, method; 0.2 … 1.0). */
  fractions: number[];
  /** Tier trained on each data fraction. */
  dataTier: string;
  /** Beam sizes of the inference sweep of every decoder-only n-gram tier (HongruCai/SLGR inference scripts: 1, 5, 15, 50, 100). */
  beams: number[];
  /** Beam sizes at which the encoder–decoder tiers retrieve (their recall is compared with the decoder-only tiers' at these beams). */
  encdecBeams: number[];
  /** Query tokens kept (the last ones) [12]. */
  queryLen: number;
  /** Span length in tokens = generated n-gram length [10, MINDER]. */
  spanLen: number;
  /** Spans per (training query, positive) [smoke 3, mini 2]. */
  trainSpans: number;
  /** Spans per identifier in CGL [paper 10; smaller profiles fewer]. */
  idSpans: number;
  /** Softmax temperature of span sampling [1]. */
  temperature: number;
  /** Test queries in CGL. */
  cglQueries: number;
  /** Negatives per query K [256, the paper's]. */
  negatives: number;
  /** Test queries in the beam sweep. */
  retrievalQueries: number;
  /** Document scoring from the generated n-grams (beam.ts) ["best"]. */
  scoring: NgramScoring;
  /**
   * Test queries searched at once in a beam sweep (their hypotheses scored in shared model calls,
   * decoder.ts batchedModelScorer; the results do not depend on it) [20].
   */
  beamConcurrency: number;
  /**
   * Queries served in the iso-budget comparison (genret/inference.ts): total compute = training
   * FLOPs + this many queries × inference FLOPs per query [10,000].
   */
  budgetQueries: number;
  /**
   * Passes over the training pairs. The paper trains one epoch of pretrained models; decoders
   * trained from scratch need several before they condition on the query at all (measured on
   * `mini`, t1: after 1 epoch L⁺ 6.36 vs L⁻ 6.49 nats and recall@100 ≤ 0.06 at beam 50; after
   * 4 epochs L⁺ 5.55 vs L⁻ 6.89 and recall@100 0.36).
   */
  epochs: number;
  /** Worker processes that train models side by side (1 = in-process; results are identical). */
  jobs: number;
  /** Pairs per step [32]. */
  batchSize: number;
  /**
   * Learning-rate schedule after warmup [cosine to 0 over the model's own steps]. Every model of
   * the experiment is a separate run (a data fraction is not a checkpoint of a longer run), so a
   * schedule that ends at the run's length is allowed here; measured on `mini` (1 × 32, 100 CGL
   * queries) it gave CGL 0.003101 against 0.003207 with inverse-sqrt.
   */
  schedule: "cosine" | "inverse-sqrt";
  /** Peak learning rate [5e-3]. */
  peakLr: number;
  /**
   * Peak learning rate of particular tiers (else `peakLr`). Wider models need a smaller one (μP:
   * Adam's rate ∝ 1/width); measured on `mini`, 1 × 128 reached CGL 0.002890 at 2.5e-3 and only
   * 0.003095 at 5e-3.
   */
  peakLrByTier: Record<string, number>;
  /** Warmup steps. */
  warmupSteps: number;
  /**
   * Overrides of the embedded collection's generator (`prepareDataset({ generator })`). The
   * experiment keeps the vocabulary-mismatch-heavy collection it was developed and measured on
   * (concept popularity Zipf 1, forms [0.2, 0.5, 0.3]; 4,000 concepts on `mini`): the rerankers'
   * default collection changed after these measurements (see DEFAULT_GENERATOR). Ignored for
   * real files.
   */
  collection: Partial<GeneratorConfig>;
  /** Hierarchical k-means: clusters per split, leaf size, Lloyd iterations, vector dimension. */
  docids: { branching: number; leafSize: number; iterations: number; dim: number };
  /** Smallest grade counted as a positive [3: fully relevant]. */
  minGrade: number;
  /** Master seed (every stream is derived from it). */
  seed: number;
}

const BASE: Omit<
  GenretConfig,
  | "tiers"
  | "docidTiers"
  | "encdecTiers"
  | "fractions"
  | "dataTier"
  | "beams"
  | "encdecBeams"
  | "trainSpans"
  | "idSpans"
  | "cglQueries"
  | "retrievalQueries"
  | "epochs"
  | "jobs"
> = {
  queryLen: 12,
  spanLen: 10,
  temperature: 1,
  negatives: CGL_NEGATIVES,
  batchSize: 32,
  scoring: "best",
  beamConcurrency: 20,
  budgetQueries: 10000,
  schedule: "cosine",
  peakLr: 5e-3,
  peakLrByTier: { g3: 2.5e-3, e3: 2.5e-3 },
  warmupSteps: 30,
  docids: { branching: 10, leafSize: 10, iterations: 8, dim: 64 },
  minGrade: 3,
  seed: 1,
  collection: { conceptZipf: 1, formCounts: [0.2, 0.5, 0.3] },
};

/**
 * Settings per profile: smoke (under a minute on a CPU), mini (the one-layer generator tiers g0–g3
 * with beams 1…100 on 40 queries each, the encoder–decoders e0–e2 retrieving at beam 15, docids on
 * g0 and g1, data fractions 25/50/75/100 % on g1, 3 epochs of 2 spans per training query, CGL on 40
 * test queries with 2 spans per identifier and K = 256; 2 worker processes; chosen to fit about 15
 * minutes on 2 cores, the notebook states the measured time), paper (the reranker tiers).
 */
export const GENRET_CONFIGS: Record<ProfileName, GenretConfig> = {
  smoke: {
    ...BASE,
    tiers: ["g0", "g1"],
    docidTiers: ["g0", "g1"],
    encdecTiers: ["e0", "e1"],
    fractions: [0.2, 0.6, 1],
    dataTier: "g0",
    beams: [1, 5, 15],
    encdecBeams: [5],
    trainSpans: 3,
    idSpans: 2,
    cglQueries: 10,
    retrievalQueries: 10,
    epochs: 4,
    jobs: 1,
  },
  mini: {
    ...BASE,
    tiers: ["g0", "g1", "g2", "g3"],
    docidTiers: ["g0", "g1"],
    encdecTiers: ["e0", "e1", "e2"],
    fractions: [0.25, 0.5, 0.75, 1],
    dataTier: "g1",
    beams: [1, 5, 15, 50, 100],
    encdecBeams: [15],
    trainSpans: 2,
    idSpans: 2,
    cglQueries: 40,
    retrievalQueries: 40,
    epochs: 3,
    jobs: 2,
    collection: { ...BASE.collection, numConcepts: 4000 },
  },
  paper: {
    ...BASE,
    tiers: ["t1", "t3", "t4", "t5", "t6", "t7", "t8"],
    docidTiers: ["t1", "t3", "t4", "t5", "t6", "t7", "t8"],
    encdecTiers: [],
    fractions: [0.2, 0.4, 0.6, 0.8, 1],
    dataTier: "t6",
    beams: [1, 5, 15, 50, 100],
    encdecBeams: [1, 5, 15, 50, 100],
    trainSpans: 10,
    idSpans: 10,
    cglQueries: 500,
    retrievalQueries: 500,
    epochs: 1,
    jobs: 1,
    collection: { ...BASE.collection, numConcepts: 40000 },
  },
};

/** What the experiment needs from a dataset (`prepareDataset`'s {@link Dataset} has it). */
export interface GenretDatasetLike {
  docs: ReadonlyArray<{ docno: string; text: string }>;
  queries: Record<"train" | "test", ReadonlyArray<{ qid: string; text: string }>>;
  qrels: Record<"train" | "test", Qrels>;
  tokenizer: { encode(text: string): number[]; vocabSize: number };
}

/** A query with its tokens and positive document indices. */
export interface GenretQuery {
  qid: string;
  tokens: Int32Array;
  positives: number[];
}

/** Tokenised corpus, index, queries and docids shared by all models. */
export interface GenretData {
  docnos: string[];
  docTokens: Int32Array[];
  index: NgramIndex;
  train: GenretQuery[];
  test: GenretQuery[];
  /** Word vocabulary size (the n-gram model's V). */
  wordVocab: number;
  /** Docid token sequences (ids ≥ wordVocab). */
  docids: Int32Array[];
  /** Docid model vocabulary: words + docid codes. */
  docidVocab: number;
  /** Longest docid in tokens. */
  docidLen: number;
  /** Test qrels restricted to grade ≥ minGrade as given (for evaluation). */
  testQrels: Qrels;
  /**
   * Token ids of the English stopwords (data/analyzer's Lucene list, as the tokenizer encodes
   * them): never counted as query matches when spans are sampled (pairs.ts `ignore`), so that a
   * query's "is", "the", "for" do not steer every passage's identifier to its function words.
   */
  stopIds: ReadonlySet<number>;
}

function queriesOf(
  qs: ReadonlyArray<{ qid: string; text: string }>,
  qrels: Qrels,
  docIndex: Map<string, number>,
  encode: (t: string) => number[],
  minGrade: number,
): GenretQuery[] {
  return qs.map((q) => {
    const positives: number[] = [];
    for (const [docno, g] of qrels.get(q.qid) ?? new Map<string, number>())
      if (g >= minGrade && docIndex.has(docno)) positives.push(docIndex.get(docno)!);
    positives.sort((a, b) => a - b);
    return { qid: q.qid, tokens: Int32Array.from(encode(q.text)), positives };
  });
}

/** Tokenise, index and assign docids (see the module comment). */
export function prepareGenretData(ds: GenretDatasetLike, config: GenretConfig): GenretData {
  const encode = (t: string) => ds.tokenizer.encode(t);
  const docnos = ds.docs.map((d) => d.docno);
  const docIndex = new Map(docnos.map((d, i) => [d, i]));
  const docTokens = ds.docs.map((d) => Int32Array.from(encode(d.text)));
  const index = buildNgramIndex(docTokens);
  const train = queriesOf(ds.queries.train, ds.qrels.train, docIndex, encode, config.minGrade).filter(
    (q) => q.positives.length > 0,
  );
  const test = queriesOf(ds.queries.test, ds.qrels.test, docIndex, encode, config.minGrade).filter(
    (q) => q.positives.length > 0,
  );
  const wordVocab = ds.tokenizer.vocabSize;
  const { branching, leafSize, iterations, dim } = config.docids;
  const codes = hierarchicalKMeans(
    documentVectors(docTokens, dim, deriveSeed(config.seed, "docid-vectors")),
    { branching, leafSize, iterations, seed: deriveSeed(config.seed, "docid-kmeans") },
  );
  const docids = docidTokenSequences(codes, branching, wordVocab);
  const testQrels: Qrels = new Map();
  for (const q of test) testQrels.set(q.qid, ds.qrels.test.get(q.qid)!);
  const stopIds = new Set<number>();
  for (const w of LUCENE_ENGLISH_STOPWORDS) {
    const ids = encode(w);
    if (ids.length === 1) stopIds.add(ids[0]);
  }
  return {
    docnos,
    docTokens,
    index,
    train,
    test,
    wordVocab,
    docids,
    docidVocab: wordVocab + docidVocabSize(codes, branching),
    docidLen: Math.max(...codes.map((c) => c.length)),
    testQrels,
    stopIds,
  };
}

/** Identifier method. */
export type GenretMethod = "ngram" | "docid";

/** One trained model's record. */
export interface GenretModelResult {
  method: GenretMethod;
  /** Decoder-only or encoder–decoder (decoder.ts GenArch). */
  arch: GenArch;
  tier: string;
  fraction: number;
  /** Non-embedding parameters N (decoder.ts accounting). */
  params: number;
  /** Training queries and pairs used. */
  trainQueries: number;
  trainPairs: number;
  /** Training FLOPs (3 × forward per pair per epoch). */
  trainFlops: number;
  /** Token-averaged training loss of the first and last 10 steps. */
  firstLoss: number;
  lastLoss: number;
  cgl: number;
  /** Standard error of `cgl` over the test queries (cgl.ts meanWithError; not the seed-to-seed spread). */
  cglStdErr: number;
  /**
   * CGL of each test query, in query order. Every model is measured on the same queries,
   * negatives and identifiers, so two models compare query by query (cgl.ts pairedDifference).
   */
  cglPerQuery: number[];
  ceiling: number;
  /** Mean positive and negative identifier losses (diagnostics). */
  meanPositiveLoss: number;
  meanNegativeLoss: number;
  /** Wall seconds of training and of the CGL measurement. */
  seconds: { train: number; cgl: number };
}

/** The generator config of a method and tier. */
export function genretModelConfig(
  data: GenretData,
  config: GenretConfig,
  method: GenretMethod,
  tier: string,
): GenConfig {
  return method === "ngram"
    ? genTierConfig(tier, data.wordVocab, config.queryLen, config.spanLen)
    : genTierConfig(tier, data.docidVocab, config.queryLen, data.docidLen);
}

/**
 * Training pairs of a method on a fraction of the training queries. Fractions are nested in
 * queries and in pairs: a query's spans come from a stream seeded by the query alone, so every
 * pair of a smaller fraction is also a pair of every larger one (only the amount of data differs).
 */
export function genretTrainingPairs(
  data: GenretData,
  config: GenretConfig,
  method: GenretMethod,
  fraction: number,
): { pairs: GenPair[]; queries: number } {
  const qs = nestedFraction(data.train, fraction, deriveSeed(config.seed, "fractions"));
  const spanCfg = {
    spanLen: config.spanLen,
    count: config.trainSpans,
    temperature: config.temperature,
    ignore: data.stopIds,
  };
  if (method === "ngram") {
    const pairs: GenPair[] = [];
    qs.forEach((q, qi) => {
      for (const p of buildSpanPairs(
        [q],
        data.docTokens,
        spanCfg,
        createRng(deriveSeed(config.seed, `spans-${q.qid}`)),
      ))
        pairs.push({ ...p, queryIndex: qi });
    });
    return { pairs, queries: qs.length };
  }
  const pairs: GenPair[] = [];
  const base = buildDocidPairs(qs, data.docids);
  for (let r = 0; r < config.trainSpans; r++) pairs.push(...base);
  // Indexing pairs: a span of every document (as a pseudo-query) → its docid.
  const rng = createRng(deriveSeed(config.seed, "docid-indexing"));
  data.docTokens.forEach((d, i) => {
    if (d.length === 0) return;
    const s = sampleSpans(d, [], { spanLen: config.queryLen, count: 1, temperature: 1 }, rng).spans[0];
    pairs.push({ query: s, target: data.docids[i], doc: i, queryIndex: -1 });
  });
  return { pairs, queries: qs.length };
}

/**
 * CGL of a trained model (step 4 of the module comment). Negatives and identifier spans depend
 * only on the seed, the query and the document, never on the model.
 */
export async function genretCgl(
  model: GenDecoder,
  data: GenretData,
  config: GenretConfig,
  method: GenretMethod,
): Promise<{
  cgl: number;
  perQuery: Float64Array;
  ceiling: number;
  meanPositiveLoss: number;
  meanNegativeLoss: number;
}> {
  const qs = data.test.slice(0, config.cglQueries);
  let posSum = 0,
    posN = 0,
    negSum = 0,
    negN = 0;
  const res = await computeCgl(
    qs,
    data.docnos.length,
    async (qi, docs) => {
      const q = qs[qi];
      const rows: GenPair[] = [];
      const owner: number[] = [];
      docs.forEach((d, j) => {
        if (method === "docid") {
          rows.push({ query: q.tokens, target: data.docids[d], doc: d, queryIndex: qi });
          owner.push(j);
          return;
        }
        const rng = createRng(deriveSeed(config.seed, `id-${q.qid}-${d}`));
        for (const s of sampleSpans(
          data.docTokens[d],
          q.tokens,
          {
            spanLen: config.spanLen,
            count: config.idSpans,
            temperature: config.temperature,
            ignore: data.stopIds,
          },
          rng,
        ).spans) {
          rows.push({ query: q.tokens, target: s, doc: d, queryIndex: qi });
          owner.push(j);
        }
      });
      const { sum, tokens } = await pairNll(model, rows);
      const s = new Float64Array(docs.length),
        n = new Float64Array(docs.length);
      owner.forEach((j, r) => {
        s[j] += sum[r];
        n[j] += tokens[r];
      });
      const out = Float64Array.from(s, (v, j) => v / n[j]);
      out.forEach((v, j) => {
        if (j < q.positives.length) {
          posSum += v;
          posN++;
        } else {
          negSum += v;
          negN++;
        }
      });
      return out;
    },
    createRng(deriveSeed(config.seed, "cgl-negatives")),
    config.negatives,
  );
  return {
    cgl: res.cgl,
    perQuery: res.perQuery,
    ceiling: res.ceiling,
    meanPositiveLoss: posSum / posN,
    meanNegativeLoss: negSum / negN,
  };
}

/**
 * The learning-rate schedule of one model: `config.schedule` with the tier's peak rate
 * (`peakLrByTier[tier]`, else `peakLr`), `warmupSteps`, and the run's own length
 * ⌈pairs / batchSize⌉ · epochs steps as the end of the decay.
 */
export function genretSchedule(config: GenretConfig, tier: string, pairs: number): ScheduleConfig {
  return {
    kind: config.schedule,
    peakLr: config.peakLrByTier[tier] ?? config.peakLr,
    warmupSteps: config.warmupSteps,
    totalSteps: Math.ceil(pairs / config.batchSize) * config.epochs,
  };
}

/** Train one model and measure its CGL. Returns the record and the model (caller disposes). */
export async function trainAndMeasure(
  data: GenretData,
  config: GenretConfig,
  method: GenretMethod,
  tier: string,
  fraction: number,
  log: (m: string) => void = () => {},
): Promise<{ result: GenretModelResult; model: GenDecoder }> {
  const gc = genretModelConfig(data, config, method, tier);
  const { pairs, queries } = genretTrainingPairs(data, config, method, fraction);
  const model = createGenerator(gc, deriveSeed(config.seed, `init-${method}-${tier}`));
  const t0 = Date.now();
  const tr = await trainGenerator(model, pairs, {
    batchSize: config.batchSize,
    epochs: config.epochs,
    seed: deriveSeed(config.seed, `order-${method}-${tier}-${fraction}`),
    schedule: genretSchedule(config, tier, pairs.length),
  });
  const head = tr.losses.slice(0, 10),
    tail = tr.losses.slice(-10);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const t1 = Date.now();
  const c = await genretCgl(model, data, config, method);
  const result: GenretModelResult = {
    method,
    arch: gc.arch ?? "decoder",
    tier,
    fraction,
    params: genParamCounts(gc).nonEmbedding,
    trainQueries: queries,
    trainPairs: pairs.length,
    trainFlops: tr.flops,
    firstLoss: mean(head),
    lastLoss: mean(tail),
    cgl: c.cgl,
    cglStdErr: meanWithError(c.perQuery).stdErr,
    cglPerQuery: Array.from(c.perQuery),
    ceiling: c.ceiling,
    meanPositiveLoss: c.meanPositiveLoss,
    meanNegativeLoss: c.meanNegativeLoss,
    seconds: { train: (t1 - t0) / 1000, cgl: (Date.now() - t1) / 1000 },
  };
  log(
    `${method} ${tier} ${Math.round(fraction * 100)}%: N=${result.params} pairs=${pairs.length} loss ${result.firstLoss.toFixed(3)}→${result.lastLoss.toFixed(3)} CGL=${result.cgl.toFixed(6)} (ceiling ${c.ceiling.toFixed(6)})`,
  );
  return { result, model };
}

/** Measures of the beam sweep (means in `metrics`, per query in `perQuery`). */
export const BEAM_MEASURES = ["recall_1", "recall_5", "recall_20", "recall_100", "ndcg_cut_10", "recip_rank"];

/** One point of the beam sweep. */
export interface BeamPoint {
  beam: number;
  /** Measure → mean over the retrieval queries ({@link BEAM_MEASURES}). */
  metrics: Record<string, number>;
  /** Measure → value per retrieval query, in query order (paired comparisons between models). */
  perQuery: Record<string, number[]>;
  /**
   * Inference FLOPs per query with a key/value cache (decoder.ts genInferenceFlops: the prefill,
   * then one generated token per scored hypothesis and step).
   */
  flopsPerQuery: number;
  /** Hypotheses scored per query. */
  prefixesPerQuery: number;
  /** Wall seconds of the sweep point (all retrieval queries). */
  seconds: number;
}

/**
 * Retrieval quality of an n-gram model (either architecture) for each beam size (step 5 of the
 * module comment); `beamConcurrency` queries are searched at once with a batching scorer.
 */
export async function beamSweep(
  model: GenDecoder,
  data: GenretData,
  config: GenretConfig,
  log: (m: string) => void = () => {},
  beams: readonly number[] = config.beams,
): Promise<{ points: BeamPoint[]; runs: Map<number, Run> }> {
  const qs = data.test.slice(0, config.retrievalQueries);
  const qrels: Qrels = new Map(qs.map((q) => [q.qid, data.testQrels.get(q.qid)!]));
  const points: BeamPoint[] = [];
  const runs = new Map<number, Run>();
  for (const beam of beams) {
    const t0 = Date.now();
    const stats = { prefixes: 0, flops: 0 };
    const { run } = await generativeRetrievalRun(
      data.index,
      qs,
      batchedModelScorer(model, stats),
      data.docnos,
      {
        beam,
        maxLen: config.spanLen,
        depth: 100,
        scoring: config.scoring,
        concurrency: config.beamConcurrency,
      },
    );
    const ev = evaluate(qrels, run, ["recall.1,5,20,100", "ndcg_cut.10", "recip_rank"], {
      relevanceLevel: config.minGrade,
      complete: true,
    });
    const metrics: Record<string, number> = {};
    const perQuery: Record<string, number[]> = {};
    const order = qs.map((q) => ev.qids.indexOf(q.qid));
    for (const k of BEAM_MEASURES) {
      metrics[k] = ev.means[k];
      perQuery[k] = order.map((i) => (i >= 0 ? ev.perQuery[k][i] : 0));
    }
    points.push({
      beam,
      metrics,
      perQuery,
      flopsPerQuery: stats.flops / qs.length,
      prefixesPerQuery: stats.prefixes / qs.length,
      seconds: (Date.now() - t0) / 1000,
    });
    runs.set(beam, run);
    log(
      `beam ${beam}: recall@5 ${metrics.recall_5.toFixed(3)} recall@100 ${metrics.recall_100.toFixed(3)} FLOPs/query ${(stats.flops / qs.length).toExponential(2)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
  return { points, runs };
}

/**
 * Fit the paper's law y = (a/x)^b + c (HongruCai/SLGR) with the laws module's multi-start least
 * squares (its grid of starts plays the role of the paper's 50 random restarts). Returns null
 * with fewer than 4 points (3 parameters: an exact fit means nothing).
 */
export function fitGenretLaw(xs: readonly number[], ys: readonly number[]): LawFit | null {
  if (xs.length < 4) return null;
  return fitLaw(inversePowerLaw(), { x: xs.map((x) => [x]), y: [...ys] }, { starts: 50 });
}

/** One trained model as a point of the joint law: N non-embedding parameters, D training pairs. */
export interface GenretLawPoint {
  N: number;
  D: number;
  cgl: number;
}

/**
 * Fit the joint law CGL(N, D) = E + A/N^α + B/D^β (the laws module's Chinchilla form, Hoffmann et
 * al. 2022; HongruCai/SLGR has an exploratory joint form too) to models that differ in
 * size, in data, or both — in this experiment the size sweep at full data and the data sweep of
 * `dataTier`. Points with the same (N, D) are averaged first. Returns null with fewer than 6
 * distinct points (5 parameters). Multi-start least squares as {@link fitGenretLaw}.
 */
export function fitGenretJointLaw(points: readonly GenretLawPoint[]): LawFit | null {
  const byKey = new Map<string, { N: number; D: number; sum: number; n: number }>();
  for (const p of points) {
    const k = `${p.N}:${p.D}`;
    const e = byKey.get(k) ?? { N: p.N, D: p.D, sum: 0, n: 0 };
    e.sum += p.cgl;
    e.n++;
    byKey.set(k, e);
  }
  const pts = [...byKey.values()];
  if (pts.length < 6) return null;
  return fitLaw(
    chinchillaLaw(),
    { x: pts.map((p) => [p.N, p.D]), y: pts.map((p) => p.sum / p.n) },
    { starts: 50 },
  );
}
