import { test } from "node:test";
import assert from "node:assert/strict";
import { stemmer } from "stemmer";
import {
  csrRow,
  generateCollection,
  generatorConfigFor,
  relevanceOf,
  SPLITS,
  validateGeneratorConfig,
} from "../../src/data/generator";

const config = generatorConfigFor("smoke");
const col = generateCollection(config, 7);
const { truth } = col;

test("same seed gives the identical collection, another seed a different one", () => {
  const again = generateCollection(config, 7);
  assert.deepEqual(again.docs, col.docs);
  assert.deepEqual(again.queries, col.queries);
  assert.deepEqual(again.qrels, col.qrels);
  const other = generateCollection(config, 8);
  assert.notDeepEqual(
    other.docs.map((d) => d.text),
    col.docs.map((d) => d.text),
  );
});

test("sizes, ids and lengths follow the configuration", () => {
  assert.equal(col.docs.length, config.numDocs);
  for (const s of SPLITS) assert.equal(col.queries[s].length, config.numQueries[s]);
  const docnos = new Set(col.docs.map((d) => d.docno));
  assert.equal(docnos.size, col.docs.length);
  const qids = SPLITS.flatMap((s) => col.queries[s].map((q) => q.qid));
  assert.equal(new Set(qids).size, qids.length);
  for (const d of col.docs) {
    const words = d.text.split(" ").filter((w) => w !== ".");
    assert.ok(
      words.length >= config.docWords[0] && words.length <= config.docWords[1],
      `doc length ${words.length}`,
    );
    assert.ok(d.text.endsWith(" ."));
  }
  for (const s of SPLITS)
    for (const q of col.queries[s]) {
      const n = q.text.split(" ").length;
      assert.ok(n >= 3 && n <= 10, `query length ${n}: ${q.text}`);
    }
});

test("surface forms are unique words with distinct Porter stems; doc text uses only known words", () => {
  const forms = truth.conceptForms.flat();
  assert.equal(new Set(forms).size, forms.length);
  assert.equal(new Set(forms.map((w) => stemmer(w))).size, forms.length);
  for (const f of forms) assert.match(f, /^[a-z]+$/);
  const wordConcept = new Map<string, number>();
  truth.conceptForms.forEach((fs, c) => fs.forEach((w) => wordConcept.set(w, c)));
  // every content word of a document is a form of a concept the truth lists as mentioned
  for (let d = 0; d < 50; d++) {
    const mentioned = new Set(csrRow(truth.docMentioned, d));
    for (const w of col.docs[d].text.split(" ")) {
      const c = wordConcept.get(w);
      if (c !== undefined) assert.ok(mentioned.has(c), `doc ${d}: ${w} not in mentioned set`);
    }
    // each salient concept appears 2–3 times, the first time in the lead sentence
    const lead = col.docs[d].text.split(" . ")[0].split(" ");
    for (const c of csrRow(truth.docSalient, d)) {
      const n = col.docs[d].text.split(" ").filter((w) => wordConcept.get(w) === c).length;
      assert.ok(n >= 2 && n <= 3, `salient concept mentioned ${n} times`);
      assert.ok(
        lead.some((w) => wordConcept.get(w) === c),
        "salient concept missing from the lead sentence",
      );
    }
  }
});

test("queries: k salient concepts of the source passage, every source passage graded 3", () => {
  for (const s of SPLITS) {
    col.queries[s].forEach((q, i) => {
      const Q = csrRow(truth.queryConcepts[s], i);
      assert.ok(Q.length >= config.queryConcepts[0] && Q.length <= config.queryConcepts[1]);
      const src = truth.querySource[s][i];
      const sal = Array.from(csrRow(truth.docSalient, src));
      for (const c of Q) assert.ok(sal.includes(c));
      assert.equal(col.qrels[s].get(q.qid)!.get(col.docs[src].docno), 3);
      assert.equal(relevanceOf(truth, Q, src).grade, 3);
    });
  }
  const sources = SPLITS.flatMap((s) => Array.from(truth.querySource[s]));
  assert.equal(new Set(sources).size, sources.length, "source passages are distinct");
});

