/**
 * The embedded collection: a seeded generative model of passages, queries and graded
 * relevance that makes reranking a learning problem whose difficulty scales, offline and small
 * enough for scaling laws on a CPU.
 *
 * The model (each step draws from its own stream `deriveSeed(seed, label)`):
 *
 *  1. **Concepts.** C latent concepts with Zipf popularity w_r ∝ 1/(r + 2)^s (rank r, exponent
 *     `conceptZipf`). The top `generalFraction` of ranks are *general* concepts (used by every
 *     topic as background); the others are dealt round-robin to T *topics*, so every topic owns a
 *     Zipf-shaped spread of head and tail concepts.
 *  2. **Surface forms (vocabulary mismatch).** A concept has 1, 2 or 3 surface forms
 *     (probabilities `formCounts`). Form 0 is the form *documents* prefer, form 1 the form
 *     *queries* prefer. Forms are synthetic pronounceable words (consonant–vowel syllables;
 *     frequent concepts get shorter words), unique and distinct after Porter stemming, so the
 *     analyzer, BM25 and tokenizers see real strings. Lexical matching therefore fails whenever
 *     a query and a relevant passage chose different forms of the same concept; a cross-encoder
 *     can learn the synonym pairs from training pairs (frequent concepts are seen often, tail
 *     concepts rarely: more data and capacity help, which is what makes the problem scale).
 *  3. **Documents.** Topic t ~ Zipf(`topicZipf`) over topics. m ∈ `salientPerDoc` distinct
 *     *salient* concepts (what the passage is about) are drawn from t by popularity; each is
 *     written in the document's chosen form (form 0 with probability `docFormBias`, else another
 *     form uniformly) and mentioned 2–3 times, first in the lead sentence. The rest of the
 *     passage is background: topic concepts (probability `topicBackground`) or general concepts,
 *     mentioned once, plus English function words (each word slot with probability
 *     `functionWordRate`), in sentences of 6–11 words ending with ".". Length in words ("."
 *     excluded) is uniform in `docWords` (longer only if the salient mentions need the room).
 *  4. **Queries.** Every query comes from a distinct source document: k ∈ `queryConcepts`
 *     (k ≤ m) of its salient concepts, each written in form 1 with probability `queryFormBias`
 *     (else another form), shuffled, with an optional question prefix ("what is", ...), and with
 *     probability `contextTermRate` one extra background concept of the source document (a
 *     distractor term that carries no relevance). Queries are split into train / dev / test.
 *  5. **Relevance (graded 0–3) from the truth.** For query concepts Q (|Q| = k) and document d
 *     with salient set S_d and mentioned set M_d: s = |Q ∩ S_d|, men = |Q ∩ (M_d \ S_d)|.
 *       grade 3 if s = k;  grade 2 if s = k − 1 and the missing concept is mentioned in d;
 *       grade 1 if s = k − 1 (missing concept absent);  grade 0 otherwise.
 *     The source document always has grade 3; qrels list every document with grade ≥ 1.
 *  6. **Oracle scorer.** oracle(q, d) = 10 · grade + s + 0.4 · men: it orders by grade and, inside
 *     a grade, by concept overlap. Reranking the BM25 candidates by it gives the ceiling any
 *     reranker of those candidates can reach.
 *
 * Sources of the design: vocabulary mismatch as the core failure of lexical matching (Furnas et
 * al., "The vocabulary problem in human-system communication", CACM 1987); Zipf's law of word
 * frequencies and of abbreviation (Zipf 1949); one query per source passage with few judged
 * passages, as in MS MARCO passage ranking (Nguyen et al. 2016); graded 0–3 judgments as in TREC
 * Deep Learning (Craswell et al. 2020).
 */
import { createRng, deriveSeed, type Rng } from "../util/rng";
import type { Qrels } from "../eval/types";
import { stemmer } from "stemmer";
import { LUCENE_ENGLISH_STOPWORDS } from "./analyzer";

/** Query splits. */
export type Split = "train" | "dev" | "test";
/** All splits in order. */
export const SPLITS: readonly Split[] = ["train", "dev", "test"];

