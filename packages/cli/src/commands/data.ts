import { Command, Option } from 'commander';
import { InvalidFileError } from '@instructkit/core';
import { RECORD_KINDS, RECORD_SCHEMAS, readRecords, type RecordKind, type RejectedRecord } from '@instructkit/data';

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

async function validateFiles(command: Command, kind: RecordKind, files: string[]): Promise<void> {
  const output = command.configureOutput();
  const writeOut = output.writeOut ?? ((text: string) => process.stdout.write(text));
  const writeErr = output.writeErr ?? ((text: string) => process.stderr.write(text));
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

/**
 * Registers `instructkit data …`:
 * - `data validate --kind <kind> FILE...` checks every record of every file
 *   (JSONL, JSON arrays, `.gz`), printing one `FILE:LINE: field: message` line per
 *   bad record to stdout and a summary to stderr; exits 1 if any record is invalid.
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

  return data;
}
