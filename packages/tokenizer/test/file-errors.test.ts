import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidFileError, UnsupportedError } from '@instructkit/core';
import { loadTokenizer, TokenizerFileError } from '../src/index';

const scratch = mkdtempSync(path.join(tmpdir(), 'instructkit-tokenizer-errors-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
const goodModel = () => ({ type: 'BPE', vocab: { a: 0, b: 1, ab: 2 } as Record<string, unknown>, merges: ['a b'] as unknown[] });

let counter = 0;
function write(content: string, name = `tokenizer-${counter++}.json`): string {
  const file = path.join(scratch, name);
  writeFileSync(file, content);
  return file;
}

async function loadError(target: string): Promise<Error> {
  try {
    await loadTokenizer(target);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`loading ${target} did not fail`);
}

describe('malformed tokenizer files', () => {
  it('reports bad JSON with the file and line', async () => {
    const file = write('{\n  "model": {\n    "vocab": {"a": 0,,}\n  }\n}');
    const error = await loadError(file);
    expect(error).toBeInstanceOf(InvalidFileError);
    expect(error).toBeInstanceOf(TokenizerFileError);
    expect((error as TokenizerFileError).file).toBe(file);
    expect((error as TokenizerFileError).line).toBe(3);
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 3: not valid JSON`));
  });

  const cases: [string, unknown, RegExp][] = [
    ['a missing model', { pre_tokenizer: BYTE_LEVEL }, /: model: missing$/],
    ['a missing model.vocab', { pre_tokenizer: BYTE_LEVEL, model: { type: 'BPE', merges: [] } }, /: model\.vocab: missing$/],
    ['a non-integer id', { pre_tokenizer: BYTE_LEVEL, model: { ...goodModel(), vocab: { a: 0, b: 1.5, ab: 2 } } }, /: model\.vocab\["b"\]: id must be a non-negative integer, got 1\.5$/],
    ['a duplicate id', { pre_tokenizer: BYTE_LEVEL, model: { ...goodModel(), vocab: { a: 0, b: 0, ab: 2 } } }, /: model\.vocab\["b"\]: id 0 is already used by "a"$/],
    ['merges that are not an array', { pre_tokenizer: BYTE_LEVEL, model: { ...goodModel(), merges: 'a b' } }, /: model\.merges: must be an array/],
    ['a malformed merge', { pre_tokenizer: BYTE_LEVEL, model: { ...goodModel(), merges: ['a b', 'ab'] } }, /: model\.merges\[1\]: expected "left right" or \["left", "right"\], got "ab"$/],
    ['a merge of unknown tokens', { pre_tokenizer: BYTE_LEVEL, model: { ...goodModel(), merges: ['a b', 'a zz'] } }, /: model\.merges\[1\]: merge of unknown token "zz" \(not in model\.vocab\)$/],
    ['a merge whose result is missing', { pre_tokenizer: BYTE_LEVEL, model: { ...goodModel(), merges: [['b', 'a']] } }, /: model\.merges\[0\]: merged token "ba" is not in model\.vocab$/],
    ['an added token without content', { pre_tokenizer: BYTE_LEVEL, model: goodModel(), added_tokens: [{ id: 3 }] }, /: added_tokens\[0\]\.content: must be a non-empty string/],
    ['an unknown unk_token', { pre_tokenizer: BYTE_LEVEL, model: { ...goodModel(), unk_token: '<unk>' } }, /: model\.unk_token: "<unk>" is not in model\.vocab$/],
  ];
  for (const [name, document, message] of cases) {
    it(`names the field at fault for ${name}`, async () => {
      const file = write(JSON.stringify(document, null, 2));
      const error = await loadError(file);
      expect(error).toBeInstanceOf(TokenizerFileError);
      expect((error as TokenizerFileError).file).toBe(file);
      expect(error.message.startsWith(`${file}: `)).toBe(true);
      expect(error.message).toMatch(message);
    });
  }

  it('gives the line of the field at fault in a pretty-printed file', async () => {
    const document = { pre_tokenizer: BYTE_LEVEL, model: { ...goodModel(), merges: ['a b', 'a zz'] } };
    const text = JSON.stringify(document, null, 2);
    const file = write(text);
    const error = (await loadError(file)) as TokenizerFileError;
    const expectedLine = text.split('\n').findIndex((line) => line.includes('"a zz"')) + 1;
    expect(expectedLine).toBeGreaterThan(1);
    expect(error.line).toBe(expectedLine);
    expect(error.field).toBe('model.merges[1]');
    expect(error.message).toBe(`${file}: line ${expectedLine}: model.merges[1]: merge of unknown token "zz" (not in model.vocab)`);

    const vocabText = '{\n  "a": 0,\n  "b": -1\n}';
    const directory = path.join(scratch, 'vocab-line');
    mkdirSync(directory);
    writeFileSync(path.join(directory, 'vocab.json'), vocabText);
    writeFileSync(path.join(directory, 'merges.txt'), '#version: 0.2\n');
    const vocabError = (await loadError(directory)) as TokenizerFileError;
    expect(vocabError.line).toBe(3);
    expect(vocabError.message).toMatch(/vocab\.json: line 3: \["b"\]: id must be a non-negative integer, got -1$/);
  });

  it('says which tokenizer kinds it does not read', async () => {
    const wordPiece = await loadError(write(JSON.stringify({ pre_tokenizer: BYTE_LEVEL, model: { type: 'WordPiece', vocab: {} } })));
    expect(wordPiece).toBeInstanceOf(UnsupportedError);
    expect(wordPiece.message).toMatch(/model\.type: "WordPiece" is not supported/);
    const metaspace = await loadError(write(JSON.stringify({ pre_tokenizer: { type: 'Metaspace' }, model: goodModel() })));
    expect(metaspace).toBeInstanceOf(UnsupportedError);
    expect(metaspace.message).toMatch(/pre_tokenizer\.type: "Metaspace" is not supported/);
    const normalizer = await loadError(write(JSON.stringify({ normalizer: { type: 'NFC' }, pre_tokenizer: BYTE_LEVEL, model: goodModel() })));
    expect(normalizer.message).toMatch(/normalizer: "NFC" is not supported/);
  });

  it('reports a malformed merges.txt line with its number', async () => {
    const directory = path.join(scratch, 'pair-bad-line');
    mkdirSync(directory);
    writeFileSync(path.join(directory, 'vocab.json'), JSON.stringify({ a: 0, b: 1, ab: 2, c: 3 }));
    writeFileSync(path.join(directory, 'merges.txt'), '#version: 0.2\na b\nab  c\n');
    const error = await loadError(directory);
    expect(error).toBeInstanceOf(TokenizerFileError);
    expect((error as TokenizerFileError).line).toBe(3);
    expect(error.message).toBe(`${path.join(directory, 'merges.txt')}: line 3: expected two tokens separated by one space, got "ab  c"`);
  });

  it('reports a merges.txt merge of unknown tokens with its line', async () => {
    const directory = path.join(scratch, 'pair-unknown');
    mkdirSync(directory);
    writeFileSync(path.join(directory, 'vocab.json'), JSON.stringify({ a: 0, b: 1, ab: 2 }));
    writeFileSync(path.join(directory, 'merges.txt'), '#version: 0.2\na b\n\nab q\n');
    const error = await loadError(directory);
    expect(error.message).toBe(`${path.join(directory, 'merges.txt')}: line 4: merge of unknown token "q" (not in ${path.join(directory, 'vocab.json')})`);
  });

  it('reports a bad tokenizer_config.json next to a good tokenizer.json', async () => {
    const directory = path.join(scratch, 'bad-config');
    mkdirSync(directory);
    writeFileSync(path.join(directory, 'tokenizer.json'), JSON.stringify({ pre_tokenizer: BYTE_LEVEL, model: goodModel() }));
    writeFileSync(path.join(directory, 'tokenizer_config.json'), JSON.stringify({ eos_token: 42 }));
    const error = await loadError(directory);
    expect(error.message).toBe(`${path.join(directory, 'tokenizer_config.json')}: line 1: eos_token: must be a string or {"content": string}, got 42`);
  });

  it('rejects a path that is neither a preset nor a file, and a folder without tokenizer files', async () => {
    const missing = await loadError(path.join(scratch, 'nowhere'));
    expect(missing).toBeInstanceOf(InvalidArgumentError);
    expect(missing.message).toMatch(/is neither a preset \(gpt2\) nor an existing file or directory/);
    const empty = path.join(scratch, 'empty');
    mkdirSync(empty);
    expect((await loadError(empty)).message).toMatch(/holds neither tokenizer\.json nor the pair vocab\.json \+ merges\.txt/);
  });
});
