import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import {
  compareDocnos,
  evaluate,
  Evaluator,
  formatFixed4,
  formatTrecEval,
  parseMeasures,
  qrelsFromObject,
  rankQuery,
  readTrecQrels,
  readTrecRun,
  runFromObject,
  runQueryFromArrays,
  standardMetrics,
} from "../../src/eval";

const FIX = path.resolve(__dirname, "..", "fixtures", "eval");
const close = (a: number, b: number, tol = 1e-15) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

/*
 * The golden fixture (fixtures/eval/golden.{qrels,run}):
 *   q1 run: x 4.0 (unjudged), b 3.0 (grade 1), a 2.0 (grade 3), c 1.0 (grade 0); d (grade 2) not retrieved
 *   q2 run: "10" 1.0 (grade 1), "9" 1.0 (grade 0), "100" 0.5   — a tie between numeric-looking docnos
 *   q3 run: z (grade 0), y — a qrels query with no relevant document
 *   q4: in the qrels, missing from the run;  q5: in the run, missing from the qrels
 */
const qrels = readTrecQrels(path.join(FIX, "golden.qrels"));
const run = readTrecRun(path.join(FIX, "golden.run"));
const L3 = Math.log2(3); // discount of rank 2 (log2(2+1)); rank 1 → log2 2 = 1, rank 3 → log2 4 = 2
const ALL = [
  "num_q",
  "num_ret",
  "num_rel",
  "num_rel_ret",
  "map",
  "Rprec",
  "recip_rank",
  "P.1,2,5",
  "recall.2,4",
  "ndcg",
  "ndcg_cut.2,10",
];

test("ties are broken by docno in descending byte order: '9' ranks above '10'", () => {
  // Same score 1.0; bytes '9' (0x39) > '1' (0x31), so "9" comes first although 9 < 10 as numbers.
  const q = run.get("q2")!;
  const order = Array.from(rankQuery(q), (i) => q.docnos[i]);
  assert.deepEqual(order, ["9", "10", "100"]);
  assert.ok(
    compareDocnos("9", "10") > 0 && compareDocnos("D2", "D10") > 0 && compareDocnos("abc", "abd") < 0,
  );
  // UTF-8 byte order, not UTF-16: U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80).
  assert.ok(compareDocnos("\uff5e", "\u{1f600}") < 0);
  // Consequence: the relevant "10" is at rank 2 → RR = 1/2, AP = (1/2)/1, P@1 = 0.
  const r = evaluate(qrels, run, ["map", "recip_rank", "P.1"]);
  const i = r.qids.indexOf("q2");
  assert.equal(r.perQuery["recip_rank"][i], 1 / 2);
  assert.equal(r.perQuery["map"][i], 1 / 2);
  assert.equal(r.perQuery["P_1"][i], 0);
});

test("graded qrels, binary measures at level 1 (hand-worked, query q1)", () => {
  const r = evaluate(qrels, run, ALL);
  assert.deepEqual(r.qids, ["q1", "q2", "q3"]); // q4 not in run (skipped), q5 not in qrels (ignored)
  const v = (m: string) => r.perQuery[m][0];
  // ranks: x1 b2 a3 c4; relevant (grade ≥ 1): b, a, d → R = 3
  assert.equal(v("num_ret"), 4);
  assert.equal(v("num_rel"), 3);
  assert.equal(v("num_rel_ret"), 2);
  close(v("map"), (1 / 2 + 2 / 3) / 3); // precision at b (1/2) and at a (2/3), over R = 3
  close(v("Rprec"), 2 / 3); // top R = 3: x, b, a → 2 relevant
  assert.equal(v("recip_rank"), 1 / 2);
  assert.equal(v("P_1"), 0);
  assert.equal(v("P_2"), 1 / 2);
  close(v("P_5"), 2 / 5); // P@k divides by k even with only 4 retrieved
  close(v("recall_2"), 1 / 3);
  close(v("recall_4"), 2 / 3);
  // nDCG, linear gain = grade: DCG = 1/log2(3) + 3/log2(4); ideal (3, 2, 1) = 3/1 + 2/log2(3) + 1/2
  const dcg = 1 / L3 + 3 / 2;
  const idcg = 3 + 2 / L3 + 1 / 2;
  close(v("ndcg"), dcg / idcg);
  close(v("ndcg_cut_10"), dcg / idcg);
  close(v("ndcg_cut_2"), 1 / L3 / (3 + 2 / L3)); // cut at 2: DCG = 1/log2 3, ideal = 3 + 2/log2 3
});