/** Parameters of the generative model (see the module comment for the meaning of each step). */
export interface GeneratorConfig {
  /** Number of passages. */
  numDocs: number;
  /** Queries per split (each from a distinct source passage; their sum must be ≤ numDocs). */
  numQueries: Record<Split, number>;
  /** Number of latent concepts C. */
  numConcepts: number;
  /** Number of topics T. */
  numTopics: number;
  /** Fraction of concepts (the most popular ranks) that are general background [0.05]. */
  generalFraction: number;
  /** Zipf exponent of concept popularity [0.5]. */
  conceptZipf: number;
  /** Zipf exponent of topic popularity [0.7]. */
  topicZipf: number;
  /** Probabilities that a concept has 1, 2 or 3 surface forms [0.6, 0.3, 0.1]. */
  formCounts: [number, number, number];
  /** Probability a document writes a concept in form 0 [0.85]. */
  docFormBias: number;
  /** Probability a query writes a concept in form 1 (when it exists) [0.85]. */
  queryFormBias: number;
  /** Salient concepts per document, inclusive range [3, 5]. */
  salientPerDoc: [number, number];
  /** Document length in words (without "."), inclusive range [30, 50]. */
  docWords: [number, number];
  /** Probability a background slot is a topic concept (else general) [0.6]. */
  topicBackground: number;
  /** Probability a word slot is an English function word [0.3]. */
  functionWordRate: number;
  /** Concepts per query, inclusive range [3, 4]. */
  queryConcepts: [number, number];
  /** Probability a query gets one distractor background term [0.3]. */
  contextTermRate: number;
}

/**
 * Base model parameters shared by all sizes (sizes come from {@link generatorConfigFor}).
 *
 * The popularity exponent and the form counts set how much of the ranking problem a reranker can
 * learn from the training queries. Measured on `mini` (listwise one-layer rerankers of width 16,
 * 32 and 64, 400 steps, 48 tokens, NDCG@10 on 100 dev queries): with 4,000 concepts, Zipf 1 and forms
 * [0.2, 0.5, 0.3] (the collection before 2026-11-22, which notebook 07 still uses, see
 * `GenretConfig.collection`) BM25 scores 0.360, the oracle 0.759, and the rerankers 0.40–0.44 with no
 * reliable order by size: most synonym pairs belong to tail concepts seen once or never in training.
 * With 1,500 concepts, Zipf 0.5 and forms [0.6, 0.3, 0.1] BM25 scores 0.567, the oracle 0.945, and
 * the same rerankers 0.681, 0.687, 0.694, each wider model ahead at every checkpoint.
 */
export const DEFAULT_GENERATOR: Omit<
  GeneratorConfig,
  "numDocs" | "numQueries" | "numConcepts" | "numTopics"
> = {
  generalFraction: 0.05,
  conceptZipf: 0.5,
  topicZipf: 0.7,
  formCounts: [0.6, 0.3, 0.1],
  docFormBias: 0.85,
  queryFormBias: 0.85,
  salientPerDoc: [3, 5],
  docWords: [30, 50],
  topicBackground: 0.6,
  functionWordRate: 0.3,
  queryConcepts: [3, 4],
  contextTermRate: 0.3,
};

/** Collection sizes per profile. */
export const GENERATOR_SIZES: Record<
  "smoke" | "mini" | "paper",
  Pick<GeneratorConfig, "numDocs" | "numQueries" | "numConcepts" | "numTopics">
> = {
  // seconds: unit tests and notebook smoke runs
  smoke: { numDocs: 600, numQueries: { train: 200, dev: 50, test: 50 }, numConcepts: 500, numTopics: 4 },
  // minutes on a 2-core CPU for the whole training grid
  mini: {
    numDocs: 10000,
    numQueries: { train: 5000, dev: 900, test: 300 },
    numConcepts: 1500,
    numTopics: 20,
  },
  // GPU-sized synthetic stand-in for MS MARCO
  paper: {
    numDocs: 200000,
    numQueries: { train: 100000, dev: 2000, test: 2000 },
    numConcepts: 15000,
    numTopics: 200,
  },
};

/** The full generator configuration of a profile size, with optional overrides. */
export function generatorConfigFor(
  size: "smoke" | "mini" | "paper",
  overrides: Partial<GeneratorConfig> = {},
): GeneratorConfig {
  return { ...DEFAULT_GENERATOR, ...GENERATOR_SIZES[size], ...overrides };
}

/** A passage. */
export interface Doc {
  docno: string;
  text: string;
}

/** A query. */
export interface Query {
  qid: string;
  text: string;
}

