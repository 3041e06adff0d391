/**
 * Tokenizers and cross-encoder pair encoding `[CLS] q [SEP] d [SEP]` (BERT's input layout,
 * Devlin et al. 2019; the paper's rerankers read query and passage concatenated this way).
 *
 * Two tokenizers share one interface, {@link PairTokenizer}:
 *  - {@link WordTokenizer}: a word-level vocabulary built from training text, for models trained
 *    from scratch on the embedded collection (every synthetic word is one token);
 *  - {@link HfPairTokenizer}: a Hugging Face `tokenizer.json` loaded through
 *    `@huggingface/tokenizers`, for real text and pretrained model families.
 */
import * as fs from "node:fs";
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { InputError } from "../util/fsutil";

/** Special tokens of the word-level vocabulary, with their fixed ids. */
export const SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;
/** Ids of the special tokens of {@link WordTokenizer}: [PAD]=0 (so zero-filled id arrays are padding), [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4. */
export const SPECIAL_IDS = { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 } as const;
const PAD_ID = SPECIAL_IDS.pad,
  UNK_ID = SPECIAL_IDS.unk,
  CLS_ID = SPECIAL_IDS.cls,
  SEP_ID = SPECIAL_IDS.sep,
  MASK_ID = SPECIAL_IDS.mask;

/** What a cross-encoder needs from a tokenizer. */
export interface PairTokenizer {
  /** Number of ids (embedding rows). */
  readonly vocabSize: number;
  readonly padId: number;
  readonly clsId: number;
  readonly sepId: number;
  /** Token ids of one text, no special tokens. */
  encode(text: string): number[];
  /**
   * `[CLS] q [SEP] d [SEP]` as ids, at most `maxLen` long: the document is truncated first; if
   * the query alone does not fit (`|q| > maxLen − 3`) it is cut to `maxLen − 3` and the document
   * is dropped. Not padded.
   */
  encodePair(query: string, doc: string, maxLen: number): Int32Array;
}

/**
 * Where segment 1 (`d [SEP]`) starts in a pair laid out by {@link layoutPair} from a query of
 * `queryTokens` ids: 2 + min(|q|, maxLen − 3). This is the pair template's boundary, which a
 * literal "[SEP]" inside the query text (a special token to Hugging Face tokenizers) does not
 * move; Hugging Face's token_type_ids follow the template the same way.
 */
export function pairSegmentStart(queryTokens: number, maxLen: number): number {
  return 2 + Math.min(queryTokens, maxLen - 3);
}

/**
 * Lay out `[CLS] q [SEP] d [SEP]` from token ids with the truncation rule of
 * {@link PairTokenizer.encodePair}. Throws for maxLen < 3.
 */
export function layoutPair(
  q: ArrayLike<number>,
  d: ArrayLike<number>,
  maxLen: number,
  clsId: number,
  sepId: number,
): Int32Array {
  if (!(maxLen >= 3)) throw new RangeError(`encodePair: maxLen must be ≥ 3, got ${maxLen}`);
  const budget = maxLen - 3;
  const nq = Math.min(q.length, budget);
  const nd = Math.min(d.length, budget - nq);
  const out = new Int32Array(3 + nq + nd);
  out[0] = clsId;
  for (let i = 0; i < nq; i++) out[1 + i] = q[i];
  out[1 + nq] = sepId;
  for (let i = 0; i < nd; i++) out[2 + nq + i] = d[i];
  out[2 + nq + nd] = sepId;
  return out;
}

/** A padded batch of encoded pairs. */
export interface EncodedBatch {
  /** `n × maxLen` ids, row-major, padded with `padId`. */
  ids: Int32Array;
  /** `n × maxLen` segment ids: 0 for `[CLS] q [SEP]`, 1 for `d [SEP]` (from the pair template, {@link pairSegmentStart}), 0 for padding. */
  typeIds: Int32Array;
  /** Unpadded length of each row. */
  lengths: Int32Array;
  maxLen: number;
}

