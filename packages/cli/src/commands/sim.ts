import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { generateSimDataset } from '@instructkit/sim';

function integerOption(name: string, minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) throw new CommanderArgumentError(`${name} must be an integer ≥ ${minimum}, got "${value}"`);
    return parsed;
  };
}

/**
 * Registers `instructkit sim …`:
 * - `sim generate --out <dir> [--seed <n>] [--prompts <n>] [--pretrain-paragraphs <n>]`
 *   writes the embedded task's data set (prompts, demonstrations, rankings, ratings
 *   split by user, plus the pretraining corpus) in the `@instructkit/data` formats.
 *   Same seed and sizes give the same bytes.
 *
 * @param program - The root `instructkit` command.
 * @returns The `sim` command, for chaining.
 */
export function registerSimCommand(program: Command): Command {
  const sim = program.command('sim').description('The embedded instruction-following task with simulated labelers.');
  sim
    .command('generate')
    .description('Write the sim data set: {train,valid,test}/*.jsonl, pretrain.txt, pretrain-valid.txt, manifest.json.')
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option('--seed <n>', 'seed of everything', integerOption('--seed', 0), 0)
    .option('--prompts <n>', 'prompts over all splits', integerOption('--prompts', 1), 3000)
    .option('--pretrain-paragraphs <n>', 'paragraphs of pretrain.txt', integerOption('--pretrain-paragraphs', 1), 2000)
    .action(async (options: { out: string; seed: number; prompts: number; pretrainParagraphs: number }, command: Command) => {
      const { files, manifest } = await generateSimDataset({
        seed: options.seed,
        outDir: options.out,
        counts: { prompts: options.prompts, pretrainParagraphs: options.pretrainParagraphs },
      });
      const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
      const { train, valid, test } = manifest.splits;
      writeOut(
        `wrote ${files.length} files to ${options.out}\n` +
          `  train: ${train.prompts} prompts (${train.users} users), ${train.demonstrations} demonstrations, ${train.rankings} rankings, ${train.ratings} ratings\n` +
          `  valid: ${valid.prompts} prompts (${valid.users} users); test: ${test.prompts} prompts (${test.users} users)\n` +
          `  labeler agreement: ${(100 * manifest.labelerAgreement.agreement).toFixed(1)}% of ${manifest.labelerAgreement.comparisons} comparisons\n`,
      );
    });
  return sim;
}
