/**
 * Generative-retrieval index and decoding benchmark: build the suffix-array n-gram
 * index over random Zipf-distributed corpora of 10⁵ and 10⁶ tokens, time prefix-extension and
 * n-gram → documents queries, and constrained beam search with a model-free scorer (random
 * log-probabilities) for the paper's beam sizes, so the numbers are the index's share of decoding.
 * `npm run bench -- genret`.
 */
import { createRng } from "../lib/src/util/rng";
import { buildNgramIndex } from "../lib/src/genret/ngramindex";
import { constrainedBeamSearch, aggregateNgrams, type NextTokenScorer } from "../lib/src/genret/beam";
import { printTable, writeBench, peakRssMiB, type BenchRow } from "./common";

const VOCAB = 8000;
const DOC_LEN = 50;

/** Zipf(1) token sampler over VOCAB ids by inverse CDF. */
function zipfSampler(seed: number): () => number {
  const r = createRng(seed);
  const cum = new Float64Array(VOCAB);
  let s = 0;
  for (let i = 0; i < VOCAB; i++) cum[i] = s += 1 / (i + 2);
  return () => {
    const u = r.next() * s;
    let lo = 0,
      hi = VOCAB - 1;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (cum[m] > u) hi = m;
      else lo = m + 1;
    }
    return lo;
  };
}

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  const beamRows: BenchRow[] = [];
  for (const tokens of [100_000, 1_000_000]) {
    const draw = zipfSampler(tokens);
    const docs = Array.from({ length: tokens / DOC_LEN }, () => Int32Array.from({ length: DOC_LEN }, draw));
    let t = performance.now();
    const idx = buildNgramIndex(docs);
    const buildS = (performance.now() - t) / 1000;
    const r = createRng(7);
    const probes = Array.from({ length: 2000 }, () => {
      const d = docs[r.int(docs.length)];
      const s = r.int(DOC_LEN - 5);
      return d.subarray(s, s + 1 + r.int(4));
    });
    t = performance.now();
    let ext = 0;
    for (const p of probes) ext += idx.extensions(p).tokens.length;
    const extUs = ((performance.now() - t) * 1000) / probes.length;
    t = performance.now();
    let hits = 0;
    for (const p of probes) hits += idx.documents(p).docs.length;
    const docUs = ((performance.now() - t) * 1000) / probes.length;
    rows.push({
      tokens,
      docs: docs.length,
      build_s: buildS,
      tokens_per_s: Math.round(tokens / buildS),
      extensions_us: extUs,
      mean_extensions: ext / probes.length,
      documents_us: docUs,
      mean_docs: hits / probes.length,
      index_MiB:
        (idx.text.byteLength + idx.sa.byteLength + idx.lcp.byteLength + idx.docOf.byteLength) / 2 ** 20,
      peak_rss_MiB: Math.round(peakRssMiB()),
    });
    if (tokens !== 1_000_000) continue;
    const rs = createRng(3);
    const scorer: NextTokenScorer = (prefixes) =>
      prefixes.map(() => Float32Array.from({ length: VOCAB }, () => -10 * rs.next()));
    for (const beam of [1, 5, 15, 50, 100]) {
      t = performance.now();
      const reps = beam >= 50 ? 2 : 5;
      let ngrams = 0,
        scoredDocs = 0;
      for (let i = 0; i < reps; i++) {
        const res = await constrainedBeamSearch(idx, scorer, { beam, maxLen: 10 });
        ngrams += res.ngrams.length;
        scoredDocs += aggregateNgrams(idx, res).size;
      }
      beamRows.push({
        beam,
        ms_per_query: (performance.now() - t) / reps,
        ngrams_per_query: ngrams / reps,
        docs_per_query: scoredDocs / reps,
      });
    }
  }
  printTable(
    "n-gram index (suffix array + LCP): build and queries (2,000 random corpus n-grams of 1–4 tokens)",
    rows,
  );
  printTable(
    "constrained beam search + aggregation over 10⁶ tokens, random scorer (index and bookkeeping cost only)",
    beamRows,
  );
  const file = writeBench("genret", [...rows, ...beamRows], { vocab: VOCAB, docLen: DOC_LEN, zipf: 1 });
  console.log(`wrote ${file}`);
}

main();