/** Compressed sparse rows: the items of row i are `ids[offsets[i] .. offsets[i+1])`. */
export interface Csr {
  offsets: Int32Array;
  ids: Int32Array;
}

/** The generative truth behind a synthetic collection (what the oracle and the notebook read). */
export interface SyntheticTruth {
  /** Surface forms per concept: [doc-preferred, query-preferred, other]. */
  conceptForms: string[][];
  /** Topic of each concept, −1 for general concepts. */
  conceptTopic: Int32Array;
  /** Zipf popularity of each concept (unnormalised, w_r = 1/(r+2)^s). */
  conceptWeight: Float64Array;
  /** Topic of each document. */
  docTopic: Int32Array;
  /** Salient concepts per document. */
  docSalient: Csr;
  /** All concepts mentioned per document (salient included), ascending. */
  docMentioned: Csr;
  /** Concepts per query, by split, rows aligned with the split's query list. */
  queryConcepts: Record<Split, Csr>;
  /** Source document index per query, by split. */
  querySource: Record<Split, Int32Array>;
}

/** A generated collection: passages, queries, graded qrels and the truth. */
export interface SyntheticCollection {
  config: GeneratorConfig;
  seed: number;
  docs: Doc[];
  queries: Record<Split, Query[]>;
  qrels: Record<Split, Qrels>;
  truth: SyntheticTruth;
}

/** English function words with rough relative frequencies (used as filler, many are stopwords). */
const FUNCTION_WORDS: readonly string[] = [
  "the",
  "of",
  "and",
  "in",
  "to",
  "a",
  "is",
  "for",
  "on",
  "with",
  "as",
  "by",
  "that",
  "from",
  "at",
  "was",
  "are",
  "which",
  "this",
  "or",
  "its",
  "into",
  "also",
  "their",
  "has",
  "can",
];
const QUERY_PREFIXES: readonly string[] = [
  "what is",
  "how",
  "define",
  "what are the",
  "why",
  "where is the",
  "meaning of",
];
const CONNECTIVES: readonly string[] = ["of", "in", "for", "and"];

/** Draws from a fixed discrete distribution by binary search on the cumulative weights. */
class Categorical {
  private readonly cum: Float64Array;
  constructor(
    readonly items: Int32Array,
    weights: ArrayLike<number>,
  ) {
    this.cum = new Float64Array(items.length);
    let s = 0;
    for (let i = 0; i < items.length; i++) this.cum[i] = s += weights[i];
  }
  sample(rng: Rng): number {
    const u = rng.next() * this.cum[this.cum.length - 1];
    let lo = 0,
      hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}

function intIn(rng: Rng, [lo, hi]: [number, number]): number {
  return lo + rng.int(hi - lo + 1);
}

const ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "ch", "tr", "br"];
const VOWELS = ["a", "e", "i", "o", "u"];
const CODAS = ["", "", "", "", "n", "r", "l"];

/**
 * Make `count` distinct pronounceable words (CV syllables, optional final n/r/l). Word i is meant
 * for popularity rank i: the first 10% get 2 syllables, the rest 2–3. Words are unique, not
 * English function or stop words, and have distinct Porter stems.
 */
export function makeWords(count: number, rng: Rng): string[] {
  const reserved = new Set<string>([...FUNCTION_WORDS, ...LUCENE_ENGLISH_STOPWORDS]);
  const words: string[] = [];
  const seen = new Set<string>(),
    stems = new Set<string>();
  let attempts = 0;
  while (words.length < count) {
    if (++attempts > count * 200) throw new Error(`makeWords: could not make ${count} distinct words`);
    const nSyl = words.length < count * 0.1 ? 2 : 2 + rng.int(2) + (attempts > count * 50 ? 1 : 0);
    let w = "";
    for (let s = 0; s < nSyl; s++) w += ONSETS[rng.int(ONSETS.length)] + VOWELS[rng.int(VOWELS.length)];
    w += CODAS[rng.int(CODAS.length)];
    const st = stemmer(w);
    if (seen.has(w) || stems.has(st) || reserved.has(w)) continue;
    seen.add(w);
    stems.add(st);
    words.push(w);
  }
  return words;
}

function toCsr(rows: number[][]): Csr {
  const offsets = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) offsets[i + 1] = offsets[i] + rows[i].length;
  const ids = new Int32Array(offsets[rows.length]);
  for (let i = 0; i < rows.length; i++) ids.set(rows[i], offsets[i]);
  return { offsets, ids };
}

