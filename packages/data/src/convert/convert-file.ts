import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { InstructKitError, InvalidArgumentError, InvalidRecordError } from '@instructkit/core';
import type { z } from 'zod';
import { createRecordWriter } from '../io/write-records';
import { formatRejectsLine, readRecordEntries, type ReadRecordsOptions, type ReadSummary, type RejectedRecord } from '../io/read-records';
import { RECORD_SCHEMAS, type RecordKind } from '../records/record-kinds';
import { SOURCE_FORMATS, type SourceFormat } from './source-formats';

/** Settings of {@link convertFile}. */
export interface ConvertFileOptions extends Pick<ReadRecordsOptions, 'rejects' | 'onReject' | 'onProgress'> {
  /** Format of the input rows. */
  readonly from: SourceFormat;
  /** Kind of record to write. Default: the format's default (`pair` for `trl`, `ranking` for `oasst`, …). */
  readonly kind?: RecordKind;
}

/** Counts of a conversion. */
export interface ConvertSummary {
  /** Counts of the input side (rows that failed to convert count as rejected). */
  readonly input: ReadSummary;
  /** Records written. */
  readonly written: number;
  /** Kind of the records written. */
  readonly kind: RecordKind;
}

/**
 * Converts a file in a public format (TRL, HH-RLHF, Alpaca, OpenAI chat, OASST trees,
 * summarize-from-feedback) to InstructKit records, streaming. Rows that fail to parse
 * or to convert become `InvalidRecordError`s located at `input:line` and are handled
 * as `rejects` says (default: throw; a path collects both kinds in one side file);
 * every written record is validated against its kind's schema.
 *
 * @param input - Source file (`.jsonl`, `.json`, optionally `.gz`).
 * @param output - Destination file; `.gz` compresses.
 * @param options - Source format, output kind, reject handling.
 * @throws InvalidArgumentError when the format cannot produce `kind`.
 * @example
 * ```ts
 * await convertFile('hh-train.jsonl.gz', 'pairs.jsonl', { from: 'hh', rejects: 'hh.rejects.jsonl' });
 * ```
 */
export async function convertFile(input: string, output: string, options: ConvertFileOptions): Promise<ConvertSummary> {
  const format = SOURCE_FORMATS[options.from];
  const kind = options.kind ?? format.defaultKind;
  const convert = format.outputs[kind] as ((row: unknown) => unknown[]) | undefined;
  if (!convert) {
    throw new InvalidArgumentError('kind', `${options.from} rows convert to ${Object.keys(format.outputs).join(', ')}, not ${kind}`);
  }
  const mode = options.rejects ?? 'throw';
  const sideFilePath = mode === 'throw' || mode === 'skip' || mode === 'collect' ? undefined : mode;
  const sideFile = sideFilePath === undefined ? undefined : createWriteStream(sideFilePath);
  const pending: RejectedRecord[] = [];
  const entries = readRecordEntries(input, format.row, {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    rejects: mode === 'collect' ? 'collect' : mode === 'throw' ? 'throw' : 'skip',
    onReject: (rejected) => {
      options.onReject?.(rejected);
      pending.push(rejected);
    },
  });
  const writer = createRecordWriter<z.ZodType, unknown>(output, { schema: RECORD_SCHEMAS[kind] });
  const flushRejects = async () => {
    for (const rejected of pending.splice(0)) {
      if (sideFile && !sideFile.write(formatRejectsLine(input, rejected))) await once(sideFile, 'drain');
    }
  };
  try {
    for await (const { record, line } of entries) {
      await flushRejects();
      let converted: unknown[];
      try {
        converted = convert(record);
      } catch (error) {
        if (!(error instanceof InstructKitError)) throw error;
        const field = error instanceof InvalidArgumentError ? error.argument : '';
        const reason = error instanceof InvalidArgumentError ? error.message.slice(error.argument.length + 2) : error.message;
        const invalid = new InvalidRecordError(input, line, field, reason, { cause: error });
        const rejected: RejectedRecord = { error: invalid, errors: [invalid], line, raw: JSON.stringify(record) };
        entries.summary.accepted -= 1;
        entries.summary.rejected += 1;
        options.onReject?.(rejected);
        if (mode === 'throw') throw invalid;
        if (mode === 'collect') entries.summary.rejects.push(rejected);
        pending.push(rejected);
        continue;
      }
      for (const item of converted) await writer.write(item);
    }
    await flushRejects();
  } finally {
    await writer.close();
    if (sideFile) {
      sideFile.end();
      await once(sideFile, 'close');
    }
  }
  return { input: entries.summary, written: writer.count, kind };
}
