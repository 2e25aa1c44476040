import { Command, Option } from 'commander';
import { InvalidFileError } from '@instructkit/core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  cleanPrompts,
  convertFile,
  Prompt,
  writeRecords,
  RECORD_KINDS,
  RECORD_SCHEMAS,
  readRecords,
  SOURCE_FORMAT_NAMES,
  type RecordKind,
  type RejectedRecord,
  type SourceFormat,
} from '@instructkit/data';

/** Summary counts of `data validate` over all files. */
interface ValidationTotals {
  files: number;
  read: number;
  accepted: number;
  rejected: number;
  blank: number;
}

function describeRejected(rejected: RejectedRecord): string {
  // One line per bad record (the checks parse `FILE:LINE: field: message`); further
  // problems of the same record follow on that line.
  const [first, ...others] = rejected.errors;
  const more = others.map((error) => `${error.field ? `${error.field}: ` : ''}${error.reason}`);
  return more.length === 0 ? first!.message : `${first!.message}; also ${more.join('; ')}`;
}

function writersOf(command: Command): { writeOut: (text: string) => void; writeErr: (text: string) => void } {
  const output = command.configureOutput();
  return {
    writeOut: output.writeOut ?? ((text: string) => void process.stdout.write(text)),
    writeErr: output.writeErr ?? ((text: string) => void process.stderr.write(text)),
  };
}

/**
 * Fails the command with exit code 1 after stdout has flushed: `command.error` ends the
 * process at once, and on a pipe the bad-record lines may still be queued.
 */
async function failAfterFlush(command: Command, message: string): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  return command.error(message, { exitCode: 1, code: 'instructkit.invalid-records' });
}

async function validateFiles(command: Command, kind: RecordKind, files: string[]): Promise<void> {
  const { writeOut, writeErr } = writersOf(command);
  const schema = RECORD_SCHEMAS[kind];
  const totals: ValidationTotals = { files: files.length, read: 0, accepted: 0, rejected: 0, blank: 0 };
  for (const file of files) {
    const reader = readRecords(file, schema, { rejects: 'skip', onReject: (rejected) => writeOut(`${describeRejected(rejected)}\n`) });
    try {
      for await (const record of reader) void record;
    } catch (error) {
      // A file that cannot be read at all counts as one bad record at line 1.
      if (!(error instanceof InvalidFileError)) throw error;
      writeOut(`${file}:1: ${error.message.slice(file.length + 2)}\n`);
      totals.rejected += 1;
    }
    totals.read += reader.summary.read;
    totals.accepted += reader.summary.accepted;
    totals.rejected += reader.summary.rejected;
    totals.blank += reader.summary.blank;
  }
  const summary =
    `${kind}: ${totals.files} file${totals.files === 1 ? '' : 's'}, ${totals.read} records read, ` +
    `${totals.accepted} valid, ${totals.rejected} invalid` +
    (totals.blank > 0 ? `, ${totals.blank} blank lines skipped` : '');
  if (totals.rejected > 0) {
    await failAfterFlush(command, summary);
  }
  writeErr(`${summary}\n`);
}

async function convert(
  command: Command,
  input: string,
  output: string,
  options: { from: SourceFormat; kind?: RecordKind; rejects?: string },
): Promise<void> {
  const { writeOut, writeErr } = writersOf(command);
  const summary = await convertFile(input, output, {
    from: options.from,
    ...(options.kind ? { kind: options.kind } : {}),
    rejects: options.rejects ?? 'skip',
    onReject: (rejected) => writeOut(`${describeRejected(rejected)}\n`),
  });
  const line =
    `${options.from} → ${summary.kind}: ${summary.input.read} rows read, ${summary.input.rejected} rejected, ` +
    `${summary.written} records written to ${output}` +
    (options.rejects ? `; rejected rows in ${options.rejects}` : '');
  // Without a rejects file a bad row would be lost silently, so that is a failure.
  if (summary.input.rejected > 0 && !options.rejects) await failAfterFlush(command, line);
  writeErr(`${line}\n`);
}

interface CleanOptions {
  out: string;
  prefixLength: string;
  maxPerUser: string;
  scrub: boolean;
  seed: string;
  fractions: string;
  rejects?: boolean;
}

/** `--fractions train,valid,test` (e.g. `0.8,0.1,0.1`). */
function parseFractions(command: Command, value: string): { train: number; valid: number; test: number } {
  const shares = value.split(',').map(Number);
  if (shares.length !== 3 || shares.some((share) => !(share >= 0))) command.error(`--fractions: expected train,valid,test such as 0.8,0.1,0.1, got ${value}`, { exitCode: 1 });
  return { train: shares[0]!, valid: shares[1]!, test: shares[2]! };
}