/** Row i of a CSR as a subarray view. */
export function csrRow(csr: Csr, i: number): Int32Array {
  return csr.ids.subarray(csr.offsets[i], csr.offsets[i + 1]);
}

/** Zero-padded id with a prefix, so that byte order equals numeric order ("D000042"). */
function padId(prefix: string, i: number, n: number): string {
  return prefix + String(i).padStart(Math.max(1, String(Math.max(0, n - 1)).length), "0");
}

/**
 * Check a configuration; throws a RangeError naming the first bad field.
 */
export function validateGeneratorConfig(c: GeneratorConfig): void {
  const nq = c.numQueries.train + c.numQueries.dev + c.numQueries.test;
  if (!(c.numDocs >= 1)) throw new RangeError("numDocs must be ≥ 1");
  if (nq > c.numDocs)
    throw new RangeError(
      `numQueries total ${nq} exceeds numDocs ${c.numDocs} (each query needs its own source passage)`,
    );
  if (!(c.numTopics >= 1)) throw new RangeError("numTopics must be ≥ 1");
  const nGeneral = Math.floor(c.numConcepts * c.generalFraction);
  if ((c.numConcepts - nGeneral) / c.numTopics < c.salientPerDoc[1] + 2)
    throw new RangeError("too few concepts per topic for salientPerDoc");
  if (
    c.queryConcepts[0] < 2 ||
    c.queryConcepts[1] > c.salientPerDoc[0] + (c.salientPerDoc[1] - c.salientPerDoc[0])
  )
    throw new RangeError("queryConcepts must be within [2, max salientPerDoc]");
  if (c.queryConcepts[0] > c.salientPerDoc[0])
    throw new RangeError("queryConcepts min must be ≤ salientPerDoc min");
  if (nGeneral < 1) throw new RangeError("generalFraction × numConcepts must be ≥ 1");
}

/** Step 1: concept popularity w_r ∝ (r+2)^−s, the general concepts, topics and their samplers. */
interface ConceptModel {
  conceptWeight: Float64Array;
  nGeneral: number;
  /** Topic of each concept, −1 for general ones. */
  conceptTopic: Int32Array;
  topicMembers: number[][];
  general: Categorical;
  topicDists: Categorical[];
  topicDist: Categorical;
}

function conceptModel(config: GeneratorConfig): ConceptModel {
  const C = config.numConcepts,
    T = config.numTopics;
  const conceptWeight = new Float64Array(C);
  for (let r = 0; r < C; r++) conceptWeight[r] = 1 / Math.pow(r + 2, config.conceptZipf);
  const nGeneral = Math.floor(C * config.generalFraction);
  const conceptTopic = new Int32Array(C);
  const topicMembers: number[][] = Array.from({ length: T }, () => []);
  for (let r = 0; r < C; r++) {
    if (r < nGeneral) conceptTopic[r] = -1;
    else {
      const t = (r - nGeneral) % T;
      conceptTopic[r] = t;
      topicMembers[t].push(r);
    }
  }
  const ids = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  const general = new Categorical(ids(nGeneral), conceptWeight.subarray(0, nGeneral));
  const topicDists = topicMembers.map(
    (m) =>
      new Categorical(
        Int32Array.from(m),
        m.map((r) => conceptWeight[r]),
      ),
  );
  const topicW = Float64Array.from({ length: T }, (_, t) => 1 / Math.pow(t + 1, config.topicZipf));
  return {
    conceptWeight,
    nGeneral,
    conceptTopic,
    topicMembers,
    general,
    topicDists,
    topicDist: new Categorical(ids(T), topicW),
  };
}

/** Step 2: 1–3 surface forms per concept (general concepts one), made-up words dealt in rank order. */
function surfaceForms(config: GeneratorConfig, seed: number, nGeneral: number): string[][] {
  const C = config.numConcepts;
  const formRng = createRng(deriveSeed(seed, "forms"));
  const nForms = new Int32Array(C);
  for (let r = 0; r < C; r++) {
    const u = formRng.next();
    nForms[r] = u < config.formCounts[0] ? 1 : u < config.formCounts[0] + config.formCounts[1] ? 2 : 3;
    if (r < nGeneral) nForms[r] = 1; // general words are unambiguous background
  }
  const words = makeWords(
    nForms.reduce((a, b) => a + b, 0),
    createRng(deriveSeed(seed, "words")),
  );
  // frequent concepts take the early (shorter) words: deal words in rank order
  let wi = 0;
  return Array.from(nForms, (n) => words.slice(wi, (wi += n)));
}

