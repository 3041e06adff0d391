import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadDatasetDir, prepareDataset } from "../../src/data/dataset";
import { checkPaperFiles, MissingFilesError, PAPER_FILES } from "../../src/data/paper";
import { SPLITS } from "../../src/data/generator";
import { evaluate } from "../../src/eval/measures";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "dataset-"));
test.after(() => fs.rmSync(root, { recursive: true, force: true }));

function folderBytes(dir: string): Map<string, Buffer> {
  return new Map(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f))]),
  );
}

test("smoke dataset: same seed → byte-identical files, another seed → different files", async () => {
  const a = await prepareDataset({ profile: "smoke", seed: 3, dir: path.join(root, "a") });
  const b = await prepareDataset({ profile: "smoke", seed: 3, dir: path.join(root, "b") });
  const c = await prepareDataset({ profile: "smoke", seed: 4, dir: path.join(root, "c") });
  assert.equal(path.basename(a.dir), "smoke-seed3");
  const fa = folderBytes(a.dir),
    fb = folderBytes(b.dir),
    fc = folderBytes(c.dir);
  assert.deepEqual(
    [...fa.keys()],
    [
      "bm25.dev.trec",
      "bm25.test.trec",
      "bm25.train.trec",
      "collection.tsv",
      "groups.train.tsv",
      "manifest.json",
      "oracle.dev.trec",
      "oracle.test.trec",
      "qrels.dev.txt",
      "qrels.test.txt",
      "qrels.train.txt",
      "queries.dev.tsv",
      "queries.test.tsv",
      "queries.train.tsv",
      "truth.json",
      "vocab.txt",
    ],
  );
  for (const [f, bytes] of fa)
    assert.ok(bytes.equals(fb.get(f)!), `${f} differs between two builds with the same seed`);
  for (const f of [
    "collection.tsv",
    "queries.train.tsv",
    "qrels.dev.txt",
    "bm25.dev.trec",
    "groups.train.tsv",
  ]) {
    assert.ok(!fa.get(f)!.equals(fc.get(f)!), `${f} is the same for seeds 3 and 4`);
  }
  assert.equal(fs.readdirSync(path.join(root, "a")).length, 1, "no temporary folder left behind");
});

test("loading the cache gives the dataset that was built", async () => {
  const dir = path.join(root, "load");
  const built = await prepareDataset({ profile: "smoke", seed: 5, dir });
  assert.equal(built.fromCache, false);
  const loaded = await prepareDataset({ profile: "smoke", seed: 5, dir });
  assert.equal(loaded.fromCache, true);
  assert.deepEqual(loaded.docs, built.docs);
  assert.deepEqual(loaded.queries, built.queries);
  for (const s of SPLITS) {
    assert.deepEqual(loaded.qrels[s], built.qrels[s]);
    assert.deepEqual(loaded.bm25[s], built.bm25[s]);
  }
  assert.deepEqual(loaded.oracle, built.oracle);
  assert.deepEqual(loaded.groups, built.groups);
  assert.deepEqual(loaded.pointwise, built.pointwise);
  assert.deepEqual(loaded.tokenizer.tokens, built.tokenizer.tokens);
  assert.equal(loaded.maxLen, built.maxLen);
  assert.deepEqual(loaded.truth, built.truth);
  assert.deepEqual(loadDatasetDir(built.dir).queries.dev, built.queries.dev);
});

test("dataset contents: BM25 top-100, groups from the candidates, oracle above BM25", async () => {
  const ds = await prepareDataset({ profile: "smoke", seed: 5, dir: path.join(root, "load") });
  for (const s of SPLITS) {
    assert.equal(ds.bm25[s].size, ds.queries[s].length);
    for (const q of ds.queries[s]) assert.ok(ds.bm25[s].get(q.qid)!.docnos.length <= 100);
  }
  const g = ds.groups;
  assert.equal(g.size, 11);
  assert.equal(g.count + g.skipped.length, ds.queries.train.length);
  for (let k = 0; k < g.count; k++) {
    const qid = g.qids[k];
    const judged = ds.qrels.train.get(qid)!;
    const cands = new Set(ds.bm25.train.get(qid)!.docnos);
    assert.equal(judged.get(ds.docs[g.docIdx[k * 11]].docno), 3, "positive is a grade-3 passage");
    for (let j = 1; j < 11; j++) {
      const dn = ds.docs[g.docIdx[k * 11 + j]].docno;
      assert.ok(cands.has(dn), "negative comes from the BM25 candidates");
      assert.ok(!judged.has(dn), "negative is not judged relevant");
    }
  }
  const ndcg = (run: typeof ds.bm25.dev) => evaluate(ds.qrels.dev, run, ["ndcg_cut.10"]).means["ndcg_cut_10"];
  assert.ok(ndcg(ds.oracle!.dev) > ndcg(ds.bm25.dev) + 0.1, "oracle reranking is well above BM25");
  // every pair fits the recommended length for 99% of the training rows
  assert.ok(ds.maxLen >= 32 && ds.maxLen % 16 === 0);
});

