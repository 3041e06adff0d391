/**
 * BM25 first stage benchmark: index 100,000 passages of the embedded collection and
 * retrieve the top 100 for 1,000 queries. Reports build and query time, index size and peak
 * memory. `npm run bench -- bm25`.
 */
import { generateCollection, generatorConfigFor } from "../lib/src/data/generator";
import { buildBm25Index, bm25Run } from "../lib/src/data/bm25";
import { printTable, writeBench, peakRssMiB, type BenchRow } from "./common";

const NUM_DOCS = 100_000;
const NUM_QUERIES = 1_000;

function main(): void {
  const rows: BenchRow[] = [];
  let t = performance.now();
  const col = generateCollection(
    generatorConfigFor("paper", { numDocs: NUM_DOCS, numQueries: { train: 0, dev: NUM_QUERIES, test: 0 } }),
    1,
  );
  const genS = (performance.now() - t) / 1000;
  const rssAfterGen = peakRssMiB();
  for (const stem of [true, false]) {
    t = performance.now();
    const index = buildBm25Index(col.docs, { stem });
    const indexS = (performance.now() - t) / 1000;
    t = performance.now();
    const run = bm25Run(index, col.queries.dev, 100);
    const searchS = (performance.now() - t) / 1000;
    let retrieved = 0;
    for (const q of run.values()) retrieved += q.docnos.length;
    const indexMiB =
      (index.docIds.byteLength +
        index.tfs.byteLength +
        index.offsets.byteLength +
        index.df.byteLength +
        index.docLengths.byteLength) /
      2 ** 20;
    rows.push({
      analyzer: stem ? "porter" : "no stem",
      docs: col.docs.length,
      terms: index.terms.length,
      postings: index.numPostings,
      index_s: indexS,
      docs_per_s: Math.round(col.docs.length / indexS),
      queries: col.queries.dev.length,
      search_s: searchS,
      ms_per_query: (1000 * searchS) / col.queries.dev.length,
      mean_hits: retrieved / run.size,
      typed_arrays_MiB: indexMiB,
      peak_rss_MiB: Math.round(peakRssMiB()),
    });
  }
  printTable(
    `BM25: index ${NUM_DOCS} passages, top-100 for ${NUM_QUERIES} queries (generation ${genS.toFixed(1)} s, peak RSS after generation ${Math.round(rssAfterGen)} MiB)`,
    rows,
  );
  const file = writeBench("bm25", rows, {
    generationSeconds: genS,
    peakRssAfterGenerationMiB: rssAfterGen,
    k1: 0.9,
    b: 0.4,
    depth: 100,
  });
  console.log(`wrote ${file}`);
}

main();
