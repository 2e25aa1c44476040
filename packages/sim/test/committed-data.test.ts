import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Demonstration, Prompt, Ranking, Rating, readRecords, scrubPii } from '@instructkit/data';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSimDataset, parseSimPrompt } from '../src/index';

const committed = path.join(import.meta.dirname, '../../../examples/data/sim');
const temporary: string[] = [];

afterAll(async () => {
  await Promise.all(temporary.map((directory) => rm(directory, { recursive: true, force: true })));
});

async function readAll<Schema extends Parameters<typeof readRecords>[1]>(file: string, schema: Schema) {
  const reader = readRecords(file, schema, { rejects: 'skip' });
  const records: unknown[] = [];
  for await (const record of reader) records.push(record);
  return { records, summary: reader.summary };
}

describe('the committed data set in examples/data/sim', () => {
  it('is exactly what its README command writes', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'sim-committed-'));
    temporary.push(directory);
    const written = await generateSimDataset({ seed: 1, outDir: directory, counts: { prompts: 3000, pretrainParagraphs: 2000 } });
    for (const file of written.files) {
      expect((await readFile(path.join(committed, file))).equals(await readFile(path.join(directory, file))), file).toBe(true);
    }
  });

  it('reads back through the data package reader with no rejected record', async () => {
    const kinds = [
      ['prompts', Prompt],
      ['demonstrations', Demonstration],
      ['rankings', Ranking],
      ['ratings', Rating],
    ] as const;
    for (const split of ['train', 'valid', 'test']) {
      for (const [name, schema] of kinds) {
        const { records, summary } = await readAll(path.join(committed, split, `${name}.jsonl`), schema);
        expect(summary.rejected, `${split}/${name}`).toBe(0);
        expect(records.length, `${split}/${name}`).toBeGreaterThan(0);
      }
    }
  });

  it('plants PII that the data package scrubber finds, and only there; scrubbed prompts stay scorable', async () => {
    const records = (await readAll(path.join(committed, 'train/prompts.jsonl'), Prompt)).records as Prompt[];
    const planted = records.filter((prompt) => prompt.meta?.plantedPii !== undefined);
    expect(planted.length).toBeGreaterThan(20);
    for (const prompt of records) {
      const scrubbed = scrubPii(prompt.text!);
      expect(scrubbed.findings.length > 0, prompt.text).toBe(prompt.meta?.plantedPii !== undefined);
      expect(parseSimPrompt(scrubbed.text)?.family).toBe(prompt.meta!.family);
    }
  });
});
