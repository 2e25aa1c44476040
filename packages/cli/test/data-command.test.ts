import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../src/program';
import { runProgram } from './run-program';

const fixtures = path.join(import.meta.dirname, '..', '..', 'data', 'test', '__fixtures__');

/** Runs the CLI in-process, capturing stdout, stderr and the exit code. */
async function run(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const { exitCode, stdout, stderr } = await runProgram(createProgram(), args);
  return { exitCode, stdout, stderr };
}

describe('instructkit data validate', () => {
  it('exits 0 and prints only a summary when every record is valid', async () => {
    const result = await run(['data', 'validate', '--kind', 'ranking', path.join(fixtures, 'rankings-valid.jsonl')]);
    expect(result).toEqual({ exitCode: 0, stdout: '', stderr: 'ranking: 1 file, 3 records read, 3 valid, 0 invalid, 2 blank lines skipped\n' });
  });

  it('prints FILE:LINE: field: message for each bad record of each file and exits 1', async () => {
    const rankings = path.join(fixtures, 'rankings-malformed.jsonl');
    const valid = path.join(fixtures, 'rankings-valid.jsonl');
    const result = await run(['data', 'validate', '--kind', 'ranking', rankings, valid]);
    expect(result.exitCode).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.slice(rankings.length).split(':').slice(0, 3).join(':'))).toEqual([
      ':3: invalid UTF-8 at byte 45 of the record',
      ':4: invalid JSON',
      ':5: promptId',
      ':6: order[1][0]',
      ':7: completions',
      ':9: order[2][0]',
      ':10: order',
      ':11: Invalid input',
      ':12: createdAt',
      ':13: completions[1].text',
    ]);
    expect(lines[3]).toBe(`${rankings}:6: order[1][0]: index 5 is out of range for 3 completions`);
    expect(result.stderr).toMatch(/ranking: 2 files, 16 records read, 6 valid, 10 invalid/);
  });

  it('checks ratings for out-of-range Likert scores and prompts for bad dates', async () => {
    const ratings = await run(['data', 'validate', '--kind', 'rating', path.join(fixtures, 'ratings-malformed.jsonl')]);
    expect(ratings.exitCode).toBe(1);
    expect(ratings.stdout.split('\n').filter(Boolean).map((line) => line.split(': ')[0]!.split(':').at(-1))).toEqual(['2', '3', '4', '5', '6']);
    const prompts = await run(['data', 'validate', '--kind', 'prompt', path.join(fixtures, 'prompts-malformed.jsonl')]);
    expect(prompts.stdout).toContain('prompts-malformed.jsonl:4: createdAt: expected an ISO-8601 date-time');
  });

  it('reports an unreadable file as a bad record instead of crashing', async () => {
    const result = await run(['data', 'validate', '--kind', 'pair', 'no-such-file.jsonl']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^no-such-file.jsonl:1: cannot read: ENOENT/);
  });

  it('refuses an unknown kind', async () => {
    const result = await run(['data', 'validate', '--kind', 'banana', 'x.jsonl']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/Allowed choices are prompt, demonstration, ranking, rating, pair/);
  });
});

