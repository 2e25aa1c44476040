import { UnsupportedError } from '@instructkit/core';
import { lineOfField } from './json-locator';
import { TokenizerFileError } from './tokenizer-file-error';
import type { AddedToken, TokenizerSpec } from './tokenizer-spec';

/** Tokens taken as end of sequence, in this order, when no `tokenizer_config.json` names one. */
export const KNOWN_EOS_TOKENS = ['<|endoftext|>', '</s>', '<|end_of_text|>', '<eos>', '<|im_end|>'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses JSON text, reporting a syntax error with its line and column. */
export function parseJsonFile(text: string, file: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    let line: number | undefined;
    if (position) {
      const offset = Number(position[1]);
      line = text.slice(0, offset).split('\n').length;
    }
    throw new TokenizerFileError(file, { line }, `not valid JSON: ${message}`, { cause: error });
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Reads a vocabulary object (`{"token": id}`), checking that ids are distinct non-negative
 * integers. Shared by `tokenizer.json`'s `model.vocab` and GPT-2's `vocab.json`.
 */
export function readVocabObject(value: unknown, file: string, field: string): Map<string, number> {
  if (!isObject(value)) throw new TokenizerFileError(file, { field }, `must be an object of token → id, got ${describe(value)}`);
  const vocab = new Map<string, number>();
  const owners = new Map<number, string>();
  for (const [token, id] of Object.entries(value)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0x7ffffffe) {
      throw new TokenizerFileError(file, { field: `${field}[${JSON.stringify(token)}]` }, `id must be a non-negative integer, got ${describe(id)}`);
    }
    const owner = owners.get(id);
    if (owner !== undefined) {
      throw new TokenizerFileError(file, { field: `${field}[${JSON.stringify(token)}]` }, `id ${id} is already used by ${JSON.stringify(owner)}`);
    }
    owners.set(id, token);
    vocab.set(token, id);
  }
  return vocab;
}

/**
 * Checks that each merge's two tokens and their concatenation are in the vocabulary, so that
 * a bad file fails here with its location rather than deep inside the encoder.
 * @param locate where merge `index` sits in the file (a JSON field or a text line).
 */
export function checkMerges(
  merges: ReadonlyArray<readonly [string, string]>,
  vocab: ReadonlyMap<string, number>,
  file: string,
  vocabName: string,
  locate: (index: number) => { line?: number; field?: string },
): void {
  merges.forEach(([left, right], index) => {
    for (const token of [left, right]) {
      if (!vocab.has(token)) throw new TokenizerFileError(file, locate(index), `merge of unknown token ${JSON.stringify(token)} (not in ${vocabName})`);
    }
    if (!vocab.has(left + right)) {
      throw new TokenizerFileError(file, locate(index), `merged token ${JSON.stringify(left + right)} is not in ${vocabName}`);
    }
  });
}

function unsupported(file: string, field: string, what: string): never {
  throw new UnsupportedError(`${file}: ${field}: ${what} is not supported; @instructkit/tokenizer reads byte-level BPE tokenizers (GPT-2 style)`);
}

function checkByteLevel(component: Json | undefined, file: string, field: string): { addPrefixSpace: boolean } {
  if (component === undefined || component === null) unsupported(file, field, 'a missing byte-level component');
  if (!isObject(component)) throw new TokenizerFileError(file, { field }, `must be an object, got ${describe(component)}`);
  if (component.type === 'Sequence') {
    const key = field.endsWith('decoder') ? 'decoders' : 'pretokenizers';
    const steps = component[key];
    if (!Array.isArray(steps) || steps.length !== 1) unsupported(file, `${field}.${key}`, 'a sequence other than a single ByteLevel step');
    return checkByteLevel(steps[0], file, `${field}.${key}[0]`);
  }
  if (component.type !== 'ByteLevel') unsupported(file, `${field}.type`, describe(component.type));
  if (field === 'pre_tokenizer' && component.use_regex === false) unsupported(file, `${field}.use_regex`, 'false (a custom split before ByteLevel)');
  return { addPrefixSpace: component.add_prefix_space === true };
}

function readMerges(value: unknown, file: string): [string, string][] {
  if (!Array.isArray(value)) throw new TokenizerFileError(file, { field: 'model.merges' }, `must be an array, got ${describe(value)}`);
  return value.map((merge, index): [string, string] => {
    if (typeof merge === 'string') {
      const parts = merge.split(' ');
      if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return [parts[0]!, parts[1]!];
    } else if (Array.isArray(merge) && merge.length === 2 && typeof merge[0] === 'string' && typeof merge[1] === 'string') {
      return [merge[0], merge[1]];
    }
    throw new TokenizerFileError(file, { field: `model.merges[${index}]` }, `expected "left right" or ["left", "right"], got ${describe(merge)}`);
  });
}

function readAddedTokens(value: unknown, file: string): AddedToken[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TokenizerFileError(file, { field: 'added_tokens' }, `must be an array, got ${describe(value)}`);
  return value.map((entry, index): AddedToken => {
    const field = `added_tokens[${index}]`;
    if (!isObject(entry)) throw new TokenizerFileError(file, { field }, `must be an object, got ${describe(entry)}`);
    const { id, content } = entry;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerFileError(file, { field: `${field}.id` }, `must be a non-negative integer, got ${describe(id)}`);
    }
    if (typeof content !== 'string' || content.length === 0) {
      throw new TokenizerFileError(file, { field: `${field}.content` }, `must be a non-empty string, got ${describe(content)}`);
    }
    const flag = (name: string) => (entry[name] === undefined ? undefined : entry[name] === true);
    return {
      id,
      content,
      special: entry.special === true,
      singleWord: flag('single_word'),
      lstrip: flag('lstrip'),
      rstrip: flag('rstrip'),
      normalized: flag('normalized'),
    };
  });
}

