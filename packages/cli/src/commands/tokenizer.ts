import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { writeFileAtomic } from '@instructkit/core';
import { readCorpus } from './training-engine';

/** Commander parser for an integer flag with a lower bound. */
function integerAtLeast(flag: string, minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) throw new CommanderArgumentError(`${flag} must be an integer ≥ ${minimum}, got "${value}"`);
    return parsed;
  };
}

/** Flags of `instructkit tokenizer train`. */
interface TokenizerTrainFlags {
  readonly corpus: string[];
  readonly vocabSize: number;
  readonly out: string;
  readonly minFrequency: number;
  readonly json?: boolean;
}

/**
 * Registers `instructkit tokenizer train --corpus <file>… --vocab-size <n> --out <dir>`:
 * trains a byte-level BPE (`@instructkit/tokenizer`'s `trainTokenizer`: 256 byte tokens,
 * merges, `<|endoftext|>` and the chat markers) and writes `<dir>/tokenizer.json`, the
 * Hugging Face format every other command reads.
 *
 * @example
 * registerTokenizerCommand(program);
 * // instructkit tokenizer train --corpus data/sim/pretrain.txt --vocab-size 1024 --out runs/tokenizer
 */
export function registerTokenizerCommand(program: Command): Command {
  const tokenizer = program.command('tokenizer').description('Byte-level BPE tokenizers.');
  tokenizer
    .command('train')
    .description('Train a byte-level BPE on text files and write <out>/tokenizer.json.')
    .requiredOption('--corpus <file>', 'training text: .txt (documents separated by blank lines) or JSONL of {"text": …}; repeat for several files', (value: string, previous: string[] = []) => [...previous, value])
    .requiredOption('--vocab-size <n>', 'target vocabulary size: 256 bytes + merges + 5 special tokens (training stops earlier when no pair repeats)', integerAtLeast('--vocab-size', 261))
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option('--min-frequency <n>', 'least count a pair needs to be merged', integerAtLeast('--min-frequency', 1), 2)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  instructkit tokenizer train --corpus examples/data/sim/pretrain.txt --vocab-size 1024 --out runs/tokenizer')
    .action(async (flags: TokenizerTrainFlags, command: Command) => {
      const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
      const { trainTokenizer } = await import('@instructkit/tokenizer');
      const texts: string[] = [];
      for (const file of flags.corpus) texts.push(...(await readCorpus(file, file)));
      const started = Date.now();
      const trained = await trainTokenizer({ texts, vocabSize: flags.vocabSize, minFrequency: flags.minFrequency });
      await mkdir(flags.out, { recursive: true });
      const file = path.join(flags.out, 'tokenizer.json');
      await writeFileAtomic(file, trained.toTokenizerJson());
      const seconds = (Date.now() - started) / 1000;
      writeOut(
        flags.json
          ? `${JSON.stringify({ tokenizer: file, vocabSize: trained.vocabSize, documents: texts.length, eosTokenId: trained.eosTokenId ?? null, seconds })}\n`
          : `wrote ${file}: ${trained.vocabSize} ids from ${texts.length} documents in ${seconds.toFixed(1)} s\n`,
      );
    });
  return tokenizer;
}
