import { beforeAll, describe, expect, it } from 'vitest';
import { getEncoding, type Tiktoken } from 'js-tiktoken';
import { collectCorpus } from '../bench/corpus.mjs';
import { loadTokenizer, preTokenize, type Tokenizer } from '../src/index';
import reference from './__fixtures__/gpt2-reference.json';

let tokenizer: Tokenizer;
let oracle: Tiktoken;

beforeAll(async () => {
  tokenizer = await loadTokenizer('gpt2');
  oracle = getEncoding('gpt2');
});

/** Hand-picked strings where byte-level BPE implementations usually go wrong. */
const EDGE_CASES: Record<string, string> = {
  empty: '',
  'plain sentence': 'Hello world, this is GPT-2.',
  emoji: 'Family: 👨‍👩‍👧‍👦, flags 🇫🇷🇯🇵, skin tone 👍🏽, 🎉🎉🎉',
  CJK: '日本語のテキストと中文文本和한국어 텍스트',
  'combining marks': 'e\u0301 a\u0308 n\u0303 Z\u0351\u0352\u0353algo',
  'control characters': 'a\u0000b\u0001c\u0007d\u001be\u007f\u0080\u009f',
  'lone carriage return': 'line one\rline two\r\nline three\n\r',
  NBSP: 'price:\u00a0100\u00a0€ and\u00a0\u00a0two',
  'zero-width characters': 'zero\u200bwidth\u200cnon\u200djoiner\u2060word',
  'long whitespace runs': `start${' '.repeat(300)}middle${'\t'.repeat(50)}\n\n\n${' '.repeat(1000)}end   `,
  contractions: "It's, I'm, we're, they've, you'll, he'd, don't, IT'S 'S 's 'sss 'll",
  digits: '3.14159 1,000,000 2024-01-01 0x1F 12345678901234567890 ²³ ٣٤ 五',
  'unicode whitespace': 'a\u2000b\u2028c\u2029d\u3000e\u1680f\u202fg',
  'letters of other scripts': 'Ελληνικά кириллица עברית العربية हिन्दी ไทย',
  'long word': 'a'.repeat(2000) + ' ' + 'ab'.repeat(700),
  'long punctuation run': '!?'.repeat(500) + '=='.repeat(300),
  'mixed long line': Array.from({ length: 200 }, (_, i) => `tok${i}🎉`).join(''),
  'special token text': 'before <|endoftext|> after',
};

describe('gpt2 preset', () => {
  it('encodes a real-text corpus of at least 1 MB id for id like js-tiktoken gpt2', () => {
    const corpus = collectCorpus();
    expect(corpus.bytes).toBeGreaterThanOrEqual(1_000_000);
    expect(corpus.texts.length).toBeGreaterThan(100);
    let tokens = 0;
    const mismatches: string[] = [];
    for (const { file, text } of corpus.texts) {
      const ours = tokenizer.encode(text);
      const theirs = oracle.encode(text);
      tokens += ours.length;
      if (ours.length !== theirs.length || ours.some((id, i) => id !== theirs[i])) mismatches.push(file);
    }
    expect(mismatches).toEqual([]);
    expect(tokens).toBeGreaterThan(200_000);
  });

  it('decodes the corpus back to the exact text', () => {
    for (const { text } of collectCorpus({ totalBytes: 300_000 }).texts) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  for (const [name, text] of Object.entries(EDGE_CASES)) {
    it(`matches js-tiktoken and round-trips: ${name}`, () => {
      const ids = tokenizer.encode(text);
      expect(ids).toEqual(oracle.encode(text, [], []));
      expect(tokenizer.decode(ids)).toBe(text);
    });
  }

  it('encodes the same after its pre-token cache is full and emptied', () => {
    const text = Array.from({ length: 70_000 }, (_, i) => ` w${i.toString(36)}`).join('');
    expect(tokenizer.encode(text)).toEqual(oracle.encode(text));
    expect(tokenizer.encode(text)).toEqual(oracle.encode(text));
  });

  // JavaScript's \s matches U+FEFF and misses U+0085, unlike the Unicode White_Space of
  // Python's `regex` (GPT-2's encoder.py), tiktoken and HF tokenizers; js-tiktoken inherits
  // JavaScript's \s. We follow GPT-2, checked against ids from OpenAI's encoder.py run in Python
  // (fixture made by __fixtures__/make-gpt2-reference.py).
  it('splits and encodes like OpenAI encoder.py where JavaScript \\s disagrees with Unicode', () => {
    expect(reference.length).toBeGreaterThan(0);
    for (const { text, ids, pieces } of reference) {
      expect(preTokenize(text)).toEqual(pieces);
      expect(tokenizer.encode(text)).toEqual(ids);
      expect(tokenizer.decode(ids)).toBe(text);
    }
    // The difference is real: js-tiktoken splits these differently.
    expect(tokenizer.encode('a \ufeff!')).not.toEqual(oracle.encode('a \ufeff!'));
  });

  it('knows its special token and sizes', () => {
    expect(tokenizer.vocabSize).toBe(50257);
    expect(tokenizer.eosTokenId).toBe(50256);
    expect(tokenizer.padTokenId).toBe(50256);
    expect(tokenizer.tokenToId('<|endoftext|>')).toBe(50256);
    expect(tokenizer.idToToken(262)).toBe('Ġthe');
    expect(tokenizer.tokenToId('Ġthe')).toBe(262);
    expect(tokenizer.idToToken(50257)).toBeUndefined();
  });
});