/** Reads `eos_token` / `pad_token` from a `tokenizer_config.json` (string or `{content}` form). */
export function parseTokenizerConfig(text: string, file: string): { eosToken?: string; padToken?: string } {
  return withFieldLines(text, () => readTokenizerConfig(parseJsonFile(text, file), file));
}

function readTokenizerConfig(config: Json, file: string): { eosToken?: string; padToken?: string } {
  if (!isObject(config)) throw new TokenizerFileError(file, {}, `must be a JSON object, got ${describe(config)}`);
  const read = (name: string): string | undefined => {
    const value = config[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (isObject(value) && typeof value.content === 'string') return value.content;
    throw new TokenizerFileError(file, { field: name }, `must be a string or {"content": string}, got ${describe(value)}`);
  };
  return { eosToken: read('eos_token'), padToken: read('pad_token') };
}

/** The end-of-sequence token guessed from the tokens present, when no config names one. */
export function guessEosToken(has: (token: string) => boolean): string | undefined {
  return KNOWN_EOS_TOKENS.find(has);
}

/**
 * Parses a Hugging Face `tokenizer.json` holding a byte-level BPE tokenizer.
 * @param file path used in error messages.
 * @throws TokenizerFileError for malformed content; UnsupportedError for other tokenizer kinds.
 */
export function parseTokenizerJson(text: string, file: string): TokenizerSpec {
  return withFieldLines(text, () => parseTokenizerDocument(parseJsonFile(text, file), file));
}

/**
 * Runs `parse` and, when it throws a field error without a line, adds the line where the
 * field sits in `text`.
 */
export function withFieldLines<T>(text: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof TokenizerFileError && error.line === undefined && error.field !== '') {
      const line = lineOfField(text, error.field);
      if (line !== undefined) throw new TokenizerFileError(error.file, { line, field: error.field }, error.reason, { cause: error.cause });
    }
    throw error;
  }
}