/** A form of a concept: the `preferred` one with probability `bias`, else one of the others uniformly. */
function pickForm(rng: Rng, forms: readonly string[], preferred: number, bias: number): string {
  if (forms.length === 1) return forms[0];
  if (rng.next() < bias) return forms[preferred];
  let j = rng.int(forms.length - 1);
  if (j >= preferred) j++;
  return forms[j];
}

const FN = -1; // a function-word slot

/** A function-word slot before an item with probability functionWordRate, then the item (the lead sentence). */
function leadSlots(rng: Rng, config: GeneratorConfig, lead: readonly number[]): number[] {
  const out: number[] = [];
  for (const c of lead) {
    if (rng.next() < config.functionWordRate) out.push(FN);
    out.push(c);
  }
  return out;
}

/**
 * The word slots of a passage's body: max(R, |body|) slots, each a function word with probability
 * functionWordRate (turned into content slots until the extra salient mentions in `body` fit);
 * the remaining content slots take background concepts (from the topic, else the general ones,
 * never a salient one), all in random order.
 */
function bodySlots(
  rng: Rng,
  config: GeneratorConfig,
  model: ConceptModel,
  doc: { topic: number; salient: readonly number[]; body: number[]; slots: number },
  addForm: (c: number) => void,
): number[] {
  const { body, salient } = doc;
  const R = Math.max(doc.slots, body.length);
  const isFn: boolean[] = [];
  let nContent = 0;
  for (let j = 0; j < R; j++) {
    const f = rng.next() < config.functionWordRate;
    isFn.push(f);
    if (!f) nContent++;
  }
  for (let j = 0; j < R && nContent < body.length; j++)
    if (isFn[j]) {
      isFn[j] = false;
      nContent++;
    }
  while (body.length < nContent) {
    let c: number;
    if (rng.next() < config.topicBackground) {
      c = model.topicDists[doc.topic].sample(rng);
      if (salient.includes(c)) continue;
    } else c = model.general.sample(rng);
    addForm(c);
    body.push(c);
  }
  rng.shuffle(body);
  let bi = 0;
  return isFn.map((f) => (f ? FN : body[bi++]));
}

/** Body sentences of 6–11 slots (no stub of fewer than 3 at the end), each closed by " .". */
function bodySentences(rng: Rng, slots: readonly number[], word: (c: number) => string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < slots.length) {
    let len = Math.min(slots.length - i, 6 + rng.int(6));
    if (slots.length - i - len < 3) len = slots.length - i;
    out.push(
      slots
        .slice(i, i + len)
        .map(word)
        .join(" ") + " .",
    );
    i += len;
  }
  return out;
}

/** One generated passage: its text, topic, salient and mentioned concepts. */
interface GeneratedDoc {
  text: string;
  topic: number;
  salient: number[];
  mentioned: number[];
}

/**
 * Step 3, one passage: a topic; 3–5 distinct salient concepts drawn from it by popularity, each in
 * one form and mentioned 2–3 times, first in the lead sentence; background concepts once each and
 * function words up to 30–50 words in all.
 */
function generateDoc(
  rng: Rng,
  config: GeneratorConfig,
  model: ConceptModel,
  forms: readonly string[][],
  fw: Categorical,
): GeneratedDoc {
  const topic = model.topicDist.sample(rng);
  const m = Math.min(intIn(rng, config.salientPerDoc), model.topicMembers[topic].length);
  const salient: number[] = [];
  while (salient.length < m) {
    const c = model.topicDists[topic].sample(rng);
    if (!salient.includes(c)) salient.push(c);
  }
  const form = new Map<number, string>();
  const addForm = (c: number) => {
    if (!form.has(c)) form.set(c, pickForm(rng, forms[c], 0, config.docFormBias));
  };
  salient.forEach(addForm);
  const L = intIn(rng, config.docWords);
  const lead = rng.shuffle(salient.slice());
  const body: number[] = [];
  for (const c of salient) for (let j = 1 + rng.int(2); j > 0; j--) body.push(c); // extra mentions: 2–3 in all
  const leadPart = leadSlots(rng, config, lead);
  const slots = bodySlots(rng, config, model, { topic, salient, body, slots: L - leadPart.length }, addForm);
  const word = (c: number) => (c === FN ? FUNCTION_WORDS[fw.sample(rng)] : form.get(c)!);
  const text = [leadPart.map(word).join(" ") + " .", ...bodySentences(rng, slots, word)].join(" ");
  return { text, topic, salient, mentioned: [...form.keys()].sort((a, b) => a - b) };
}

