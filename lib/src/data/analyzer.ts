/**
 * Text analysis for the BM25 first stage: the chain of steps that turns a string into index
 * terms, modelled on Anserini's default English analyzer (Lin et al., "Anserini", SIGIR 2017;
 * Lucene's `EnglishAnalyzer`):
 *
 *  1. **tokenise**: maximal runs of Unicode letters and digits (an internal apostrophe is kept,
 *     as in "don't"); everything else separates tokens. This approximates Lucene's
 *     `StandardTokenizer` (UAX #29 word breaks) for the plain prose of passages;
 *  2. **possessives**: a trailing `'s` / `’s` is dropped (Lucene `EnglishPossessiveFilter`);
 *  3. **lowercase** (`String.prototype.toLowerCase`);
 *  4. **stopwords**: removed if in the stop set (default: Lucene's English stop set, the 33 words
 *     of `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`);
 *  5. **stemming** (optional, on by default as in Anserini): Porter (1980) via the `stemmer` npm
 *     package (words/stemmer). Stems are cached per token type.
 */
import { stemmer } from "stemmer";

/** Lucene's default English stop set (`EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`, 33 words). */
export const LUCENE_ENGLISH_STOPWORDS: readonly string[] = [
  "a",
  "an",
  "and",
  "are",
  "as",
  "at",
  "be",
  "but",
  "by",
  "for",
  "if",
  "in",
  "into",
  "is",
  "it",
  "no",
  "not",
  "of",
  "on",
  "or",
  "such",
  "that",
  "the",
  "their",
  "then",
  "there",
  "these",
  "they",
  "this",
  "to",
  "was",
  "will",
  "with",
];

/** Analyzer settings (defaults in brackets). */
export interface AnalyzerOptions {
  /** Lowercase tokens [true]. */
  lowercase?: boolean;
  /** Stop set applied after lowercasing [LUCENE_ENGLISH_STOPWORDS]; pass `[]` to keep all. */
  stopwords?: readonly string[];
  /** Porter stemming [true, Anserini's default]. */
  stem?: boolean;
}

/** A configured analyzer: `analyze(text)` returns the index terms in text order. */
export interface Analyzer {
  readonly options: Required<AnalyzerOptions>;
  /** Index terms of `text`, in order, with repeats. */
  analyze(text: string): string[];
}

const TOKEN_RE = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

/**
 * Split `text` into raw tokens (step 1 above): runs of letters/digits, internal apostrophes kept.
 * No lowercasing, no stopping. Used by the analyzer and by the word-level tokenizer.
 */
export function tokenizeWords(text: string): string[] {
  return text.match(TOKEN_RE) ?? [];
}

/**
 * Build an analyzer (steps 1–5 above). The default, `createAnalyzer()`, is Anserini's default
 * English analysis: tokenise, drop possessives, lowercase, Lucene English stopwords, Porter stem.
 */
export function createAnalyzer(options: AnalyzerOptions = {}): Analyzer {
  const opts: Required<AnalyzerOptions> = {
    lowercase: options.lowercase ?? true,
    stopwords: options.stopwords ?? LUCENE_ENGLISH_STOPWORDS,
    stem: options.stem ?? true,
  };
  const stop = new Set(opts.stopwords);
  const stemCache = new Map<string, string>();
  return {
    options: opts,
    analyze(text: string): string[] {
      const out: string[] = [];
      for (let tok of tokenizeWords(text)) {
        if (
          tok.length > 2 &&
          (tok.endsWith("'s") || tok.endsWith("’s") || tok.endsWith("'S") || tok.endsWith("’S"))
        ) {
          tok = tok.slice(0, -2);
        }
        if (opts.lowercase) tok = tok.toLowerCase();
        if (stop.has(tok)) continue;
        if (opts.stem) {
          let s = stemCache.get(tok);
          if (s === undefined) {
            s = stemmer(tok);
            stemCache.set(tok, s);
          }
          tok = s;
        }
        out.push(tok);
      }
      return out;
    },
  };
}