function parseTokenizerDocument(root: Json, file: string): TokenizerSpec {
  if (!isObject(root)) throw new TokenizerFileError(file, {}, `must be a JSON object, got ${describe(root)}`);
  const model = root.model;
  if (!isObject(model)) throw new TokenizerFileError(file, { field: 'model' }, model === undefined ? 'missing' : `must be an object, got ${describe(model)}`);
  if (model.type !== undefined && model.type !== 'BPE') unsupported(file, 'model.type', describe(model.type));
  if (model.vocab === undefined) throw new TokenizerFileError(file, { field: 'model.vocab' }, 'missing');
  if (model.merges === undefined) throw new TokenizerFileError(file, { field: 'model.merges' }, 'missing');
  for (const affix of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (typeof model[affix] === 'string' && model[affix] !== '') unsupported(file, `model.${affix}`, describe(model[affix]));
  }
  if (model.byte_fallback === true) unsupported(file, 'model.byte_fallback', 'true');
  if (root.normalizer !== undefined && root.normalizer !== null) unsupported(file, 'normalizer', describe((root.normalizer as { type?: Json }).type ?? root.normalizer));
  const { addPrefixSpace } = checkByteLevel(root.pre_tokenizer, file, 'pre_tokenizer');
  if (root.decoder !== undefined && root.decoder !== null) checkByteLevel(root.decoder, file, 'decoder');

  const vocab = readVocabObject(model.vocab, file, 'model.vocab');
  const merges = readMerges(model.merges, file);
  checkMerges(merges, vocab, file, 'model.vocab', (index) => ({ field: `model.merges[${index}]` }));
  const addedTokens = readAddedTokens(root.added_tokens, file);
  let unknownToken: string | undefined;
  if (model.unk_token !== undefined && model.unk_token !== null) {
    if (typeof model.unk_token !== 'string') throw new TokenizerFileError(file, { field: 'model.unk_token' }, `must be a string, got ${describe(model.unk_token)}`);
    unknownToken = model.unk_token;
    if (!vocab.has(unknownToken) && !addedTokens.some((added) => added.content === unknownToken)) {
      throw new TokenizerFileError(file, { field: 'model.unk_token' }, `${JSON.stringify(unknownToken)} is not in model.vocab`);
    }
  }
  const has = (token: string) => vocab.has(token) || addedTokens.some((added) => added.content === token);
  return {
    vocab,
    merges,
    addedTokens,
    addPrefixSpace,
    ignoreMerges: model.ignore_merges === true,
    unknownToken,
    eosToken: guessEosToken(has),
  };
}

/** Writes `spec` as a Hugging Face `tokenizer.json` (byte-level BPE), vocabulary in id order. */
export function serializeTokenizerJson(spec: TokenizerSpec): string {
  const addPrefixSpace = spec.addPrefixSpace ?? false;
  const byteLevel = (prefix: boolean, trimOffsets: boolean) => ({ type: 'ByteLevel', add_prefix_space: prefix, trim_offsets: trimOffsets, use_regex: true });
  // Byte-level tokens never contain a space, so HF's legacy "left right" form is unambiguous
  // and readable by every tokenizers version; fall back to pairs when a token has a space.
  const pairForm = spec.merges.some(([left, right]) => left.includes(' ') || right.includes(' '));
  const document = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...spec.addedTokens]
      .sort((a, b) => a.id - b.id)
      .map((added) => ({
        id: added.id,
        content: added.content,
        single_word: added.singleWord ?? false,
        lstrip: added.lstrip ?? false,
        rstrip: added.rstrip ?? false,
        normalized: added.normalized ?? false,
        special: added.special,
      })),
    normalizer: null,
    pre_tokenizer: byteLevel(addPrefixSpace, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: spec.unknownToken ?? null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: spec.ignoreMerges ?? false,
      vocab: '\u0000VOCAB\u0000',
      merges: spec.merges.map(([left, right]) => (pairForm ? [left, right] : `${left} ${right}`)),
    },
  };
  // Written by hand: JSON.stringify would list integer-like tokens ("0", "10") first,
  // out of id order.
  const entries = [...spec.vocab].sort((a, b) => a[1] - b[1]).map(([token, id]) => `      ${JSON.stringify(token)}: ${id}`);
  const vocabText = entries.length === 0 ? '{}' : `{\n${entries.join(',\n')}\n    }`;
  return JSON.stringify(document, null, 2).replace('"\\u0000VOCAB\\u0000"', () => vocabText) + '\n';
}

/** Writes the `tokenizer_config.json` that names the end and pad tokens for HF and `loadTokenizer`. */
export function serializeTokenizerConfig(spec: TokenizerSpec): string {
  const config: Record<string, unknown> = { tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: false };
  if (spec.eosToken !== undefined) config.eos_token = spec.eosToken;
  if (spec.padToken !== undefined) config.pad_token = spec.padToken;
  return JSON.stringify(config, null, 2) + '\n';
}