/** Step 3: every passage, with its topic and its salient and mentioned concepts as CSR rows. */
function generateDocs(
  config: GeneratorConfig,
  seed: number,
  model: ConceptModel,
  forms: readonly string[][],
) {
  const rng = createRng(deriveSeed(seed, "docs"));
  const fw = new Categorical(
    Int32Array.from(FUNCTION_WORDS, (_, i) => i),
    FUNCTION_WORDS.map((_, i) => 1 / (i + 1)),
  );
  const docs: Doc[] = [];
  const docTopic = new Int32Array(config.numDocs);
  const salientRows: number[][] = [],
    mentionedRows: number[][] = [];
  for (let d = 0; d < config.numDocs; d++) {
    const g = generateDoc(rng, config, model, forms, fw);
    docs.push({ docno: padId("D", d, config.numDocs), text: g.text });
    docTopic[d] = g.topic;
    salientRows.push(g.salient);
    mentionedRows.push(g.mentioned);
  }
  return { docs, docTopic, docSalient: toCsr(salientRows), docMentioned: toCsr(mentionedRows) };
}

/**
 * Step 4: each query from its own source passage (a shuffled order, split into train / dev /
 * test): k of its salient concepts mostly in their query form, in random order, sometimes a
 * background term of the source, a connective or a question prefix.
 */
function generateQueries(
  config: GeneratorConfig,
  seed: number,
  conceptTopic: Int32Array,
  forms: readonly string[][],
  docs: { docSalient: Csr; docMentioned: Csr },
) {
  const rng = createRng(deriveSeed(seed, "queries"));
  const order = rng.shuffle(Array.from({ length: config.numDocs }, (_, i) => i));
  const queries = {} as Record<Split, Query[]>;
  const queryConcepts = {} as Record<Split, Csr>;
  const querySource = {} as Record<Split, Int32Array>;
  const pick = (c: number) => pickForm(rng, forms[c], 1, config.queryFormBias);
  const totalQ = config.numQueries.train + config.numQueries.dev + config.numQueries.test;
  let next = 0,
    qn = 0;
  for (const split of SPLITS) {
    const n = config.numQueries[split];
    const qs: Query[] = [],
      rows: number[][] = [];
    const src = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const d = (src[i] = order[next++]);
      const sal = Array.from(csrRow(docs.docSalient, d));
      const k = Math.min(intIn(rng, config.queryConcepts), sal.length);
      const concepts = rng.shuffle(sal.slice()).slice(0, k);
      const parts = concepts.map(pick);
      if (rng.next() < config.contextTermRate) {
        const bg = Array.from(csrRow(docs.docMentioned, d)).filter(
          (c) => !sal.includes(c) && conceptTopic[c] >= 0,
        );
        if (bg.length) parts.push(pick(bg[rng.int(bg.length)]));
      }
      rng.shuffle(parts);
      if (parts.length > 1 && rng.next() < 0.25)
        parts.splice(1 + rng.int(parts.length - 1), 0, CONNECTIVES[rng.int(CONNECTIVES.length)]);
      const prefix = rng.next() < 0.5 ? QUERY_PREFIXES[rng.int(QUERY_PREFIXES.length)] + " " : "";
      qs.push({ qid: padId("Q", qn++, totalQ), text: prefix + parts.join(" ") });
      rows.push(concepts.sort((a, b) => a - b));
    }
    queries[split] = qs;
    queryConcepts[split] = toCsr(rows);
    querySource[split] = src;
  }
  return { queries, queryConcepts, querySource };
}

/**
 * Step 5: graded qrels. Grade ≥ 1 needs at least k − 1 of the query's k concepts salient in the
 * passage, so candidates are counted per passage through the concept → passages index; each
 * candidate is graded by {@link relevanceOf} and listed when its grade is ≥ 1.
 */