describe('instructkit data convert', () => {
  it('converts HH transcripts to conversational pairs, reporting the bad row and keeping it in a rejects file', async () => {
    const { mkdtemp, readFile, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-cli-'));
    try {
      const input = path.join(directory, 'hh.jsonl');
      const good = { chosen: '\n\nHuman: Hi\n\nAssistant: Hello!', rejected: '\n\nHuman: Hi\n\nAssistant: Go away.' };
      const diverging = { chosen: '\n\nHuman: Hi\n\nAssistant: Hello!', rejected: '\n\nHuman: Yo\n\nAssistant: Hello!' };
      await writeFile(input, `${JSON.stringify(good)}\n${JSON.stringify(diverging)}\n{"chosen": 1}\n`);
      const output = path.join(directory, 'pairs.jsonl');
      const strict = await run(['data', 'convert', '--from', 'hh', input, output]);
      expect(strict.exitCode).toBe(1);
      expect(strict.stdout).toBe(
        `${input}:2: rejected: the transcripts differ before their final assistant turn\n${input}:3: chosen: Invalid input: expected string, received number; also rejected: Invalid input: expected string, received undefined\n`,
      );
      const rejects = path.join(directory, 'rejects.jsonl');
      const lenient = await run(['data', 'convert', '--from', 'hh', '--rejects', rejects, input, output]);
      expect(lenient.exitCode).toBe(0);
      expect(lenient.stderr).toMatch(/hh → conversational-pair: 3 rows read, 2 rejected, 1 records written/);
      expect(JSON.parse((await readFile(output, 'utf8')).trim())).toEqual({
        prompt: [{ role: 'user', content: 'Hi' }],
        chosen: [{ role: 'assistant', content: 'Hello!' }],
        rejected: [{ role: 'assistant', content: 'Go away.' }],
      });
      const rejected = (await readFile(rejects, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
      expect(rejected.map((entry) => [entry.line, entry.field])).toEqual([
        [2, 'rejected'],
        [3, 'chosen'],
      ]);
      const validated = await run(['data', 'validate', '--kind', 'conversational-pair', output]);
      expect(validated.exitCode).toBe(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('instructkit data clean', () => {
  it('writes user-disjoint splits of scrubbed, deduplicated prompts and a report', async () => {
    const { mkdtemp, readFile, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-clean-'));
    try {
      const input = path.join(directory, 'prompts.jsonl');
      const prompts = Array.from({ length: 40 }, (_, index) => ({
        id: `p-${index}`,
        text: index === 0 ? 'Call +44 20 7946 0958 now' : index === 1 ? 'Call +1 415 555 2671 now' : `Prompt number ${index}`,
        userId: `u-${index % 8}`,
        source: 'test',
        createdAt: '2026-11-25T06:25:00Z',
      }));
      await writeFile(input, `${prompts.map((prompt) => JSON.stringify(prompt)).join('\n')}\n{"id": 5}\n`);
      const out = path.join(directory, 'out');
      const strict = await run(['data', 'clean', '--out', out, '--seed', '3', input]);
      expect(strict.exitCode).toBe(1);
      expect(strict.stdout).toMatch(/prompts.jsonl:41: /);
      const result = await run(['data', 'clean', '--out', out, '--seed', '3', '--rejects', input]);
      expect(result.exitCode).toBe(0);
      const report = JSON.parse(await readFile(path.join(out, 'hygiene-report.json'), 'utf8'));
      expect(report).toMatchObject({ input: 40, scrubbedPrompts: 2, duplicates: 1, rejected: 1 });
      const users = await Promise.all(
        ['train', 'valid', 'test'].map(async (split) =>
          (await readFile(path.join(out, `prompts-${split}.jsonl`), 'utf8')).trim().split('\n').filter(Boolean).map((line) => JSON.parse(line).userId as string),
        ),
      );
      expect(users.flat()).toHaveLength(39);
      const [train, valid, test] = users.map((list) => new Set(list));
      for (const user of train!) expect(valid!.has(user) || test!.has(user)).toBe(false);
      for (const user of valid!) expect(test!.has(user)).toBe(false);
      expect(await readFile(path.join(out, 'prompts.jsonl.rejects.jsonl'), 'utf8')).toContain('"line":41');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('instructkit data prepare', () => {
  it('splits prompts by user and sends every label into its prompt split, naming labels of unknown prompts by file and line', async () => {
    const { mkdtemp, readFile, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-prepare-'));
    const readJsonl = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    try {
      const promptsFile = path.join(directory, 'prompts.jsonl');
      // Prompt 3 repeats prompt 2's text (a duplicate the hygiene removes); 40 prompts of 8 users.
      const prompts = Array.from({ length: 40 }, (_, index) => ({
        id: `p-${index}`,
        text: index === 0 ? 'Email jane.doe@example.com about the plan' : index === 3 ? 'Prompt number 2' : `Prompt number ${index}`,
        userId: `u-${index % 8}`,
        source: 'test',
        createdAt: '2026-11-25T06:25:00Z',
      }));
      await writeFile(promptsFile, `${prompts.map((prompt) => JSON.stringify(prompt)).join('\n')}\n`);
      const demonstrationsFile = path.join(directory, 'demonstrations.jsonl');
      const demonstrations = prompts.map((prompt) => ({ promptId: prompt.id, completion: `answer to ${prompt.id}`, labelerId: 'l-1' }));
      await writeFile(demonstrationsFile, `${[...demonstrations, { promptId: 'p-404', completion: 'orphan', labelerId: 'l-1' }].map((record) => JSON.stringify(record)).join('\n')}\n`);
      const rankingsFile = path.join(directory, 'rankings.jsonl');
      const rankings = prompts.slice(0, 10).map((prompt) => ({ promptId: prompt.id, completions: [{ text: 'a', policy: 'sft' }, { text: 'b', policy: 'ppo' }], order: [[0], [1]], labelerId: 'l-2' }));
      await writeFile(rankingsFile, `${rankings.map((record) => JSON.stringify(record)).join('\n')}\n`);
      const out = path.join(directory, 'out');
      const args = ['data', 'prepare', '--out', out, '--seed', '5', '--prompts', promptsFile, '--demonstrations', demonstrationsFile, '--rankings', rankingsFile];

      const strict = await run(args);
      expect(strict.exitCode).toBe(1);
      expect(strict.stdout).toBe(`${demonstrationsFile}:41: promptId: no prompt has id "p-404"\n`);

      const result = await run([...args, '--rejects']);
      expect(result.exitCode).toBe(0);
      const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
      expect(report.hygiene).toMatchObject({ input: 40, duplicates: 1, scrubbedPrompts: 1 });
      expect(report.rejected).toBe(1);
      expect(report.labels.demonstrations.ofRemovedPrompts).toBe(1);
      expect(report.labels.demonstrations.train + report.labels.demonstrations.valid + report.labels.demonstrations.test).toBe(39);
      expect(report.labels.rankings.train + report.labels.rankings.valid + report.labels.rankings.test + report.labels.rankings.ofRemovedPrompts).toBe(10);
      const rejects = await readJsonl(path.join(out, 'rejects', 'demonstrations.jsonl.rejects.jsonl'));
      expect(rejects).toEqual([expect.objectContaining({ line: 41, field: 'promptId' })]);

      const usersOf = new Map<string, string>();
      const splitOfPrompt = new Map<string, string>();
      for (const split of ['train', 'valid', 'test']) {
        for (const prompt of await readJsonl(path.join(out, split, 'prompts.jsonl'))) {
          splitOfPrompt.set(prompt['id'] as string, split);
          const user = prompt['userId'] as string;
          expect(usersOf.get(user) ?? split).toBe(split);
          usersOf.set(user, split);
          if (prompt['id'] === 'p-0') expect(prompt['text']).not.toContain('jane.doe@example.com');
        }
        for (const kind of ['demonstrations', 'rankings']) {
          for (const label of await readJsonl(path.join(out, split, `${kind}.jsonl`))) expect(splitOfPrompt.get(label['promptId'] as string)).toBe(split);
        }
      }
      expect(new Set(usersOf.values()).size).toBe(3);
      expect(await readJsonl(path.join(out, 'prompts.jsonl'))).toHaveLength(39);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
