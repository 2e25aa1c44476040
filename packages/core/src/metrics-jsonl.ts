import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, InvalidRecordError } from './errors';
import type { MetricsRecord, MetricsSinkV1 } from './training-events';

/** A `MetricsSinkV1` writing one JSON object per line. */
export interface JsonlMetricsSink extends MetricsSinkV1 {
  /** The file lines are appended to. */
  readonly file: string;
}

/**
 * A metrics sink appending one JSON line per record to `file` (created with its
 * directory if missing, never truncated: a restarted run keeps appending). Each
 * `write` is handed to the OS at once in the background, in order; `flush` waits for
 * those appends, fsyncs the file and reports any write error. Non-finite numbers are
 * written as `null` (JSON has no NaN) and read back as NaN by `readMetrics`.
 *
 * @param file - Usually `<run>/metrics.jsonl`.
 * @example
 * const sink = createJsonlMetricsSink('runs/sft/metrics.jsonl');
 * sink.write({ stage: 'sft', step: 1, time: new Date().toISOString(), loss: 2.31 });
 * await sink.flush();
 */
export function createJsonlMetricsSink(file: string): JsonlMetricsSink {
  let queue: Promise<void> = mkdir(path.dirname(file), { recursive: true }).then(() => undefined);
  let failure: unknown;
  return {
    specificationVersion: 'v1',
    file,
    write(record: MetricsRecord): void {
      if (typeof record.stage !== 'string' || !Number.isInteger(record.step) || typeof record.time !== 'string') {
        throw new InvalidArgumentError('record', `needs a string stage, an integer step and a string time, got ${JSON.stringify(record)}`);
      }
      const line = `${JSON.stringify(record)}\n`;
      queue = queue.then(() => appendFile(file, line)).catch((error: unknown) => {
        failure ??= error;
      });
    },
    async flush(): Promise<void> {
      await queue;
      if (failure !== undefined) {
        const error = failure;
        failure = undefined;
        throw error;
      }
      let handle;
      try {
        handle = await open(file, 'a');
        await handle.sync();
      } finally {
        await handle?.close();
      }
    },
  };
}

/**
 * Reads a `metrics.jsonl` file back into records (`null` values become NaN). A last
 * line without its newline that does not parse is a write torn by a crash and is
 * skipped; any other bad line is an error.
 *
 * @param file - The JSONL file.
 * @returns Records in file order; empty when the file does not exist.
 * @throws {InvalidRecordError} `metrics.jsonl:7: step: must be an integer, got "x"`.
 */
export async function readMetrics(file: string): Promise<MetricsRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  const records: MetricsRecord[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const lineNumber = index + 1;
    const isTornTail = index === lines.length - 1 && !text.endsWith('\n');
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      if (isTornTail) return;
      throw new InvalidRecordError(file, lineNumber, '', `not valid JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidRecordError(file, lineNumber, '', 'is not a JSON object');
    const record = parsed as Record<string, unknown>;
    if (typeof record.stage !== 'string') throw new InvalidRecordError(file, lineNumber, 'stage', `must be a string, got ${JSON.stringify(record.stage)}`);
    if (!Number.isInteger(record.step)) throw new InvalidRecordError(file, lineNumber, 'step', `must be an integer, got ${JSON.stringify(record.step)}`);
    if (typeof record.time !== 'string') throw new InvalidRecordError(file, lineNumber, 'time', `must be a string, got ${JSON.stringify(record.time)}`);
    for (const [key, value] of Object.entries(record)) {
      if (value === null) record[key] = Number.NaN;
      else if (typeof value !== 'number' && typeof value !== 'string') {
        throw new InvalidRecordError(file, lineNumber, key, `must be a number or a string, got ${JSON.stringify(value)}`);
      }
    }
    records.push(record as MetricsRecord);
  });
  return records;
}