/**
 * Encode and pad many pairs at once (see {@link PairTokenizer.encodePair}); segment ids switch to
 * 1 where the pair template's document part starts ({@link pairSegmentStart}).
 */
export function encodeBatch(
  tok: PairTokenizer,
  pairs: ReadonlyArray<readonly [string, string]>,
  maxLen: number,
): EncodedBatch {
  const n = pairs.length;
  const ids = new Int32Array(n * maxLen),
    typeIds = new Int32Array(n * maxLen),
    lengths = new Int32Array(n);
  if (tok.padId !== 0) ids.fill(tok.padId);
  for (let i = 0; i < n; i++) {
    const row = tok.encodePair(pairs[i][0], pairs[i][1], maxLen);
    ids.set(row, i * maxLen);
    lengths[i] = row.length;
    const start = pairSegmentStart(tok.encode(pairs[i][0]).length, maxLen);
    for (let j = start; j < row.length; j++) typeIds[i * maxLen + j] = 1;
  }
  return { ids, typeIds, lengths, maxLen };
}

/** Options for {@link buildVocabulary} (defaults in brackets). */
export interface VocabOptions {
  /** Keep words seen at least this often [1]. */
  minCount?: number;
  /** Keep at most this many words (most frequent first; specials not counted) [unlimited]. */
  maxWords?: number;
  /** Lowercase text before splitting [true]. */
  lowercase?: boolean;
}

/**
 * Split text into word-level tokens: lowercase (optional), then runs of letters/digits (internal
 * apostrophes kept) and single punctuation characters as separate tokens.
 */
export function wordPieces(text: string, lowercase = true): string[] {
  const t = lowercase ? text.toLowerCase() : text;
  return t.match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}

/**
 * Word-level tokenizer with the special tokens [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4
 * followed by the vocabulary words. Unknown words map to [UNK].
 */
export class WordTokenizer implements PairTokenizer {
  readonly padId = PAD_ID;
  readonly clsId = CLS_ID;
  readonly sepId = SEP_ID;
  readonly unkId = UNK_ID;
  readonly maskId = MASK_ID;
  private readonly ids: Map<string, number>;

  /** @param tokens the full id → token table; its first five entries must be the specials. */
  constructor(
    readonly tokens: readonly string[],
    readonly lowercase = true,
  ) {
    SPECIAL_TOKENS.forEach((s, i) => {
      if (tokens[i] !== s) throw new Error(`WordTokenizer: token ${i} must be ${s}, got ${tokens[i]}`);
    });
    this.ids = new Map(tokens.map((t, i) => [t, i]));
    if (this.ids.size !== tokens.length) throw new Error("WordTokenizer: duplicate tokens in vocabulary");
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  /** Id of a token string, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  encode(text: string): number[] {
    return wordPieces(text, this.lowercase).map((w) => this.ids.get(w) ?? UNK_ID);
  }

  encodePair(query: string, doc: string, maxLen: number): Int32Array {
    return layoutPair(this.encode(query), this.encode(doc), maxLen, CLS_ID, SEP_ID);
  }

  /** Tokens of ids joined by spaces; `skipSpecial` drops [PAD]/[CLS]/[SEP]/[MASK] (not [UNK]). */
  decode(ids: ArrayLike<number>, skipSpecial = false): string {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (skipSpecial && id !== UNK_ID && id < SPECIAL_TOKENS.length) continue;
      out.push(this.tokens[id] ?? "[UNK]");
    }
    return out.join(" ");
  }

  /** The vocabulary file: one token per line, line i+1 = id i (BERT `vocab.txt` layout). */
  toVocabText(): string {
    return this.tokens.join("\n") + "\n";
  }

