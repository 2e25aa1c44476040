import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { generateSimDataset } from '@instructkit/sim';

function fractionOption(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !(parsed >= 0 && parsed <= 1)) throw new CommanderArgumentError(`${name} must be a number in [0, 1], got "${value}"`);
    return parsed;
  };
}

function integerOption(name: string, minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) throw new CommanderArgumentError(`${name} must be an integer ≥ ${minimum}, got "${value}"`);
    return parsed;
  };
}

/** Options of `sim generate`, as commander parses them. */
interface GenerateOptions {
  out: string;
  seed: number;
  prompts: number;
  pretrainParagraphs: number;
  labelerNoise: number;
  demoErrorRate: number;
}

async function generate(options: GenerateOptions, command: Command): Promise<void> {
  const { files, manifest } = await generateSimDataset({
    seed: options.seed,
    outDir: options.out,
    counts: { prompts: options.prompts, pretrainParagraphs: options.pretrainParagraphs },
    labelers: { noise: options.labelerNoise, demonstrationErrorRate: options.demoErrorRate },
  });
  const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
  const { train, valid, test } = manifest.splits;
  writeOut(
    `wrote ${files.length} files to ${options.out}\n` +
      `  train: ${train.prompts} prompts (${train.users} users), ${train.demonstrations} demonstrations, ${train.rankings} rankings, ${train.ratings} ratings\n` +
      `  valid: ${valid.prompts} prompts (${valid.users} users); test: ${test.prompts} prompts (${test.users} users)\n` +
      `  labeler agreement: ${(100 * manifest.labelerAgreement.agreement).toFixed(1)}% of ${manifest.labelerAgreement.comparisons} comparisons\n`,
  );
}

/**
 * Registers `instructkit sim …`:
 * - `sim generate --out <dir> [--seed <n>] [--prompts <n>] [--pretrain-paragraphs <n>]
 *   [--labeler-noise <σ>] [--demo-error-rate <p>]`
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
    .option('--labeler-noise <sigma>', 'labelers\' perception noise (0.25 gives ~73% agreement)', fractionOption('--labeler-noise'), 0.25)
    .option('--demo-error-rate <p>', 'mean probability that a demonstration is partly wrong', fractionOption('--demo-error-rate'), 0.1)
    .action(generate);
  return sim;
}
