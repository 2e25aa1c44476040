import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRewardModel, readRewardNormalization, trainRewardModel, type RankingExample } from '../src/index';
import { characterTokenizer, LinearRankingModel } from './helpers';

/** Deterministic generator (LCG) for the synthetic data. */
function lcg(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Completions are letter strings; the gold preference counts 'g' minus 'b'. Labelers are noiseless. */
function syntheticRankings(count: number, seed: number): RankingExample[] {
  const random = lcg(seed);
  const letters = 'abcdefgh';
  return Array.from({ length: count }, (_, index) => {
    const k = 2 + Math.floor(random() * 8);
    const completions = Array.from({ length: k }, () => Array.from({ length: 1 + Math.floor(random() * 6) }, () => letters[Math.floor(random() * 8)]).join(''));
    const gold = completions.map((text) => [...text].filter((c) => c === 'g').length - [...text].filter((c) => c === 'b').length);
    const sorted = [...new Set(gold)].sort((a, b) => b - a);
    return { prompt: 'p', completions, ranks: gold.map((value) => sorted.indexOf(value)), labelerId: `labeler-${index % 3}` };
  });
}

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

describe('trainRewardModel', () => {
  it('forwards every completion once per epoch and learns to rank held-out completions', async () => {
    const runDirectory = await mkdtemp(path.join(tmpdir(), 'instructkit-rm-'));
    directories.push(runDirectory);
    const train = syntheticRankings(60, 1);
    const validation = syntheticRankings(30, 2);
    const model = new LinearRankingModel();
    const demonstrations = [{ prompt: 'p', completion: 'ggg' }, { prompt: 'p', completion: 'gag' }];
    const { run, evaluation, normalization, exported } = await trainRewardModel({
      model,
      tokenizer: characterTokenizer,
      train,
      validation,
      heldOutLabelers: ['labeler-2'],
      promptsPerBatch: 8,
      epochs: 3,
      runDirectory,
      normalizeWith: { demonstrations },
    });
    // Prompts whose completions all tie carry no comparison and are dropped before batching.
    const untied = train.filter((example) => new Set(example.ranks).size > 1);
    expect(untied.length).toBeLessThan(train.length);
    const batchesPerEpoch = Math.ceil(untied.length / 8);
    expect(run).toMatchObject({ reason: 'completed', step: 3 * batchesPerEpoch });
    // Each completion forwarded exactly once per epoch.
    const firstEpoch = model.tasks.slice(0, batchesPerEpoch);
    const trainedCompletions = untied.reduce((sum, example) => sum + example.completions.length, 0);
    expect(firstEpoch.reduce((sum, task) => sum + (task.kind === 'ranking' ? task.batch.batchSize : 0), 0)).toBe(trainedCompletions);
    expect(evaluation!.accuracy).toBeGreaterThan(0.9);
    expect(evaluation!.heldOutLabelers!.pairs).toBeGreaterThan(0);

    const lines = (await readFile(path.join(runDirectory, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const steps = lines.filter((line) => 'loss' in line);
    expect(steps).toHaveLength(3 * batchesPerEpoch);
    expect(steps.every((line) => typeof line.accuracy === 'number')).toBe(true);
    const validations = lines.filter((line) => 'validationLoss' in line);
    expect(validations.map((line) => line.step)).toEqual([1, 2, 3].map((epoch) => epoch * batchesPerEpoch));
    expect(validations[2].validationLoss).toBeLessThan(validations[0].validationLoss);
    expect(validations[0].validationLoss).toBeLessThan(Math.log(2));

    // Exported in Hugging Face layout with the normalization that centres demonstrations on 0.
    expect(exported).toBe(path.join(runDirectory, 'checkpoints', 'final'));
    const config = JSON.parse(await readFile(path.join(exported!, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ architectures: ['GPT2ForSequenceClassification'], num_labels: 1 });
    expect(await readRewardNormalization(exported!)).toEqual(normalization);
    const normalized = createRewardModel({ model, tokenizer: characterTokenizer, normalization: normalization! });
    const demonstrationScores = await normalized.doScore({ prompts: ['p', 'p'], completions: ['ggg', 'gag'] });
    expect(demonstrationScores[0]! + demonstrationScores[1]!).toBeCloseTo(0, 5);
  });
});