function parseCount(command: Command, name: string, value: string): number | false {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) command.error(`--${name}: expected a non-negative integer, got ${value}`, { exitCode: 1 });
  return number === 0 ? false : number;
}

async function clean(command: Command, files: string[], options: CleanOptions): Promise<void> {
  const { writeOut, writeErr } = writersOf(command);
  const fractions = parseFractions(command, options.fractions);
  await mkdir(options.out, { recursive: true });
  const prompts: Prompt[] = [];
  let rejected = 0;
  for (const file of files) {
    const reader = readRecords(file, Prompt, {
      rejects: options.rejects ? path.join(options.out, `${path.basename(file)}.rejects.jsonl`) : 'skip',
      onReject: (record) => writeOut(`${describeRejected(record)}\n`),
    });
    for await (const prompt of reader) prompts.push(prompt);
    rejected += reader.summary.rejected;
  }
  const { train, valid, test, report } = cleanPrompts(prompts, {
    ...(options.scrub ? {} : { scrub: false as const }),
    prefixLength: parseCount(command, 'prefix-length', options.prefixLength),
    maxPerUser: parseCount(command, 'max-per-user', options.maxPerUser),
    fractions,
    seed: Number(options.seed),
  });
  for (const [name, items] of [['train', train], ['valid', valid], ['test', test]] as const) {
    await writeRecords(path.join(options.out, `prompts-${name}.jsonl`), items, { schema: Prompt });
  }
  await writeFile(path.join(options.out, 'hygiene-report.json'), `${JSON.stringify({ ...report, rejected }, null, 2)}\n`);
  const line =
    `prompts: ${report.input} read (${rejected} invalid), ${report.scrubbedPrompts} scrubbed, ${report.duplicates} duplicates, ` +
    `${report.overCap} over the per-user cap → train ${report.prompts.train} / valid ${report.prompts.valid} / test ${report.prompts.test} in ${options.out}`;
  if (rejected > 0 && !options.rejects) await failAfterFlush(command, line);
  writeErr(`${line}\n`);
}

/**
 * Registers `instructkit data …`:
 * - `data validate --kind <kind> FILE...` checks every record of every file
 *   (JSONL, JSON arrays, `.gz`), printing one `FILE:LINE: field: message` line per
 *   bad record to stdout and a summary to stderr; exits 1 if any record is invalid.
 * - `data convert --from <format> [--kind <kind>] [--rejects FILE] IN OUT` converts
 *   TRL, HH-RLHF, Alpaca, OpenAI chat, OASST trees or summarize-from-feedback rows into
 *   InstructKit records; bad rows are printed like `validate`'s and exit 1 unless
 *   `--rejects` keeps them in a side file.
 * - `data prepare --out DIR --prompts FILE... [--demonstrations …] [--rankings …] [--ratings …]`
 *   runs the same hygiene and sends every label into its prompt's split (see `prepareDataset`).
 * - `data clean --out DIR FILE...` runs the InstructGPT prompt hygiene (PII scrubbing,
 *   prefix dedup, per-user cap, split by user) and writes `prompts-{train,valid,test}.jsonl`
 *   and `hygiene-report.json` to DIR.
 *
 * @param program - The root `instructkit` command.
 * @returns The `data` command, for chaining.
 */
/** The prompt-hygiene options `data clean` and `data prepare` share (same flags, same defaults). */
function withHygieneOptions(command: Command): Command {
  return command
    .option('--prefix-length <chars>', 'prompts sharing this many normalised leading characters are duplicates (0 = keep all)', '100')
    .option('--max-per-user <count>', 'most prompts kept per user (0 = no cap)', '200')
    .option('--no-scrub', 'keep PII as it is')
    .option('--seed <number>', 'seed of the per-user choice and the split', '0')
    .option('--fractions <train,valid,test>', 'shares of prompts per split', '0.8,0.1,0.1');
}