test("graded vs binary: -l 2 changes the binary measures but not nDCG", () => {
  const r = evaluate(qrels, run, ALL, { relevanceLevel: 2 });
  const v = (m: string) => r.perQuery[m][0];
  // relevant now: a (3), d (2) → R = 2; a at rank 3
  assert.equal(v("num_rel"), 2);
  close(v("map"), 1 / 3 / 2);
  close(v("recip_rank"), 1 / 3);
  assert.equal(v("P_2"), 0);
  assert.equal(v("Rprec"), 0); // top 2: x, b → none relevant
  close(v("ndcg"), (1 / L3 + 3 / 2) / (3 + 2 / L3 + 1 / 2)); // unchanged
  // q2's only judged-relevant doc has grade 1 → R = 0 → every binary measure 0
  assert.equal(r.perQuery["map"][1], 0);
  assert.equal(r.perQuery["recall_2"][1], 0);
});

test("Burges gain 2^g − 1 is opt-in", () => {
  const r = evaluate(qrels, run, ["ndcg"], { gain: "burges" });
  // gains: b 1, a 7, d 3. DCG = 1/log2 3 + 7/2; ideal (7, 3, 1) = 7 + 3/log2 3 + 1/2
  close(r.perQuery["ndcg"][0], (1 / L3 + 7 / 2) / (7 + 3 / L3 + 1 / 2));
});

test("means follow trec_eval: averages over evaluated queries, num_* are sums", () => {
  const r = evaluate(qrels, run, ALL);
  assert.equal(r.means["num_q"], 3);
  assert.equal(r.means["num_ret"], 4 + 3 + 2);
  assert.equal(r.means["num_rel"], 3 + 1 + 0);
  assert.equal(r.means["num_rel_ret"], 2 + 1 + 0);
  close(r.means["map"], ((1 / 2 + 2 / 3) / 3 + 1 / 2 + 0) / 3);
  close(r.means["recip_rank"], (1 / 2 + 1 / 2 + 0) / 3);
  // q3 has no relevant document: it scores 0 everywhere and still counts
  for (const m of r.measures) if (m !== "num_q" && m !== "num_ret") assert.equal(r.perQuery[m][2], 0, m);
});

test("-c adds qrels queries missing from the run with 0 (num_rel kept, trec_eval 10)", () => {
  const r = evaluate(qrels, run, ALL, { complete: true });
  assert.deepEqual(r.qids, ["q1", "q2", "q3", "q4"]);
  assert.deepEqual(Array.from(r.missing), [0, 0, 0, 1]);
  assert.equal(r.means["num_q"], 4);
  close(r.means["map"], ((1 / 2 + 2 / 3) / 3 + 1 / 2 + 0 + 0) / 4);
  assert.equal(r.perQuery["num_rel"][3], 1);
  assert.equal(r.perQuery["num_ret"][3], 0);
  assert.equal(r.perQuery["map"][3], 0);
  // trec_eval quirk (m_num_rel.c): with -c the summary num_rel counts grades > 0 over all qrels,
  // whatever -l says: a, b, d, "10", m = 5 (at -l 2 the per-query values sum to 2 + 0 + 0 + 0).
  const r2 = evaluate(qrels, run, ["num_rel"], { complete: true, relevanceLevel: 2 });
  assert.equal(r2.means["num_rel"], 5);
});

test("-M 10 truncates every ranking (MRR@10), P@20 still divides by 20", () => {
  const docs = Array.from({ length: 12 }, (_, i) => `d${String(i + 1).padStart(2, "0")}`);
  const q = runQueryFromArrays(
    docs,
    docs.map((_, i) => 12 - i),
  ); // d01 first … d12 last
  const qr = qrelsFromObject({ q: { d11: 1 } });
  const rn = new Map([["q", q]]);
  const full = evaluate(qr, rn, ["recip_rank", "P.20", "num_ret", "map"]);
  assert.equal(full.means["recip_rank"], 1 / 11);
  assert.equal(full.means["P_20"], 1 / 20);
  const cut = evaluate(qr, rn, ["recip_rank", "P.20", "num_ret", "map"], { maxDepth: 10 });
  assert.equal(cut.means["recip_rank"], 0);
  assert.equal(cut.means["P_20"], 0);
  assert.equal(cut.means["num_ret"], 10);
  assert.equal(standardMetrics(qr, rn)["mrr@10"], 0);
});

test("unjudged and negative grades are non-relevant with gain 0", () => {
  const qr = qrelsFromObject({ q: { a: -1, b: 2 } });
  const rn = runFromObject({ q: { a: 3, u: 2, b: 1 } }); // a (grade −1) r1, u (unjudged) r2, b r3
  const r = evaluate(qr, rn, ["map", "ndcg", "num_rel"]);
  assert.equal(r.means["num_rel"], 1);
  close(r.means["map"], 1 / 3);
  close(r.means["ndcg"], 2 / 2 / 2); // DCG = 2/log2(4) = 1; ideal = 2/log2(2) = 2
});

