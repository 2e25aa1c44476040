import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '@instructkit/tokenizer';
import { registerTokenizerCommand } from '../src/commands/tokenizer';
import { runProgram } from './run-program';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'instructkit-tokenizer-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function run(args: string[]): Promise<string> {
  const program = new Command('instructkit');
  registerTokenizerCommand(program);
  const { output, commanderError } = await runProgram(program, args);
  if (commanderError && commanderError.code !== 'commander.helpDisplayed') throw commanderError;
  return output;
}

describe('instructkit tokenizer train', () => {
  it('trains a byte-level BPE on the corpus files and writes a tokenizer.json that round-trips text', async () => {
    const text = 'Ana lives in Oakton. Ana has a red cat.\n\nBen is a baker. Ben likes the pear best.\n\n';
    await writeFile(path.join(directory, 'a.txt'), text.repeat(20));
    await writeFile(path.join(directory, 'b.jsonl'), `${JSON.stringify({ text: 'Reverse the order of these words: cat dog owl.' })}\n`);
    const out = path.join(directory, 'tokenizer');
    const printed = await run(['tokenizer', 'train', '--corpus', path.join(directory, 'a.txt'), '--corpus', path.join(directory, 'b.jsonl'), '--vocab-size', '300', '--out', out, '--json']);
    const summary = JSON.parse(printed) as { tokenizer: string; vocabSize: number; documents: number };
    expect(summary.documents).toBe(41);
    expect(summary.vocabSize).toBeGreaterThan(261);
    expect(summary.vocabSize).toBeLessThanOrEqual(300);
    const tokenizer = await loadTokenizer(summary.tokenizer);
    expect(tokenizer.decode(tokenizer.encode('Ana has a red cat.'))).toBe('Ana has a red cat.');
    // Merges learned from the corpus make its words shorter than their bytes.
    expect(tokenizer.encode(' Oakton').length).toBeLessThan(' Oakton'.length);
  });

  it('rejects a vocabulary too small for the byte tokens and special tokens', async () => {
    await expect(run(['tokenizer', 'train', '--corpus', 'x.txt', '--vocab-size', '100', '--out', directory])).rejects.toThrow(/--vocab-size must be an integer ≥ 261/);
  });

  it('names a corpus file it cannot read', async () => {
    await expect(run(['tokenizer', 'train', '--corpus', path.join(directory, 'missing.txt'), '--vocab-size', '300', '--out', directory])).rejects.toThrow(/missing\.txt/);
  });

  it('documents its flags in --help', async () => {
    const help = await run(['tokenizer', 'train', '--help']);
    expect(help).toMatch(/--corpus <file>/);
    expect(help).toMatch(/--vocab-size <n>/);
    expect(help).toMatch(/--out <dir>/);
  });
});
