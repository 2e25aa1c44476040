import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseModelConfig, readSafetensors, type GeneratorV1, type RewardModelV1 } from '@instructkit/core';
import { instructgptPreset, ppoInitPreset, pretrain, rewardModelSelector, sft, type CheckpointSelector } from '../src/index';
import { BigramModel, characterTokenizer, echoRecords } from './helpers';

const directories: string[] = [];
async function runDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-sft-'));
  directories.push(directory);
  return directory;
}
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function metricLines(directory: string): Promise<Record<string, number>[]> {
  return (await readFile(path.join(directory, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
}

describe('sft', () => {
  it('trains on completion tokens only, lowers validation loss each epoch and exports a Hugging Face directory', async () => {
    const directory = await runDirectory();
    const train = echoRecords(32, 1);
    const validation = echoRecords(16, 2);
    const model = new BigramModel();
    const result = await sft({ model, tokenizer: characterTokenizer, train, validation, epochs: 3, sequencesPerBatch: 8, runDirectory: directory });

    expect(result.run).toMatchObject({ reason: 'completed', step: 12 });
    // Targets per record: 4 completion characters + EOS; the prompt ("say x") never is.
    const firstEpochTargets = model.tasks.slice(0, 4).reduce((sum, task) => sum + task.lossMask.reduce((a, b) => a + b, 0), 0);
    expect(firstEpochTargets).toBe(32 * 5);

    const lines = await metricLines(directory);
    expect(lines.filter((line) => 'loss' in line).map((line) => line.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const validationLosses = lines.filter((line) => 'validationLoss' in line).map((line) => line.validationLoss!);
    expect(validationLosses).toHaveLength(3);
    expect(validationLosses[2]!).toBeLessThan(validationLosses[0]!);
    expect(validationLosses[0]!).toBeLessThan(Math.log(28)); // below a uniform guess

    const config = parseModelConfig(JSON.parse(await readFile(path.join(directory, 'checkpoints', 'final', 'config.json'), 'utf8')));
    expect(config).toMatchObject({ vocabSize: 28, contextLength: 24, eosTokenId: 0 });
    expect(JSON.parse(await readFile(path.join(directory, 'checkpoints', 'final', 'tokenizer.json'), 'utf8'))).toEqual({ model: { type: 'characters' } });
    // The training state of the exported checkpoint travels with it.
    expect(JSON.parse(await readFile(path.join(directory, 'checkpoints', 'final', 'trainer-state.json'), 'utf8')).step).toBe(12);
    expect(JSON.parse(await readFile(path.join(directory, 'checkpoints', 'final', 'bigram.json'), 'utf8')).step).toBe(12);
    const exported = await readSafetensors(path.join(directory, 'checkpoints', 'final', 'model.safetensors'));
    expect(Array.from(exported.tensors.get('transformer.table')!.data as Float32Array)).toEqual(Array.from(Float32Array.from(model.table)));
  });

  it('accumulates gradients over micro-batches and passes the preset’s optimizer and schedule to the engine', async () => {
    const model = new BigramModel();
    const result = await sft({
      model,
      tokenizer: characterTokenizer,
      train: echoRecords(24, 3),
      preset: instructgptPreset({ learningRate: 0.05, epochs: 2, sequencesPerBatch: 8 }),
      optimization: { optimizer: { learningRate: 0.01 } }, // overrides only the learning rate
      gradientAccumulation: 2,
      runDirectory: await runDirectory(),
    });
    // 24 records / 4 per micro-batch = 6 micro-batches per epoch, 12 in all, 2 per step.
    expect(result.totalSteps).toBe(6);
    expect(model.stepSizes).toEqual([2, 2, 2, 2, 2, 2]);
    expect(model.tasks.every((task) => task.batch.batchSize === 4)).toBe(true);
    expect(model.configured).toEqual({
      optimizer: { learningRate: 0.01, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0 },
      schedule: { kind: 'cosine', warmupSteps: 0, finalRatio: 0.1, totalSteps: 6 },
      seed: 0,
    });
  });

  it('mixes 10% pretraining sequences into each epoch with the PPO-init preset', async () => {
    const model = new BigramModel();
    const pretrainingTexts = ['zzzz zzzz', 'zz zz zz', 'z z z z z'];
    await sft({
      model,
      tokenizer: characterTokenizer,
      train: echoRecords(36, 4),
      preset: ppoInitPreset({ learningRate: 0.01, sequencesPerBatch: 8 }),
      pretrainingMix: { texts: pretrainingTexts },
      runDirectory: await runDirectory(),
    });
    // 36 demonstrations + round(36 · 0.1 / 0.9) = 4 pretraining texts per epoch, 2 epochs.
    const rows = model.tasks.flatMap((task) => Array.from({ length: task.batch.batchSize }, (_, row) => task.batch.ids[row * task.batch.length]!));
    expect(rows).toHaveLength(80);
    expect(rows.filter((first) => first === 26).length).toBe(8); // rows starting with 'z'
  });

  it('keeps the checkpoint its selector prefers and exports that one', async () => {
    const directory = await runDirectory();
    const model = new BigramModel();
    const rewards = [0.2, 0.9, 0.4];
    const parametersAtEvaluation: number[][] = [];
    const selector: CheckpointSelector = {
      metric: 'validationReward',
      direction: 'maximize',
      async evaluate() {
        parametersAtEvaluation.push(Array.from(Float32Array.from(model.table)));
        return { validationReward: rewards[parametersAtEvaluation.length - 1]! };
      },
    };
    const result = await sft({ model, tokenizer: characterTokenizer, train: echoRecords(16, 5), epochs: 3, sequencesPerBatch: 8, selector, runDirectory: directory });
    expect(result.run.best).toMatchObject({ step: 4, value: 0.9 });
    const exported = await readSafetensors(path.join(directory, 'checkpoints', 'final', 'model.safetensors'));
    expect(Array.from(exported.tensors.get('transformer.table')!.data as Float32Array)).toEqual(parametersAtEvaluation[1]);
  });

  it('resumed after an interruption ends with the same parameters as an uninterrupted run', async () => {
    const settings = { tokenizer: characterTokenizer, train: echoRecords(40, 6), epochs: 2, sequencesPerBatch: 4, packing: false } as const;
    const reference = new BigramModel();
    await sft({ ...settings, model: reference, runDirectory: await runDirectory() });

    const directory = await runDirectory();
    const controller = new AbortController();
    const first = new BigramModel();
    const interrupted = await sft({
      ...settings,
      model: first,
      runDirectory: directory,
      signal: controller.signal,
      onEvent: (event) => event.type === 'step-end' && event.step === 7 && controller.abort(),
    });
    expect(interrupted.run.reason).toBe('interrupted');
    expect(interrupted.exported).toBeUndefined();
    const resumed = new BigramModel();
    await sft({ ...settings, model: resumed, runDirectory: directory });
    expect(resumed.tasks).toHaveLength(20 - 7);
    expect(Array.from(resumed.table)).toEqual(Array.from(reference.table));
  });
});

describe('pretrain', () => {
  it('trains on every token of packed rows and lowers held-out loss', async () => {
    const directory = await runDirectory();
    const texts = Array.from({ length: 40 }, (_, index) => 'the cat sat on the mat '.repeat(1 + (index % 3)).trim());
    const model = new BigramModel(4);
    const result = await pretrain({ model, tokenizer: characterTokenizer, texts, validationTexts: ['the mat sat on the cat'], packing: true, epochs: 4, sequencesPerBatch: 8, runDirectory: directory });
    expect(result.run.reason).toBe('completed');
    // Packed: full rows of contextLength tokens, no padding except in the epoch's last row.
    expect(model.tasks[0]!.batch.length).toBe(24);
    expect(model.tasks.slice(0, 3).every((task) => task.batch.attentionMask.every((bit) => bit === 1))).toBe(true);
    const lossMaskOnes = model.tasks[0]!.lossMask.reduce((a, b) => a + b, 0);
    expect(lossMaskOnes).toBe(model.tasks[0]!.lossMask.length);
    const validation = (await metricLines(directory)).filter((line) => 'validationLoss' in line).map((line) => line.validationLoss!);
    expect(validation).toHaveLength(4);
    expect(validation.at(-1)!).toBeLessThan(validation[0]!);
    expect(validation.at(-1)!).toBeLessThan(Math.log(28) - 1);
  });
});

describe('rewardModelSelector', () => {
  it('samples an answer per validation prompt with a fixed seed and reports the mean reward of the decoded answers', async () => {
    const requests: { prompts: number[][]; seed: number | undefined }[] = [];
    const generator: GeneratorV1 = {
      specificationVersion: 'v1',
      modelId: 'fake',
      async doGenerate(request) {
        requests.push({ prompts: request.prompts.map((prompt) => Array.from(prompt)), seed: request.sampling?.seed });
        // Answer "ab" + EOS to the first prompt, "c" (cut by length) to the second.
        return {
          sequences: [
            { promptIds: request.prompts[0]!, completionIds: Int32Array.from([1, 2, 0]), logprobs: new Float32Array(3), finishReason: 'eos' },
            { promptIds: request.prompts[1]!, completionIds: Int32Array.from([3]), logprobs: new Float32Array(1), finishReason: 'length' },
          ],
        };
      },
    };
    const scored: string[][] = [];
    const rewardModel: RewardModelV1 = {
      specificationVersion: 'v1',
      modelId: 'length',
      async doScore({ prompts, completions }) {
        scored.push([...prompts, ...completions]);
        return completions.map((completion) => completion.length);
      },
    };
    const selector = rewardModelSelector({ rewardModel, generator, tokenizer: { ...characterTokenizer, decode: characterTokenizer.decode! }, prompts: ['say a', 'say b'] });
    expect(selector).toMatchObject({ metric: 'validationReward', direction: 'maximize' });
    expect(await selector.evaluate!(5)).toEqual({ validationReward: (2 + 1) / 2 });
    expect(await selector.evaluate!(10)).toEqual({ validationReward: 1.5 });
    expect(requests.map((request) => request.seed)).toEqual([0, 0]);
    expect(requests[0]!.prompts[0]).toEqual([19, 1, 25, 27, 1]);
    expect(scored[0]).toEqual(['say a', 'say b', 'ab', 'c']); // EOS dropped before scoring
    // Prompts that leave no room for the answer in the context are left out.
    expect(() => rewardModelSelector({ rewardModel, generator, tokenizer: { ...characterTokenizer, decode: characterTokenizer.decode! }, prompts: ['say a'], contextLength: 10, sampling: { maxNewTokens: 8 } })).toThrow(
      /none of the 1 prompts leaves room for 8 new tokens in a context of 10/,
    );
  });
});
