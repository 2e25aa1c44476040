import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getEncoding, type Tiktoken } from 'js-tiktoken';
import { loadTokenizer, trainTokenizer, type Tokenizer } from '../src/index';
import { encodeUtf8Into } from '../src/byte-level';

const SEED = 20_240_601;
let gpt2: Tokenizer;
let trained: Tokenizer;
let oracle: Tiktoken;

beforeAll(async () => {
  gpt2 = await loadTokenizer('gpt2');
  oracle = getEncoding('gpt2');
  trained = await trainTokenizer({
    texts: ['The quick brown fox jumps over the lazy dog. ', "It's 2024: emoji 🎉 and 日本語 text.\n", 'naïve café — déjà vu'.repeat(5)],
    vocabSize: 256 + 60 + 5,
    minFrequency: 1,
  });
});

/** Characters where pre-tokenization and byte handling are delicate (U+FEFF and U+0085 aside: see gpt2-parity). */
const TRICKY = [
  'a', 'Z', 'é', 'e\u0301', ' ', '  ', '\t', '\n', '\r', '\r\n', '\u00a0', '\u200b', '\u200d', '\u2028', '\u3000',
  "'", "'s", "'ll", '0', '7', '²', '٣', '!', '.', '--', '日', '本', '한', '🎉', '👨‍👩‍👧', '🇫🇷', '\u0000', '\u001f', '\u007f',
  '<|endoftext|>', 'Ġ', 'Ċ',
];
const trickyString = fc.array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 40 }).map((parts) => parts.join(''));

describe('round trips', () => {
  it('decode(encode(text)) is text for random full-Unicode strings (gpt2)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => gpt2.decode(gpt2.encode(text)) === text),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('decode(encode(text)) is text for random full-Unicode strings (a small trained vocabulary)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => trained.decode(trained.encode(text)) === text),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('round-trips with special tokens allowed, and encodes their text as one id', () => {
    fc.assert(
      fc.property(trickyString, (text) => {
        const ids = gpt2.encode(text, { allowedSpecial: 'all' });
        const specials = text.split('<|endoftext|>').length - 1;
        return gpt2.decode(ids) === text && ids.filter((id) => id === 50256).length === specials;
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('matches js-tiktoken on random strings of delicate characters', () => {
    fc.assert(
      fc.property(trickyString, (text) => {
        expect(gpt2.encode(text)).toEqual(oracle.encode(text, [], []));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('writes the same UTF-8 as TextEncoder, lone surrogates included', () => {
    const encoder = new TextEncoder();
    const anyCodeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 50 }).map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(fc.oneof(anyCodeUnits, fc.string({ unit: 'binary', maxLength: 50 })), (text) => {
        const buffer = new Uint8Array(text.length * 3);
        const length = encodeUtf8Into(text, 0, text.length, buffer);
        expect(Array.from(buffer.subarray(0, length))).toEqual(Array.from(encoder.encode(text)));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
