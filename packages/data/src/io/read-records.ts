import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat, readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createGunzip, gunzipSync } from 'node:zlib';
import { TextDecoder } from 'node:util';
import { InvalidFileError, InvalidRecordError } from '@instructkit/core';
import type { z } from 'zod';
import { splitLines } from './split-lines';
import { scanJsonArray } from './scan-json-array';
import { validateRecord } from './validate-record';

/** A record that failed to decode, parse or validate. */
export interface RejectedRecord {
  /** The first problem found (what the CLI prints). */
  readonly error: InvalidRecordError;
  /** Every problem found in the record (one per zod issue). */
  readonly errors: readonly InvalidRecordError[];
  /** 1-based line where the record starts. */
  readonly line: number;
  /** The record's text (invalid UTF-8 replaced by U+FFFD; empty for over-long lines). */
  readonly raw: string;
}

/** Progress of a read, reported every `progressInterval` records and at the end. */
export interface ReadProgress {
  /** Bytes of the file consumed so far (compressed bytes for `.gz`). */
  readonly bytesRead: number;
  /** Size of the file in bytes. */
  readonly totalBytes: number;
  /** Records seen (non-blank lines or array elements). */
  readonly read: number;
  /** Records that passed validation. */
  readonly accepted: number;
  /** Records that did not. */
  readonly rejected: number;
}

/**
 * One line of a rejects side file: JSON `{"file","line","field","reason","errors","raw"}`
 * and a newline, so a fixed line can be pasted back and nothing is lost.
 */
export function formatRejectsLine(file: string, rejected: RejectedRecord): string {
  const entry = {
    file,
    line: rejected.line,
    field: rejected.error.field,
    reason: rejected.error.reason,
    errors: rejected.errors.map((error) => ({ field: error.field, reason: error.reason })),
    raw: rejected.raw,
  };
  return `${JSON.stringify(entry)}\n`;
}

/** Counts of a finished (or running) read. */
export interface ReadSummary {
  /** The file as the caller named it. */
  readonly file: string;
  /** Records seen (blank lines excluded). */
  read: number;
  /** Records yielded. */
  accepted: number;
  /** Records rejected. */
  rejected: number;
  /** Blank (whitespace-only) lines skipped. */
  blank: number;
  /** Path of the side file the rejects went to, in path mode. */
  readonly rejectsFile?: string;
  /** Every rejected record, in `'collect'` mode; empty otherwise. */
  readonly rejects: RejectedRecord[];
}

/** Settings of {@link readRecords}. */
export interface ReadRecordsOptions {
  /**
   * What to do with a bad record:
   * - `'throw'` (default): throw its `InvalidRecordError` and stop;
   * - `'skip'`: count it, call `onReject`, carry on;
   * - `'collect'`: as `'skip'`, and keep it in `summary.rejects`;
   * - any other string: a path; each bad line is appended there as JSON
   *   `{"file","line","field","reason","errors","raw"}` and reading carries on.
   *   The file is created (truncated) when reading starts.
   */
  readonly rejects?: 'throw' | 'skip' | 'collect' | (string & {});
  /** Called for every bad record, before it is thrown, collected or written. */
  readonly onReject?: (rejected: RejectedRecord) => void;
  /** Called every `progressInterval` records and once at the end. */
  readonly onProgress?: (progress: ReadProgress) => void;
  /** Records between progress reports. Default: 10 000. */
  readonly progressInterval?: number;
  /** Longest accepted line in bytes; longer lines are rejected without being held in memory. Default: 64 MiB. */
  readonly maxLineBytes?: number;
  /**
   * `jsonl` (one record per line) or `json` (one array of records, loaded whole).
   * Default: `json` when the name ends in `.json` or `.json.gz`, else `jsonl`.
   */
  readonly format?: 'jsonl' | 'json';
}

/** An async iterable of validated records that keeps its counts in `summary`. */
export interface RecordReader<T> extends AsyncIterable<T> {
  /** Counts so far; final once iteration has ended. */
  readonly summary: ReadSummary;
}

const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Whether a file name asks for gzip: it ends in `.gz`. */
export function isGzipPath(file: string): boolean {
  return file.toLowerCase().endsWith('.gz');
}

/** Whether a file name asks for a JSON array rather than JSONL: `.json` or `.json.gz`. */
export function isJsonArrayPath(file: string): boolean {
  return /\.json(\.gz)?$/i.test(file);
}