test("qrels hold exactly the passages with grade ≥ 1 under the truth, and the oracle orders by grade", () => {
  const s = "dev";
  col.queries[s].forEach((q, i) => {
    const Q = csrRow(truth.queryConcepts[s], i);
    const judged = col.qrels[s].get(q.qid)!;
    for (let d = 0; d < col.docs.length; d++) {
      const r = relevanceOf(truth, Q, d);
      assert.equal(judged.get(col.docs[d].docno) ?? 0, r.grade);
      // oracle = 10·grade + s + 0.4·men, so a higher grade always scores higher
      assert.ok(Math.abs(r.oracle - (10 * r.grade + r.s + 0.4 * r.men)) < 1e-12);
      assert.ok(r.oracle >= 10 * r.grade && r.oracle < 10 * (r.grade + 1));
    }
  });
});

test("grade rule worked by hand on the truth of passage 0", () => {
  const sal = Array.from(csrRow(truth.docSalient, 0));
  const ment = Array.from(csrRow(truth.docMentioned, 0)).filter((c) => !sal.includes(c));
  const absent = [...Array(truth.conceptForms.length).keys()].find(
    (c) => !sal.includes(c) && !ment.includes(c),
  )!;
  // Q = 3 salient → s = 3 = k → grade 3, oracle 30 + 3 = 33
  assert.deepEqual(relevanceOf(truth, sal.slice(0, 3), 0), { s: 3, men: 0, grade: 3, oracle: 33 });
  // 2 salient + 1 mentioned → s = k − 1, missing one mentioned → grade 2, oracle 20 + 2 + 0.4
  assert.deepEqual(relevanceOf(truth, [sal[0], sal[1], ment[0]], 0), {
    s: 2,
    men: 1,
    grade: 2,
    oracle: 22.4,
  });
  // 2 salient + 1 absent → grade 1, oracle 10 + 2
  assert.deepEqual(relevanceOf(truth, [sal[0], sal[1], absent], 0), { s: 2, men: 0, grade: 1, oracle: 12 });
  // 1 salient + 2 absent → grade 0, oracle 1
  assert.deepEqual(relevanceOf(truth, [sal[0], absent, absent], 0).grade, 0);
});

test("vocabulary mismatch: queries and passages often use different forms of the same concept", () => {
  const wordConcept = new Map<string, number>();
  truth.conceptForms.forEach((fs, c) => fs.forEach((w) => wordConcept.set(w, c)));
  let same = 0,
    diff = 0;
  col.queries.train.forEach((q, i) => {
    const src = col.docs[truth.querySource.train[i]].text.split(" ");
    for (const c of csrRow(truth.queryConcepts.train, i)) {
      if (truth.conceptForms[c].length < 2) continue;
      const qf = q.text.split(" ").find((w) => wordConcept.get(w) === c)!;
      const df = src.find((w) => wordConcept.get(w) === c)!;
      if (qf === df) same++;
      else diff++;
    }
  });
  // with docFormBias = queryFormBias = 0.85 the match rate of a multi-form concept is ≈ 0.13–0.26
  const rate = same / (same + diff);
  assert.ok(rate > 0.05 && rate < 0.45, `surface match rate ${rate}`);
});

test("Zipf: frequent concepts are mentioned far more often than tail concepts", () => {
  const count = new Float64Array(truth.conceptForms.length);
  for (const c of truth.docMentioned.ids) count[c]++;
  const head = count.slice(0, 10).reduce((a, b) => a + b, 0);
  const tail = count.slice(300, 310).reduce((a, b) => a + b, 0);
  assert.ok(head > 5 * tail, `head ${head} tail ${tail}`);
  // general concepts (the top 5% of ranks) are topic −1
  assert.equal(truth.conceptTopic[0], -1);
  assert.ok(truth.conceptTopic[truth.conceptForms.length - 1] >= 0);
});

test("invalid configurations are rejected", () => {
  assert.throws(
    () => validateGeneratorConfig({ ...config, numQueries: { train: 1000, dev: 0, test: 0 } }),
    /exceeds numDocs/,
  );
  assert.throws(() => validateGeneratorConfig({ ...config, numTopics: 200 }), /too few concepts/);
});
