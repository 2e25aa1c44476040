import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, checkpointDirectoryName, createJsonlMetricsSink, InvalidRecordError, openRunDirectory, readMetrics, writeFileAtomic } from '../src/index';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'instructkit-run-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('openRunDirectory', () => {
  it('lays out config, metrics and padded step checkpoints', async () => {
    const run = await openRunDirectory(path.join(root, 'sft'));
    expect(run.configFile).toBe(path.join(root, 'sft', 'config.json'));
    expect(run.metricsFile).toBe(path.join(root, 'sft', 'metrics.jsonl'));
    expect(run.checkpointDirectory(120)).toBe(path.join(root, 'sft', 'checkpoints', 'step-000120'));
    expect(run.bestDirectory).toBe(path.join(root, 'sft', 'checkpoints', 'best'));
    expect(run.finalDirectory).toBe(path.join(root, 'sft', 'checkpoints', 'final'));
    await run.writeConfig({ stage: 'sft', learningRate: 1e-4 });
    expect(await run.readConfig()).toEqual({ stage: 'sft', learningRate: 1e-4 });
  });

  it('finds the checkpoint latest points at, and lists step directories in step order', async () => {
    const run = await openRunDirectory(root);
    expect(await run.latestCheckpoint()).toBeUndefined();
    for (const step of [5, 120, 40]) await mkdir(run.checkpointDirectory(step));
    await mkdir(path.join(run.checkpointsDirectory, 'step-7')); // unpadded names from older layouts
    await mkdir(run.bestDirectory);
    await run.markLatest(120);
    expect(await readFile(path.join(run.checkpointsDirectory, 'latest'), 'utf8')).toBe('step-000120\n');
    expect(await run.latestCheckpoint()).toEqual({ step: 120, name: 'step-000120', directory: run.checkpointDirectory(120) });
    expect((await run.listCheckpoints()).map((entry) => entry.step)).toEqual([5, 7, 40, 120]);
  });

  it('reports a latest pointer to a missing checkpoint', async () => {
    const run = await openRunDirectory(root);
    await run.markLatest(3);
    await expect(run.latestCheckpoint()).rejects.toThrow(CheckpointError);
    await expect(run.latestCheckpoint()).rejects.toThrow(/names "step-000003" but .* does not exist/);
  });

  it('names checkpoints so they sort by step', () => {
    expect(checkpointDirectoryName(0)).toBe('step-000000');
    expect(checkpointDirectoryName(1234567)).toBe('step-1234567');
    expect(() => checkpointDirectoryName(-1)).toThrow(/step: must be a non-negative integer/);
  });
});

describe('createJsonlMetricsSink and readMetrics', () => {
  it('appends records in order, survives a restart by appending, and reads NaN back', async () => {
    const file = path.join(root, 'nested', 'metrics.jsonl');
    const first = createJsonlMetricsSink(file);
    first.write({ stage: 'sft', step: 1, time: '2024-01-01T00:00:00Z', loss: 2.5 });
    first.write({ stage: 'sft', step: 2, time: '2024-01-01T00:00:01Z', loss: Number.NaN });
    await first.flush();
    const restarted = createJsonlMetricsSink(file);
    restarted.write({ stage: 'sft', step: 3, time: '2024-01-01T00:00:02Z', loss: 1.5, note: 'resumed' });
    await restarted.flush();
    const records = await readMetrics(file);
    expect(records.map((record) => record.step)).toEqual([1, 2, 3]);
    expect(records[0]!.loss).toBe(2.5);
    expect(Number.isNaN(records[1]!.loss)).toBe(true);
    expect(records[2]!.note).toBe('resumed');
  });

  it('skips a torn last line but reports a bad line in the middle with file and line', async () => {
    const file = path.join(root, 'metrics.jsonl');
    await writeFile(file, '{"stage":"ppo","step":1,"time":"t","reward":0.5}\n{"stage":"ppo","st');
    expect((await readMetrics(file)).length).toBe(1);
    await appendFile(file, '\n{"stage":"ppo","step":"x","time":"t"}\n');
    const error = await readMetrics(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as InvalidRecordError).message).toMatch(/metrics\.jsonl:2: not valid JSON/);
    await writeFile(file, '{"stage":"ppo","step":"x","time":"t"}\n');
    await expect(readMetrics(file)).rejects.toThrow(/metrics\.jsonl:1: step: must be an integer, got "x"/);
  });

  it('returns no records for a missing file and rejects records without step', async () => {
    expect(await readMetrics(path.join(root, 'absent.jsonl'))).toEqual([]);
    const sink = createJsonlMetricsSink(path.join(root, 'metrics.jsonl'));
    expect(() => sink.write({ stage: 'sft', time: 't' } as never)).toThrow(/record: needs a string stage, an integer step/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary files', async () => {
    const file = path.join(root, 'latest');
    await writeFileAtomic(file, 'step-000001\n');
    await Promise.all([writeFileAtomic(file, 'step-000002\n'), writeFileAtomic(file, 'step-000003\n')]);
    expect(['step-000002\n', 'step-000003\n']).toContain(await readFile(file, 'utf8'));
    expect(await readdir(root)).toEqual(['latest']);
  });
});