function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}

function stripBom(bytes: Buffer): Buffer {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** Decodes, parses and validates one record's bytes; the caller locates it. */
function parseRecord<Schema extends z.ZodType>(
  bytes: Buffer,
  schema: Schema,
  file: string,
  line: number,
  decoder: TextDecoder,
  fieldPrefix: readonly PropertyKey[],
): { ok: true; record: z.output<Schema> } | { ok: false; errors: InvalidRecordError[]; raw: string } {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return {
      ok: false,
      errors: [new InvalidRecordError(file, line, formatPrefix(fieldPrefix), `invalid UTF-8 at byte ${firstInvalidUtf8Offset(bytes)} of the record`)],
      raw: bytes.toString('utf8'),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [new InvalidRecordError(file, line, formatPrefix(fieldPrefix), `invalid JSON: ${reason}`)], raw: text };
  }
  const result = validateRecord(value, schema, { file, line, fieldPrefix });
  return result.ok ? result : { ok: false, errors: result.errors, raw: text };
}

function formatPrefix(prefix: readonly PropertyKey[]): string {
  return prefix.map((key) => `[${String(key)}]`).join('');
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (for the message). */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index]!;
    let length: number;
    let min: number;
    if (byte < 0x80) length = 1, min = 0;
    else if (byte >= 0xc2 && byte <= 0xdf) length = 2, min = 0x80;
    else if (byte >= 0xe0 && byte <= 0xef) length = 3, min = 0x800;
    else if (byte >= 0xf0 && byte <= 0xf4) length = 4, min = 0x10000;
    else return index;
    if (index + length > bytes.length) return index;
    let codePoint = length === 1 ? byte : byte & (0xff >> (length + 1));
    for (let offset = 1; offset < length; offset += 1) {
      const next = bytes[index + offset]!;
      if ((next & 0xc0) !== 0x80) return index;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return index;
    index += length;
  }
  return -1;
}

/**
 * Streams the records of a JSONL file (or a JSON array file), validating each against
 * `schema`. Memory stays constant in the file size for JSONL (one line at a time;
 * `.gz` is decompressed on the fly); JSON arrays are loaded whole. CRLF line endings,
 * a UTF-8 byte-order mark and blank lines are accepted. A bad record — invalid UTF-8,
 * truncated JSON, a wrong type, an out-of-range value — becomes an
 * `InvalidRecordError` naming file, line and field, and never hides the later lines
 * unless `rejects` is `'throw'`.
 *
 * @param file - Path of a `.jsonl`, `.jsonl.gz`, `.json` or `.json.gz` file.
 * @param schema - The record schema, e.g. `Ranking`.
 * @param options - Reject handling and progress; see {@link ReadRecordsOptions}.
 * @returns An async iterable of parsed records with a live `summary`.
 * @throws InvalidRecordError on the first bad record in `'throw'` mode.
 * @throws InvalidFileError when the file cannot be read or decompressed.
 * @example
 * ```ts
 * const reader = readRecords('rankings.jsonl.gz', Ranking, { rejects: 'rankings.rejects.jsonl' });
 * for await (const ranking of reader) train(ranking);
 * console.log(reader.summary); // { read: 1000, accepted: 998, rejected: 2, … }
 * ```
 */
export function readRecords<Schema extends z.ZodType>(
  file: string,
  schema: Schema,
  options: ReadRecordsOptions = {},
): RecordReader<z.output<Schema>> {
  const entries = readRecordEntries(file, schema, options);
  return {
    summary: entries.summary,
    async *[Symbol.asyncIterator]() {
      for await (const entry of entries) yield entry.record;
    },
  };
}

/** A validated record with the line it starts on. */
export interface RecordEntry<T> {
  /** The parsed record. */
  readonly record: T;
  /** 1-based line of the file where it starts. */
  readonly line: number;
}

/**
 * {@link readRecords}, yielding each record with its line number, for callers that
 * report later problems (a failed conversion, a duplicate id) as `file:line`.
 */
