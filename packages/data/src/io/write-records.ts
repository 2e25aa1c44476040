import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { InvalidFileError } from '@instructkit/core';
import type { z } from 'zod';
import { isGzipPath, isJsonArrayPath } from './read-records';
import { validateRecord } from './validate-record';

/** Settings of {@link createRecordWriter} and {@link writeRecords}. */
export interface WriteRecordsOptions<Schema extends z.ZodType = z.ZodType> {
  /**
   * Schema every record is checked against before it is written; a bad record throws
   * `InvalidRecordError` with the line it would have had. Default: no check.
   */
  readonly schema?: Schema;
  /** `jsonl` or `json` (an array, one record per line). Default: `json` for `.json`/`.json.gz`, else `jsonl`. */
  readonly format?: 'jsonl' | 'json';
  /** gzip level 0–9 for `.gz` files. Default: 6. */
  readonly gzipLevel?: number;
}

/** Writes records one at a time to a JSONL or JSON file, gzip-compressed when the name ends in `.gz`. */
export interface RecordWriter<T> {
  /** Appends one record; resolves once the stream can take more (backpressure). */
  write(record: T): Promise<void>;
  /** Finishes the file (closing `]` for JSON, gzip trailer) and closes it. */
  close(): Promise<void>;
  /** Records written so far. */
  readonly count: number;
}

/**
 * Opens a record file for writing. Output is deterministic: the same records give the
 * same bytes (keys in insertion order; gzip header without a timestamp).
 *
 * @param file - Destination path; `.gz` compresses, `.json` writes an array.
 * @param options - Optional schema check and format; see {@link WriteRecordsOptions}.
 * @example
 * ```ts
 * const writer = createRecordWriter('rankings.jsonl.gz', { schema: Ranking });
 * for (const ranking of rankings) await writer.write(ranking);
 * await writer.close();
 * ```
 */
export function createRecordWriter<Schema extends z.ZodType = z.ZodType, T = z.input<Schema>>(
  file: string,
  options: WriteRecordsOptions<Schema> = {},
): RecordWriter<T> {
  const format = options.format ?? (isJsonArrayPath(file) ? 'json' : 'jsonl');
  const output = createWriteStream(file);
  let failure: unknown;
  output.on('error', (error) => {
    failure = error;
  });
  let sink: Writable = output;
  if (isGzipPath(file)) {
    const gzip = createGzip({ level: options.gzipLevel ?? 6 });
    gzip.on('error', (error) => {
      failure = error;
    });
    gzip.pipe(output);
    sink = gzip;
  }
  let count = 0;
  const check = () => {
    if (failure) throw new InvalidFileError(file, `cannot write: ${(failure as Error).message}`, { cause: failure });
  };
  const push = async (text: string) => {
    check();
    if (!sink.write(text)) await Promise.race([once(sink, 'drain'), once(output, 'error')]);
    check();
  };

  return {
    get count() {
      return count;
    },
    async write(record: T) {
      let value: unknown = record;
      if (options.schema) {
        const line = format === 'json' ? count + 2 : count + 1;
        const result = validateRecord(record, options.schema, { file, line });
        if (!result.ok) throw result.errors[0]!;
        value = result.record;
      }
      const json = JSON.stringify(value);
      if (format === 'json') await push(`${count === 0 ? '[\n' : ',\n'}${json}`);
      else await push(`${json}\n`);
      count += 1;
    },
    async close() {
      if (format === 'json') await push(count === 0 ? '[]\n' : '\n]\n');
      check();
      sink.end();
      await once(output, 'close');
      check();
    },
  };
}

/**
 * Writes all records to a file and closes it.
 *
 * @param file - Destination path (`.jsonl`, `.jsonl.gz`, `.json`, `.json.gz`).
 * @param records - Records, sync or async iterable.
 * @param options - Optional schema check and format.
 * @returns How many records were written.
 * @throws InvalidRecordError when `schema` is given and a record fails it (the file is left incomplete).
 */
export async function writeRecords<Schema extends z.ZodType = z.ZodType, T = z.input<Schema>>(
  file: string,
  records: Iterable<T> | AsyncIterable<T>,
  options: WriteRecordsOptions<Schema> = {},
): Promise<{ count: number }> {
  const writer = createRecordWriter<Schema, T>(file, options);
  try {
    for await (const record of records) await writer.write(record);
  } finally {
    await writer.close();
  }
  return { count: writer.count };
}