test("paper profile: missing files are listed with where to put them", async () => {
  const empty = path.join(root, "nomsmarco");
  fs.mkdirSync(empty);
  const chk = checkPaperFiles(empty);
  assert.equal(chk.present.length, 0);
  assert.equal(chk.missingRequired.length, PAPER_FILES.filter((f) => f.required).length);
  await assert.rejects(
    prepareDataset({ profile: "paper", source: "msmarco", paperDir: empty, dir: root }),
    (e: unknown) => {
      assert.ok(e instanceof MissingFilesError);
      for (const f of PAPER_FILES.filter((x) => x.required))
        assert.ok(e.message.includes(path.join(empty, f.path)), f.path);
      assert.match(e.message, /collectionandqueries\.tar\.gz/);
      assert.match(e.message, /2019qrels-pass\.txt/);
      return true;
    },
  );
});

test("paper profile on real-format files (a tiny MS MARCO + TREC DL layout)", async () => {
  const p = path.join(root, "msmarco");
  fs.mkdirSync(path.join(p, "trec-dl-2019"), { recursive: true });
  const words = [
    "cat",
    "dog",
    "fish",
    "bird",
    "tree",
    "river",
    "stone",
    "cloud",
    "apple",
    "music",
    "train",
    "paper",
  ];
  const docs = Array.from(
    { length: 40 },
    (_, i) => `${i}\t${words[i % 12]} ${words[(i * 5) % 12]} ${words[(i * 7 + 3) % 12]} note ${i}`,
  );
  fs.writeFileSync(path.join(p, "collection.tsv"), docs.join("\n") + "\n");
  fs.writeFileSync(path.join(p, "queries.train.tsv"), "100\tcat dog\n101\tfish bird\n102\tunjudged query\n");
  fs.writeFileSync(path.join(p, "qrels.train.tsv"), "100\t0\t0\t1\n101\t0\t2\t1\n");
  fs.writeFileSync(path.join(p, "queries.dev.small.tsv"), "200\ttree river\n");
  fs.writeFileSync(path.join(p, "qrels.dev.small.tsv"), "200\t0\t4\t1\n");
  fs.writeFileSync(
    path.join(p, "trec-dl-2019", "msmarco-test2019-queries.tsv"),
    "300\tstone cloud\n301\tno judgments\n",
  );
  fs.writeFileSync(path.join(p, "trec-dl-2019", "2019qrels-pass.txt"), "300 Q0 6 3\n300 Q0 7 0\n");
  const ds = await prepareDataset({ profile: "paper", paperDir: p, dir: root, seed: 1 });
  assert.equal(ds.source, "msmarco");
  assert.equal(path.basename(ds.dir), "paper-msmarco-seed1");
  assert.equal(ds.docs.length, 40);
  assert.deepEqual(
    ds.queries.train.map((q) => q.qid),
    ["100", "101"],
  ); // unjudged query dropped
  assert.deepEqual(
    ds.queries.test.map((q) => q.qid),
    ["300"],
  );
  assert.equal(ds.qrels.test.get("300")!.get("6"), 3);
  assert.equal(ds.oracle, null);
  assert.equal(ds.groups.count, 2);
  assert.equal(ds.docs[ds.groups.docIdx[0]].docno, "0");
  assert.ok(fs.existsSync(path.join(ds.dir, "bm25.dev.trec")));
  const again = await prepareDataset({ profile: "paper", paperDir: p, dir: root, seed: 1 });
  assert.equal(again.fromCache, true);
  assert.deepEqual(again.bm25.train, ds.bm25.train);
});
