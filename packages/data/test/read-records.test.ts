import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidFileError, InvalidRecordError } from '@instructkit/core';
import { createRecordWriter, Prompt, Ranking, readRecords, writeRecords, type ReadProgress } from '../src/index';

const fixtures = path.join(import.meta.dirname, '__fixtures__');
const malformed = path.join(fixtures, 'rankings-malformed.jsonl');
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'instructkit-data-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

// The expected report for the malformed corpus: line, field, and a fragment of the reason.
const expectedRejects: [number, string, RegExp][] = [
  [3, '', /^invalid UTF-8 at byte 45/],
  [4, '', /^invalid JSON: /],
  [5, 'promptId', /expected string, received number/],
  [6, 'order[1][0]', /^index 5 is out of range for 3 completions$/],
  [7, 'completions', /<=9 items/],
  [9, 'order[2][0]', /^index 1 appears more than once$/],
  [10, 'order', /missing 1$/],
  [11, '', /expected object, received array/],
  [12, 'createdAt', /ISO-8601/],
  [13, 'completions[1].text', /expected string, received number/],
];

describe('readRecords', () => {
  it('accepts a BOM, CRLF line endings, blank lines and a missing final newline', async () => {
    const reader = readRecords(path.join(fixtures, 'rankings-valid.jsonl'), Ranking);
    const rankings = await collect(reader);
    expect(rankings.map((ranking) => ranking.promptId)).toEqual(['p-1', 'p-2', 'p-3']);
    expect(rankings[2]!.completions[1]!.text).toBe('nein – ü');
    expect(reader.summary).toMatchObject({ read: 3, accepted: 3, rejected: 0, blank: 2 });
  });

  it('reports every bad line of a malformed corpus with file, line and field, and keeps the good ones', async () => {
    const reader = readRecords(malformed, Ranking, { rejects: 'collect' });
    const rankings = await collect(reader);
    expect(rankings.map((ranking) => ranking.promptId)).toEqual(['p-1', 'p-8', 'p-14']);
    expect(reader.summary).toMatchObject({ read: 13, accepted: 3, rejected: 10, blank: 1 });
    const rejects = reader.summary.rejects.map((rejected) => rejected.error);
    expect(rejects.map((error) => [error.line, error.field])).toEqual(expectedRejects.map(([line, field]) => [line, field]));
    rejects.forEach((error, index) => {
      expect(error).toBeInstanceOf(InvalidRecordError);
      expect(error.file).toBe(malformed);
      expect(error.reason).toMatch(expectedRejects[index]![2]);
      expect(error.message).toBe(`${malformed}:${error.line}: ${error.field ? `${error.field}: ` : ''}${error.reason}`);
    });
  });

  it('throws the first bad record by default', async () => {
    await expect(collect(readRecords(malformed, Ranking))).rejects.toMatchObject({ line: 3, code: 'invalid-record' });
  });

  it('writes rejected lines with their reason to a side file and carries on', async () => {
    const rejectsFile = path.join(directory, 'rejects.jsonl');
    const reader = readRecords(malformed, Ranking, { rejects: rejectsFile });
    expect(await collect(reader)).toHaveLength(3);
    const lines = (await readFile(rejectsFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((entry) => entry.line)).toEqual(expectedRejects.map(([line]) => line));
    expect(lines[3]).toMatchObject({ field: 'order[1][0]', reason: 'index 5 is out of range for 3 completions' });
    expect(lines[3].raw).toContain('"p-6"');
    expect(reader.summary.rejectsFile).toBe(rejectsFile);
  });

  it('reads gzip-compressed JSONL and reports progress', async () => {
    const file = path.join(directory, 'rankings.jsonl.gz');
    await writeFile(file, gzipSync(await readFile(malformed)));
    const progress: ReadProgress[] = [];
    const reader = readRecords(file, Ranking, { rejects: 'skip', progressInterval: 5, onProgress: (report) => progress.push(report) });
    expect((await collect(reader)).map((ranking) => ranking.promptId)).toEqual(['p-1', 'p-8', 'p-14']);
    expect(progress.map((report) => report.read)).toEqual([5, 10, 13]);
    expect(progress.at(-1)!.bytesRead).toBe(progress.at(-1)!.totalBytes);
  });

  it('reads JSON arrays, locating each element by line and index', async () => {
    const file = path.join(directory, 'prompts.json');
    const good = { id: 'p-1', text: 'Hi', userId: 'u', source: 'api', createdAt: '2026-11-25T06:25:00Z' };
    await writeFile(file, `\uFEFF[\n  ${JSON.stringify(good)},\n  ${JSON.stringify({ ...good, id: 'p-2', userId: 3 })},\n  ${JSON.stringify({ ...good, id: 'p-3', text: 'a, [b] "c]"' })}\n]\n`);
    const reader = readRecords(file, Prompt, { rejects: 'collect' });
    expect((await collect(reader)).map((prompt) => prompt.id)).toEqual(['p-1', 'p-3']);
    expect(reader.summary.rejects.map((rejected) => rejected.error.message)).toEqual([`${file}:3: [1].userId: Invalid input: expected string, received number`]);
  });

  it('reports a truncated JSON array without losing the complete elements', async () => {
    const file = path.join(directory, 'truncated.json');
    await writeFile(file, '[{"prompt":"a","chosen":"b","rejected":"c"},\n{"prompt":"a","cho');
    const { PreferencePair } = await import('../src/index');
    const reader = readRecords(file, PreferencePair, { rejects: 'collect' });
    expect(await collect(reader)).toHaveLength(1);
    expect(reader.summary.rejects.map((rejected) => [rejected.line, rejected.error.reason.slice(0, 14)])).toEqual([
      [2, 'invalid JSON: '],
      [2, 'unterminated J'],
    ]);
  });

  it('rejects over-long lines without holding them', async () => {
    const file = path.join(directory, 'long.jsonl');
    await writeFile(file, `${JSON.stringify({ prompt: 'x'.repeat(5000), chosen: 'a', rejected: 'b' })}\n{"prompt":"q","chosen":"a","rejected":"b"}\n`);
    const { PreferencePair } = await import('../src/index');
    const reader = readRecords(file, PreferencePair, { rejects: 'collect', maxLineBytes: 1000 });
    expect(await collect(reader)).toHaveLength(1);
    expect(reader.summary.rejects[0]!.error.message).toMatch(/long.jsonl:1: line is 504\d bytes, longer than maxLineBytes \(1000\)/);
  });

  it('keeps the records before a corrupt gzip stream and then throws InvalidFileError', async () => {
    const file = path.join(directory, 'corrupt.jsonl.gz');
    const whole = gzipSync(await readFile(path.join(fixtures, 'rankings-valid.jsonl')));
    await writeFile(file, whole.subarray(0, whole.length - 12));
    await expect(collect(readRecords(file, Ranking))).rejects.toBeInstanceOf(InvalidFileError);
    await writeFile(file, 'not gzip at all');
    await expect(collect(readRecords(file, Ranking))).rejects.toThrow(/corrupt.jsonl.gz: cannot read: /);
  });

  it('throws InvalidFileError for a missing file', async () => {
    await expect(collect(readRecords(path.join(directory, 'nope.jsonl'), Ranking))).rejects.toBeInstanceOf(InvalidFileError);
  });
});

describe('writeRecords', () => {
  const rankings = [
    { promptId: 'p-1', completions: [{ text: 'a', policy: 'sft' }, { text: 'ü', policy: 'ppo' }], order: [[1], [0]], labelerId: 'l' },
    { promptId: 'p-2', completions: [{ text: 'c', policy: 'sft' }, { text: 'd', policy: 'ppo' }], order: [[0, 1]], labelerId: 'l' },
  ];

  for (const name of ['out.jsonl', 'out.jsonl.gz', 'out.json', 'out.json.gz']) {
    it(`round-trips records through ${name}`, async () => {
      const file = path.join(directory, name);
      expect(await writeRecords(file, rankings, { schema: Ranking })).toEqual({ count: 2 });
      expect(await collect(readRecords(file, Ranking))).toEqual(rankings);
    });
  }

  it('writes the same bytes for the same records, gzip included', async () => {
    const first = path.join(directory, 'a.jsonl.gz');
    const second = path.join(directory, 'b.jsonl.gz');
    await writeRecords(first, rankings);
    await writeRecords(second, rankings);
    expect(Buffer.compare(await readFile(first), await readFile(second))).toBe(0);
  });

  it('refuses a record that fails the schema, naming the line it would have had', async () => {
    const writer = createRecordWriter(path.join(directory, 'bad.jsonl'), { schema: Ranking });
    await writer.write(rankings[0]!);
    await expect(writer.write({ ...rankings[0]!, order: [[0], [7]] })).rejects.toThrow(/bad.jsonl:2: order\[1\]\[0\]: index 7 is out of range/);
    await writer.close();
  });
});
