import { splitGpt2 } from './gpt2-splitter';

/**
 * GPT-2's pre-tokenization: the text is cut into pieces (words with their leading space,
 * number runs, punctuation runs, whitespace) and BPE runs inside each piece only.
 */

/** GPT-2's split pattern as OpenAI and Hugging Face write it (Oniguruma / Python `regex` syntax). */
export const GPT2_SPLIT_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

// Unicode White_Space, which is what `\s` means in Python's `regex` (GPT-2's encoder.py),
// Rust tiktoken and Oniguruma (HF tokenizers). JavaScript's `\s` differs on two characters:
// it also matches U+FEFF and misses U+0085, so `\s` cannot be used as written.
const WHITE_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** {@link GPT2_SPLIT_PATTERN} translated to a JavaScript `u`-mode source with exact `\s` semantics. */
export const GPT2_SPLIT_SOURCE =
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WHITE_SPACE}\\p{L}\\p{N}]+` +
  `|[${WHITE_SPACE}]+(?![^${WHITE_SPACE}])|[${WHITE_SPACE}]+`;

/** A fresh global regex for GPT-2's split pattern (stateful `lastIndex`: one per loop). */
export function createGpt2SplitRegex(): RegExp {
  return new RegExp(GPT2_SPLIT_SOURCE, 'gu');
}

/** Cuts `text` into GPT-2 pre-tokens, in order; concatenated they give back `text`. */
export function preTokenize(text: string): string[] {
  const pieces: string[] = [];
  splitGpt2(text, (start, end) => pieces.push(text.slice(start, end)));
  return pieces;
}
