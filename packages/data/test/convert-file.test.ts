import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFile, Ranking, readRecords } from '../src/index';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'instructkit-convert-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('convertFile', () => {
  it('streams TL;DR comparisons into valid rankings, sending a bad row to the rejects file', async () => {
    const input = path.join(directory, 'comparisons.jsonl');
    const row = (id: string, choice: number) => ({
      info: { id, post: 'p', title: 't', subreddit: 's' },
      summaries: [
        { text: ' a', policy: 'sup' },
        { text: ' b', policy: 'ref' },
      ],
      choice,
      worker: 'w',
    });
    await writeFile(input, [row('1', 0), row('2', 1), row('3', 2)].map((value) => JSON.stringify(value)).join('\n'));
    const output = path.join(directory, 'rankings.jsonl.gz');
    const rejects = path.join(directory, 'rejects.jsonl');
    const summary = await convertFile(input, output, { from: 'tldr', rejects });
    expect(summary).toMatchObject({ written: 2, kind: 'ranking', input: { read: 3, accepted: 2, rejected: 1 } });
    const rankings = [];
    for await (const ranking of readRecords(output, Ranking)) rankings.push(ranking);
    expect(rankings.map((ranking) => ranking.order)).toEqual([[[0], [1]], [[1], [0]]]);
    expect(JSON.parse(await readFile(rejects, 'utf8'))).toMatchObject({ line: 3, field: 'choice' });
  });

  it('refuses a kind the format cannot produce', async () => {
    await expect(convertFile('x.jsonl', path.join(directory, 'y.jsonl'), { from: 'openai', kind: 'ranking' })).rejects.toThrow(/kind: openai rows convert to conversation, not ranking/);
  });
});