test("empty runs: no queries evaluated; with -c every qrels query scores 0", () => {
  const r = evaluate(qrels, new Map(), ["map", "num_q"]);
  assert.equal(r.numQueries, 0);
  assert.equal(r.means["map"], 0);
  const c = evaluate(qrels, new Map(), ["map", "num_q", "num_ret"], { complete: true });
  assert.equal(c.means["num_q"], 4);
  assert.equal(c.means["map"], 0);
  assert.equal(c.means["num_ret"], 0);
  // A query present with zero candidates is evaluated (num_q counts it) and scores 0.
  const e = evaluate(qrels, new Map([["q1", runQueryFromArrays([], [])]]), ["map", "num_q"]);
  assert.equal(e.means["num_q"], 1);
  assert.equal(e.means["map"], 0);
});

test("many relevant docs take the full-sort path and agree with counting", () => {
  // 30 relevant docs (> the counting limit) with heavy ties: AP computed from an explicit ranking.
  const docnos = Array.from({ length: 60 }, (_, i) => String(i));
  const scores = docnos.map((_, i) => (i * 7) % 5); // 5 tie groups
  const q = runQueryFromArrays(docnos, scores);
  const grades: Record<string, number> = {};
  for (let i = 0; i < 60; i += 2) grades[String(i)] = 1;
  const r = evaluate(qrelsFromObject({ q: grades }), new Map([["q", q]]), ["map", "P.10"]);
  const order = Array.from(rankQuery(q), (i) => docnos[i]);
  let so = 0,
    sum = 0,
    p10 = 0;
  order.forEach((d, i) => {
    if (grades[d]) {
      so++;
      sum += so / (i + 1);
      if (i < 10) p10++;
    }
  });
  close(r.means["map"], sum / 30);
  close(r.means["P_10"], p10 / 10);
});

test("standardMetrics returns exactly the project's record keys", () => {
  const s = standardMetrics(qrels, run);
  assert.deepEqual(Object.keys(s).sort(), ["map", "mrr@10", "ndcg@10", "p@10", "recall@10"]);
  const r = evaluate(qrels, run, ["map", "ndcg_cut.10", "recall.10", "P.10"]);
  assert.equal(s["map"], r.means["map"]);
  assert.equal(s["ndcg@10"], r.means["ndcg_cut_10"]);
  assert.equal(s["p@10"], r.means["P_10"]);
  assert.equal(s["recall@10"], r.means["recall_10"]);
  close(s["mrr@10"], (1 / 2 + 1 / 2 + 0) / 3);
});

test("Evaluator (streaming) equals evaluate", () => {
  const ev = new Evaluator(qrels, ALL);
  for (const [qid, q] of run) ev.add(qid, q);
  assert.deepEqual(ev.finish(), evaluate(qrels, run, ALL));
  assert.throws(() => ev.add("q1", run.get("q1")!), /added twice/);
});

test("measure names parse like trec_eval -m", () => {
  const s = parseMeasures(["ndcg_cut.10", "map", "P.10,5", "P.20", "recall", "num_q"]);
  assert.deepEqual(s.map((x) => x.names).flat(), [
    "num_q",
    "map",
    "P_5",
    "P_10",
    "recall_5",
    "recall_10",
    "recall_15",
    "recall_20",
    "recall_30",
    "recall_100",
    "recall_200",
    "recall_500",
    "recall_1000",
    "ndcg_cut_10",
  ]); // trec_eval's print order; cutoffs sorted; the first list for P wins; recall gets defaults
  assert.throws(() => parseMeasures(["bpref"]), /unknown measure/);
  assert.throws(() => parseMeasures(["P.0"]), /positive/);
  assert.throws(() => parseMeasures(["P.5,5"]), /duplicate/);
  assert.throws(() => parseMeasures(["map.3"]), /no parameters/);
});

test("trec_eval text output: %6.4f with round-half-even on exact ties", () => {
  assert.equal(formatFixed4(0.03125), "0.0312"); // 1/32 is an exact tie: glibc rounds to even
  assert.equal(formatFixed4(0.09375), "0.0938"); // 3/32: tie, 7 is odd → up
  assert.equal(formatFixed4(2 / 3), "0.6667");
  assert.equal(formatFixed4(0), "0.0000");
  const text = formatTrecEval(evaluate(qrels, run, ["num_q", "map", "P.2"]), { perQuery: true });
  const lines = text.trimEnd().split("\n");
  assert.equal(lines[0], "map                   \tq1\t0.3889");
  assert.equal(lines[1], "P_2                   \tq1\t0.5000");
  assert.equal(lines[6], "num_q                 \tall\t3");
  assert.equal(lines[7], "map                   \tall\t0.2963"); // (7/18 + 1/2)/3 = 0.296296…
});