export function readRecordEntries<Schema extends z.ZodType>(
  file: string,
  schema: Schema,
  options: ReadRecordsOptions = {},
): RecordReader<RecordEntry<z.output<Schema>>> {
  const rejectsMode = options.rejects ?? 'throw';
  const rejectsFile = rejectsMode === 'throw' || rejectsMode === 'skip' || rejectsMode === 'collect' ? undefined : rejectsMode;
  const summary: ReadSummary = { file, read: 0, accepted: 0, rejected: 0, blank: 0, rejects: [], ...(rejectsFile ? { rejectsFile } : {}) };
  const progressInterval = Math.max(1, options.progressInterval ?? 10_000);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const format = options.format ?? (isJsonArrayPath(file) ? 'json' : 'jsonl');

  async function* iterate(): AsyncGenerator<RecordEntry<z.output<Schema>>> {
    let totalBytes: number;
    try {
      totalBytes = (await stat(file)).size;
    } catch (error) {
      throw new InvalidFileError(file, `cannot read: ${(error as Error).message}`, { cause: error });
    }
    let bytesRead = 0;
    let sideFile: WriteStream | undefined;
    if (rejectsFile) {
      sideFile = createWriteStream(rejectsFile);
      await once(sideFile, 'open');
    }
    const reportProgress = () =>
      options.onProgress?.({ bytesRead, totalBytes, read: summary.read, accepted: summary.accepted, rejected: summary.rejected });

    const reject = async (errors: InvalidRecordError[], line: number, raw: string) => {
      summary.rejected += 1;
      const rejected: RejectedRecord = { error: errors[0]!, errors, line, raw };
      options.onReject?.(rejected);
      if (rejectsMode === 'throw') throw rejected.error;
      if (rejectsMode === 'collect') summary.rejects.push(rejected);
      if (sideFile && !sideFile.write(formatRejectsLine(file, rejected))) await once(sideFile, 'drain');
    };

    const decoder = new TextDecoder('utf-8', { fatal: true });
    try {
      if (format === 'jsonl') {
        const input = createReadStream(file, { highWaterMark: 256 * 1024 });
        input.on('data', (chunk) => {
          bytesRead += chunk.length;
        });
        let chunks: AsyncIterable<Buffer> = input;
        if (isGzipPath(file)) {
          const gunzip = createGunzip();
          input.on('error', (error) => gunzip.destroy(error));
          chunks = input.pipe(gunzip);
        }
        try {
          for await (const { line, bytes, overlongBytes } of splitLines(chunks, maxLineBytes)) {
            if (overlongBytes !== undefined) {
              summary.read += 1;
              await reject([new InvalidRecordError(file, line, '', `line is ${overlongBytes} bytes, longer than maxLineBytes (${maxLineBytes})`)], line, '');
              continue;
            }
            if (isBlank(bytes)) {
              summary.blank += 1;
              continue;
            }
            summary.read += 1;
            const result = parseRecord(stripBom(bytes), schema, file, line, decoder, []);
            if (result.ok) {
              summary.accepted += 1;
              yield { record: result.record, line };
            } else {
              await reject(result.errors, line, result.raw);
            }
            if (summary.read % progressInterval === 0) reportProgress();
          }
        } catch (error) {
          if (error instanceof InvalidRecordError) throw error;
          throw new InvalidFileError(file, `cannot read: ${(error as Error).message}`, { cause: error });
        } finally {
          input.destroy();
        }
      } else {
        let bytes: Buffer;
        try {
          const compressed = await readFile(file);
          bytesRead = compressed.length;
          bytes = isGzipPath(file) ? gunzipSync(compressed) : compressed;
        } catch (error) {
          throw new InvalidFileError(file, `cannot read: ${(error as Error).message}`, { cause: error });
        }
        const scan = scanJsonArray(stripBom(bytes));
        for (const element of scan.elements) {
          summary.read += 1;
          const result = parseRecord(element.bytes, schema, file, element.line, decoder, [element.index]);
          if (result.ok) {
            summary.accepted += 1;
            yield { record: result.record, line: element.line };
          } else {
            await reject(result.errors, element.line, result.raw);
          }
          if (summary.read % progressInterval === 0) reportProgress();
        }
        for (const problem of scan.problems) {
          summary.read += 1;
          await reject([new InvalidRecordError(file, problem.line, '', problem.reason)], problem.line, '');
        }
      }
      reportProgress();
    } finally {
      if (sideFile) {
        sideFile.end();
        await once(sideFile, 'close');
      }
    }
  }

  return {
    summary,
    [Symbol.asyncIterator]: () => iterate(),
  };
}
