import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { collectCorpus } from '../bench/corpus.mjs';
import { BYTE_TO_UNICODE, preTokenize } from '../src/index';
import { createGpt2SplitRegex } from '../src/pre-tokenizer';

/** The reference: GPT-2's pattern run by the regex engine. */
function regexPieces(text: string): string[] {
  return [...text.matchAll(createGpt2SplitRegex())].map((match) => match[0]);
}

const DELICATE = [' ', '  ', '\t', '\n', '\r', '\u00a0', '\u0085', '\ufeff', '\u2028', '\u3000', "'", "'s", "'re", "'ll", "'d", "'S",
  'a', 'é', '日', '𝐀', '𠀀', '1', '²', '𝟙', '!', '-', '🎉', '\ud800', '\udc00', '\u0301', '\u200b'];

describe('GPT-2 pre-tokenization', () => {
  it('cuts real text exactly where the regular expression does', () => {
    for (const { text } of collectCorpus({ totalBytes: 600_000 }).texts) expect(preTokenize(text)).toEqual(regexPieces(text));
  });

  it('cuts random strings of delicate characters exactly where the regular expression does', () => {
    const delicate = fc.array(fc.oneof(fc.constantFrom(...DELICATE), fc.string({ unit: 'binary', maxLength: 2 })), { maxLength: 30 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(delicate, (text) => {
        expect(preTokenize(text)).toEqual(regexPieces(text));
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('keeps a space with the word after it and leaves the last space of a run to the next word', () => {
    expect(preTokenize("Hello   world's 42!!\n\n")).toEqual(['Hello', '  ', ' world', "'s", ' 42', '!!', '\n\n']);
  });

  it('maps all 256 bytes to distinct printable characters, printable ASCII to itself', () => {
    expect(new Set(BYTE_TO_UNICODE).size).toBe(256);
    expect(BYTE_TO_UNICODE[0x41]).toBe('A');
    expect(BYTE_TO_UNICODE[0x20]).toBe('Ġ');
    expect(BYTE_TO_UNICODE[0x0a]).toBe('Ċ');
  });
});
