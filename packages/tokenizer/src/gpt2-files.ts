import { TokenizerFileError } from './tokenizer-file-error';
import { checkMerges, guessEosToken, parseJsonFile, readVocabObject, withFieldLines } from './hf-tokenizer-json';
import type { TokenizerSpec } from './tokenizer-spec';

/**
 * Parses GPT-2's original pair of files: `vocab.json` (`encoder.json` in OpenAI's release,
 * token → id) and `merges.txt` (`vocab.bpe`: an optional `#version` line, then one
 * `left right` merge per line, rank order). `<|endoftext|>` becomes a special token when present.
 * @throws TokenizerFileError naming the file, line or field at fault.
 */
export function parseGpt2Files(vocabText: string, vocabFile: string, mergesText: string, mergesFile: string): TokenizerSpec {
  const vocab = withFieldLines(vocabText, () => readVocabObject(parseJsonFile(vocabText, vocabFile), vocabFile, ''));
  const merges: [string, string][] = [];
  const lineOfMerge: number[] = [];
  const lines = mergesText.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '' || (index === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new TokenizerFileError(mergesFile, { line: index + 1 }, `expected two tokens separated by one space, got ${JSON.stringify(line.length > 60 ? `${line.slice(0, 57)}...` : line)}`);
    }
    merges.push([parts[0]!, parts[1]!]);
    lineOfMerge.push(index + 1);
  });
  checkMerges(merges, vocab, mergesFile, vocabFile, (index) => ({ line: lineOfMerge[index] }));
  const eosToken = guessEosToken((token) => vocab.has(token));
  const addedTokens = eosToken === undefined ? [] : [{ id: vocab.get(eosToken)!, content: eosToken, special: true, normalized: true }];
  return { vocab, merges, addedTokens, eosToken };
}