function gradeQrels(
  truth: SyntheticTruth,
  docs: readonly Doc[],
  queries: Record<Split, Query[]>,
  numConcepts: number,
): Record<Split, Qrels> {
  const qrels = {} as Record<Split, Qrels>;
  const salientDocs = invertCsr(truth.docSalient, numConcepts);
  const hits = new Int32Array(docs.length);
  const touched = new Int32Array(docs.length);
  for (const split of SPLITS) {
    const qr: Qrels = new Map();
    queries[split].forEach((q, i) => {
      const Q = csrRow(truth.queryConcepts[split], i);
      let nt = 0;
      for (const c of Q) for (const d of csrRow(salientDocs, c)) if (hits[d]++ === 0) touched[nt++] = d;
      const cands: number[] = [];
      for (let j = 0; j < nt; j++) {
        const d = touched[j];
        if (hits[d] >= Q.length - 1) cands.push(d);
        hits[d] = 0;
      }
      const judged = new Map<string, number>();
      for (const d of cands.sort((a, b) => a - b)) {
        const g = relevanceOf(truth, Q, d).grade;
        if (g > 0) judged.set(docs[d].docno, g);
      }
      qr.set(q.qid, judged);
    });
    qrels[split] = qr;
  }
  return qrels;
}

/**
 * Generate the embedded collection (steps 1–5 of the module comment). Deterministic: the same
 * configuration and seed always give identical documents, queries and qrels (each step draws from
 * its own stream, `deriveSeed(seed, "forms" | "words" | "docs" | "queries")`).
 */
export function generateCollection(config: GeneratorConfig, seed: number): SyntheticCollection {
  validateGeneratorConfig(config);
  const model = conceptModel(config);
  const conceptForms = surfaceForms(config, seed, model.nGeneral);
  const { docs, docTopic, docSalient, docMentioned } = generateDocs(config, seed, model, conceptForms);
  const q = generateQueries(config, seed, model.conceptTopic, conceptForms, { docSalient, docMentioned });
  const truth: SyntheticTruth = {
    conceptForms,
    conceptTopic: model.conceptTopic,
    conceptWeight: model.conceptWeight,
    docTopic,
    docSalient,
    docMentioned,
    queryConcepts: q.queryConcepts,
    querySource: q.querySource,
  };
  const qrels = gradeQrels(truth, docs, q.queries, config.numConcepts);
  return { config, seed, docs, queries: q.queries, qrels, truth };
}

/** Transpose a CSR (rows → columns), e.g. document → salient concepts into concept → documents. */
export function invertCsr(csr: Csr, numCols: number): Csr {
  const counts = new Int32Array(numCols + 1);
  for (let p = 0; p < csr.ids.length; p++) counts[csr.ids[p] + 1]++;
  for (let c = 0; c < numCols; c++) counts[c + 1] += counts[c];
  const offsets = counts.slice();
  const ids = new Int32Array(csr.ids.length);
  const cur = counts.slice(0, numCols);
  const nRows = csr.offsets.length - 1;
  for (let r = 0; r < nRows; r++)
    for (let p = csr.offsets[r]; p < csr.offsets[r + 1]; p++) ids[cur[csr.ids[p]]++] = r;
  return { offsets, ids };
}

function sortedHas(a: Int32Array, v: number): boolean {
  let lo = 0,
    hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === v) return true;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Relevance of document `d` for query concepts `Q` under the generative truth (step 5 of the
 * module comment): salient matches s, mentioned-only matches men, the grade 0–3, and the oracle
 * score 10·grade + s + 0.4·men.
 */
export function relevanceOf(
  truth: SyntheticTruth,
  Q: ArrayLike<number>,
  d: number,
): { s: number; men: number; grade: number; oracle: number } {
  const sal = csrRow(truth.docSalient, d),
    ment = csrRow(truth.docMentioned, d);
  let s = 0,
    men = 0;
  let missingMentioned = false;
  for (let i = 0; i < Q.length; i++) {
    const c = Q[i];
    if (sal.includes(c)) s++;
    else if (sortedHas(ment, c)) {
      men++;
      missingMentioned = true;
    }
  }
  const k = Q.length;
  const grade = s === k ? 3 : s === k - 1 ? (missingMentioned ? 2 : 1) : 0;
  return { s, men, grade, oracle: 10 * grade + s + 0.4 * men };
}

/** Oracle score of document index `d` for query `i` of `split` (see {@link relevanceOf}). */
export function oracleScore(truth: SyntheticTruth, split: Split, i: number, d: number): number {
  return relevanceOf(truth, csrRow(truth.queryConcepts[split], i), d).oracle;
}
