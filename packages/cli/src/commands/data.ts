import { Command, Option } from 'commander';
import { InvalidFileError } from '@instructkit/core';
import {
  convertFile,
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
    command.error(summary, { exitCode: 1, code: 'instructkit.invalid-records' });
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
  if (summary.input.rejected > 0 && !options.rejects) command.error(line, { exitCode: 1, code: 'instructkit.invalid-records' });
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
 *
 * @param program - The root `instructkit` command.
 * @returns The `data` command, for chaining.
 */
export function registerDataCommand(program: Command): Command {
  const data = program.command('data').description('Validate and convert record files (prompts, demonstrations, rankings, ratings, pairs).');

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

  return data;
}
