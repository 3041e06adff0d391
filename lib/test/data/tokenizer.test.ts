import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  buildVocabulary,
  encodeBatch,
  layoutPair,
  loadHfTokenizer,
  SPECIAL_IDS,
  SPECIAL_TOKENS,
  wordPieces,
  WordTokenizer,
} from "../../src/data/tokenizer";
import { InputError } from "../../src/util/fsutil";

const texts = ["the cat sat .", "the dog sat on the cat .", "a bird"];

test("vocabulary: specials first, then words by count descending, ties in code-unit order", () => {
  const tok = buildVocabulary(texts);
  // counts: the 3, cat 2, sat 2, . 2, dog 1, on 1, a 1, bird 1 → ". cat sat" tie at 2 sorted: "." < "cat" < "sat"
  assert.deepEqual(tok.tokens, [...SPECIAL_TOKENS, "the", ".", "cat", "sat", "a", "bird", "dog", "on"]);
  assert.equal(tok.vocabSize, 13);
  assert.deepEqual(SPECIAL_IDS, { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 });
  assert.deepEqual(buildVocabulary(texts, { minCount: 2 }).tokens.slice(5), ["the", ".", "cat", "sat"]);
  assert.deepEqual(buildVocabulary(texts, { maxWords: 2 }).tokens.slice(5), ["the", "."]);
});

test("encode / decode round trip; unknown words map to [UNK]", () => {
  const tok = buildVocabulary(texts);
  const ids = tok.encode("The dog sat.");
  assert.deepEqual(ids, [5, 11, 8, 6]);
  assert.equal(tok.decode(ids), "the dog sat .");
  assert.deepEqual(tok.encode("the zebra"), [5, SPECIAL_IDS.unk]);
  assert.deepEqual(wordPieces("Don't stop, now!"), ["don't", "stop", ",", "now", "!"]);
});

test("encodePair: [CLS] q [SEP] d [SEP], the document truncated first, then the query", () => {
  const tok = buildVocabulary(texts);
  // q = the cat (5, 7); d = dog sat on the cat (11, 8, 12, 5, 7)
  assert.deepEqual(
    Array.from(tok.encodePair("the cat", "dog sat on the cat", 64)),
    [2, 5, 7, 3, 11, 8, 12, 5, 7, 3],
  );
  // maxLen 7: budget 4 = 2 query + 2 document tokens
  assert.deepEqual(Array.from(tok.encodePair("the cat", "dog sat on the cat", 7)), [2, 5, 7, 3, 11, 8, 3]);
  // maxLen 4: budget 1, the query is cut and the document dropped
  assert.deepEqual(Array.from(tok.encodePair("the cat", "dog sat", 4)), [2, 5, 3, 3]);
  assert.throws(() => layoutPair([1], [1], 2, 2, 3), /maxLen/);
  assert.equal(tok.decode(tok.encodePair("the cat", "dog sat", 64), true), "the cat dog sat");
});

test("encodeBatch pads with [PAD]=0 and marks segments", () => {
  const tok = buildVocabulary(texts);
  const b = encodeBatch(
    tok,
    [
      ["the cat", "dog"],
      ["bird", "the dog sat"],
    ],
    8,
  );
  assert.deepEqual(Array.from(b.lengths), [6, 7]);
  assert.deepEqual(Array.from(b.ids.subarray(0, 8)), [2, 5, 7, 3, 11, 3, 0, 0]);
  assert.deepEqual(Array.from(b.typeIds.subarray(0, 8)), [0, 0, 0, 0, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(b.typeIds.subarray(8, 16)), [0, 0, 0, 1, 1, 1, 1, 0]);
});

test("vocab.txt round trip and malformed vocab files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vocab-"));
  const f = path.join(dir, "vocab.txt");
  const tok = buildVocabulary(texts);
  fs.writeFileSync(f, tok.toVocabText());
  const back = WordTokenizer.fromVocabFile(f);
  assert.deepEqual(back.tokens, tok.tokens);
  assert.deepEqual(back.encode("the dog"), tok.encode("the dog"));
  const bad = (text: string, line: number, re: RegExp) => {
    fs.writeFileSync(f, text);
    assert.throws(
      () => WordTokenizer.fromVocabFile(f),
      (e: unknown) => e instanceof InputError && e.line === line && re.test(e.message),
    );
  };
  bad("[PAD]\n[UNK]\n[CLS]\n[MASK]\n[SEP]\n", 4, /expected special token \[SEP\]/);
  bad(SPECIAL_TOKENS.join("\n") + "\ncat\ncat\n", 7, /duplicate token/);
  bad(SPECIAL_TOKENS.join("\n") + "\ncat dog\n", 6, /whitespace/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a Hugging Face tokenizer.json (WordPiece) behind the same pair interface", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hftok-"));
  const vocab = { "[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, hel: 4, "##lo": 5, world: 6, cat: 7 };
  const tj = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"].map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: "Lowercase" },
    pre_tokenizer: { type: "Whitespace" },
    post_processor: null,
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  const f = path.join(dir, "tokenizer.json");
  fs.writeFileSync(f, JSON.stringify(tj));
  const tok = loadHfTokenizer(f);
  assert.equal(tok.vocabSize, 8);
  assert.deepEqual([tok.clsId, tok.sepId, tok.padId], [2, 3, 0]);
  // "Hello" → lowercase → WordPiece hel + ##lo; "dog" is unknown
  assert.deepEqual(tok.encode("Hello world dog"), [4, 5, 6, 1]);
  assert.deepEqual(Array.from(tok.encodePair("hello", "cat world", 64)), [2, 4, 5, 3, 7, 6, 3]);
  assert.deepEqual(Array.from(tok.encodePair("hello", "cat world", 6)), [2, 4, 5, 3, 7, 3]);
  assert.equal(tok.decode(tok.encode("hello world")), "hello world");
  fs.writeFileSync(f, "{not json");
  assert.throws(
    () => loadHfTokenizer(f),
    (e: unknown) => e instanceof InputError && /invalid JSON/.test(e.message),
  );
  fs.writeFileSync(f, "{}");
  assert.throws(() => loadHfTokenizer(f), /not a tokenizer.json/);
  fs.rmSync(dir, { recursive: true, force: true });
});