  /** Read a `vocab.txt` written by {@link WordTokenizer.toVocabText}. */
  static fromVocabFile(file: string, lowercase = true): WordTokenizer {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    SPECIAL_TOKENS.forEach((s, i) => {
      if (lines[i] !== s)
        throw new InputError(file, i + 1, `expected special token ${s}, got "${lines[i] ?? ""}"`);
    });
    const seen = new Set<string>();
    lines.forEach((t, i) => {
      if (t === "" || /\s/.test(t)) throw new InputError(file, i + 1, "empty token or token with whitespace");
      if (seen.has(t)) throw new InputError(file, i + 1, `duplicate token "${t}"`);
      seen.add(t);
    });
    return new WordTokenizer(lines, lowercase);
  }
}

/**
 * Build a word-level vocabulary from training text: count {@link wordPieces}, keep words with
 * count ≥ minCount, order by count descending then by code-unit order (deterministic), cap at
 * maxWords, and put the five special tokens first.
 */
export function buildVocabulary(texts: Iterable<string>, options: VocabOptions = {}): WordTokenizer {
  const minCount = options.minCount ?? 1,
    lower = options.lowercase ?? true;
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of wordPieces(t, lower)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const specials = new Set<string>(SPECIAL_TOKENS);
  let words = Array.from(counts).filter(([w, c]) => c >= minCount && !specials.has(w));
  words.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (options.maxWords !== undefined) words = words.slice(0, options.maxWords);
  return new WordTokenizer([...SPECIAL_TOKENS, ...words.map(([w]) => w)], lower);
}

/**
 * A Hugging Face `tokenizer.json` (plus optional `tokenizer_config.json`) behind the
 * {@link PairTokenizer} interface. [CLS]/[SEP] are looked up as `[CLS]`/`[SEP]` (BERT family)
 * or `<s>`/`</s>` (RoBERTa family); the pair layout is always `cls q sep d sep` with our
 * truncation rule, so every family is fed identically.
 */
export class HfPairTokenizer implements PairTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly vocabSize: number;

  constructor(readonly hf: HfTokenizer) {
    const id = (...names: string[]): number | undefined => {
      for (const n of names) {
        const v = hf.token_to_id(n);
        if (v !== undefined) return v;
      }
      return undefined;
    };
    const cls = id("[CLS]", "<s>"),
      sep = id("[SEP]", "</s>");
    if (cls === undefined || sep === undefined)
      throw new Error("tokenizer.json has neither [CLS]/[SEP] nor <s>/</s>");
    this.clsId = cls;
    this.sepId = sep;
    this.padId = id("[PAD]", "<pad>") ?? 0;
    let max = -1;
    for (const v of hf.get_vocab(true).values()) max = Math.max(max, v);
    this.vocabSize = max + 1;
  }

  encode(text: string): number[] {
    return this.hf.encode(text, { add_special_tokens: false }).ids;
  }

  encodePair(query: string, doc: string, maxLen: number): Int32Array {
    return layoutPair(this.encode(query), this.encode(doc), maxLen, this.clsId, this.sepId);
  }

  /** Decode ids back to text (special tokens skipped). */
  decode(ids: ArrayLike<number>): string {
    return this.hf.decode(Array.from(ids), { skip_special_tokens: true });
  }
}

/**
 * Load a Hugging Face `tokenizer.json` (and `tokenizer_config.json` when given or found next to
 * it). Throws InputError(file, 0, …) for unreadable or invalid JSON.
 */
export function loadHfTokenizer(tokenizerJson: string, configJson?: string): HfPairTokenizer {
  const readJson = (file: string): object => {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new InputError(file, 0, `cannot read (${(e as Error).message})`);
    }
    try {
      return JSON.parse(text) as object;
    } catch (e) {
      throw new InputError(file, 0, `invalid JSON (${(e as Error).message})`);
    }
  };
  const tj = readJson(tokenizerJson);
  if (!("model" in tj)) throw new InputError(tokenizerJson, 0, 'not a tokenizer.json (no "model" field)');
  const cfgFile = configJson ?? tokenizerJson.replace(/tokenizer\.json$/, "tokenizer_config.json");
  const cfg = cfgFile !== tokenizerJson && fs.existsSync(cfgFile) ? readJson(cfgFile) : {};
  return new HfPairTokenizer(new HfTokenizer(tj, cfg));
}