export function registerDataCommand(program: Command): Command {
  const data = program.command('data').description('Validate, convert and prepare record files (prompts, demonstrations, rankings, ratings, pairs).');

  data
    .command('validate')
    .description('Check every record of every FILE; print FILE:LINE: field: message for each bad one; exit 1 if any.')
    .addOption(new Option('--kind <kind>', 'record kind').choices(RECORD_KINDS).makeOptionMandatory())
    .argument('<files...>', 'JSONL / JSON files, optionally .gz')
    .showHelpAfterError(false)
    .action(async (files: string[], options: { kind: RecordKind }, command: Command) => {
      await validateFiles(command, options.kind, files);
    });

  data
    .command('convert')
    .description('Convert a public dataset file (TRL, HH, Alpaca, OpenAI chat, OASST, TL;DR comparisons) to InstructKit records.')
    .addOption(new Option('--from <format>', 'source format').choices(SOURCE_FORMAT_NAMES).makeOptionMandatory())
    .addOption(new Option('--kind <kind>', 'record kind to write (default: the format\'s natural kind)').choices(RECORD_KINDS))
    .option('--rejects <file>', 'write rows that fail, with the reason, to this JSONL file and exit 0')
    .argument('<input>', 'source file (.jsonl, .json, optionally .gz)')
    .argument('<output>', 'destination file (.jsonl, .json, optionally .gz)')
    .showHelpAfterError(false)
    .action(async (input: string, output: string, options: { from: SourceFormat; kind?: RecordKind; rejects?: string }, command: Command) => {
      await convert(command, input, output, options);
    });

  withHygieneOptions(
    data
      .command('clean')
      .description('Prompt hygiene (InstructGPT §3.2): scrub PII, drop prefix duplicates, cap prompts per user, split by user.')
      .requiredOption('--out <dir>', 'directory for prompts-{train,valid,test}.jsonl and hygiene-report.json'),
  )
    .option('--rejects', 'write invalid lines to DIR/<file>.rejects.jsonl and exit 0')
    .argument('<files...>', 'prompt files (JSONL / JSON, optionally .gz)')
    .showHelpAfterError(false)
    .action(async (files: string[], options: CleanOptions, command: Command) => {
      await clean(command, files, options);
    });

  withHygieneOptions(
    data
      .command('prepare')
      .description('Prompt hygiene, then every label follows its prompt into its split: OUT/prompts.jsonl, OUT/{train,valid,test}/{prompts,demonstrations,rankings,ratings}.jsonl, OUT/report.json.')
      .requiredOption('--out <dir>', 'output directory')
      .requiredOption('--prompts <files...>', 'prompt files (JSONL / JSON, optionally .gz)')
      .option('--demonstrations <files...>', 'demonstration files ({promptId, completion, labelerId})')
      .option('--rankings <files...>', 'ranking files ({promptId, completions, order, labelerId})')
      .option('--ratings <files...>', 'rating files ({promptId, completion, likert, …})'),
  )
    .option('--rejects', 'write invalid lines to OUT/rejects/<file>.rejects.jsonl and exit 0')
    .showHelpAfterError(false)
    .action(async (options: PrepareOptions, command: Command) => {
      await prepare(command, options);
    });

  return data;
}

interface PrepareOptions extends Omit<CleanOptions, 'out'> {
  out: string;
  prompts: string[];
  demonstrations?: string[];
  rankings?: string[];
  ratings?: string[];
}

async function prepare(command: Command, options: PrepareOptions): Promise<void> {
  const { writeOut, writeErr } = writersOf(command);
  const fractions = parseFractions(command, options.fractions);
  const seed = Number(options.seed);
  if (!Number.isInteger(seed)) command.error(`--seed: expected an integer, got ${options.seed}`, { exitCode: 1 });
  const { prepareDataset } = await import('./data-prepare');
  const report = await prepareDataset({
    prompts: options.prompts,
    labels: {
      ...(options.demonstrations ? { demonstrations: options.demonstrations } : {}),
      ...(options.rankings ? { rankings: options.rankings } : {}),
      ...(options.ratings ? { ratings: options.ratings } : {}),
    },
    out: options.out,
    prefixLength: parseCount(command, 'prefix-length', options.prefixLength),
    maxPerUser: parseCount(command, 'max-per-user', options.maxPerUser),
    scrub: options.scrub,
    seed,
    fractions,
    keepRejects: options.rejects ?? false,
    onReject: (message) => writeOut(`${message}\n`),
  });
  const { hygiene } = report;
  const labels = Object.entries(report.labels).map(([kind, counts]) => `${kind} ${counts.train}/${counts.valid}/${counts.test}${counts.ofRemovedPrompts > 0 ? ` (${counts.ofRemovedPrompts} of removed prompts dropped)` : ''}`);
  const line =
    `prompts: ${hygiene.input} read, ${hygiene.scrubbedPrompts} scrubbed, ${hygiene.duplicates} duplicates, ${hygiene.overCap} over the per-user cap → ` +
    `train/valid/test ${hygiene.prompts.train}/${hygiene.prompts.valid}/${hygiene.prompts.test}` +
    (labels.length > 0 ? `; ${labels.join(', ')}` : '') +
    `; ${report.rejected} invalid lines; written to ${options.out}`;
  if (report.rejected > 0 && !options.rejects) await failAfterFlush(command, line);
  writeErr(`${line}\n`);
}
