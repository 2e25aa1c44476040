import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, type MetricsRecord, type TrainingEvent } from '@instructkit/core';
import { buildLanguageModelingTask } from '../src/build-language-modeling-task';
import { instructgptPreset } from '../src/instructgpt-preset';
import { resolvePpoHyperparameters } from '../src/resolve-ppo-hyperparameters';
import { trainPpo, type TrainPpoSettings } from '../src/train-ppo';
import { createBanditModels, goldReward, measurePolicy, proxyReward, tokenizer, EOS } from './bandit-task';
import { createSamplingGenerator, createTabularPolicy } from './tabular-model';

const SMALL = { iterations: 15, rolloutBatchSize: 32, minibatchSize: 8, epochs: 2, maxNewTokens: 6, emaDecay: 0.9 } as const;
const quiet = () => {};

async function run(hyperparameters: TrainPpoSettings['hyperparameters'], extra: Partial<TrainPpoSettings> = {}) {
  const models = createBanditModels();
  const before = await measurePolicy(models.policy, models.reference);
  const result = await trainPpo({ ...models, rewardModel: proxyReward, goldRewardModel: goldReward, hyperparameters, onWarning: quiet, ...extra });
  const after = await measurePolicy(models.policy, models.reference);
  return { models, before, after, result };
}

const directories: string[] = [];
async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-ppo-'));
  directories.push(directory);
  return directory;
}
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

describe('trainPpo on a hand-made bandit', () => {
  it('raises the proxy and the gold reward above the SFT start with finite KL', async () => {
    const { before, after, result } = await run({ ...SMALL, klCoefficient: 0.05 });
    expect(after.proxy).toBeGreaterThan(before.proxy + 0.3);
    expect(after.gold).toBeGreaterThan(before.gold + 0.3);
    expect(Number.isFinite(after.kl)).toBe(true);
    expect(after.kl).toBeGreaterThan(0);
    expect(result.history.at(-1)!.reward).toBeGreaterThan(result.history[0]!.reward);
  });

  it('keeps the policy at the SFT model when β is very large', async () => {
    const { before, after } = await run({ ...SMALL, klCoefficient: 100 });
    expect(after.kl).toBeLessThan(0.1);
    expect(Math.abs(after.proxy - before.proxy)).toBeLessThan(0.1);
  });

  it('drifts further from the SFT model with β = 0 than with β > 0', async () => {
    const free = await run({ ...SMALL, klCoefficient: 0 });
    const penalised = await run({ ...SMALL, klCoefficient: 0.05 });
    expect(free.after.kl).toBeGreaterThan(1.5 * penalised.after.kl);
  });

  it('PPO-ptx keeps the pretraining loss lower than PPO at the same settings', async () => {
    // The corpus is all c→d→c…, transitions the reward gives nothing for.
    const corpus = Array.from({ length: 16 }, (_, index) => tokenizer.encode(index % 2 ? 'cdcdcd' : 'dcdcdc'));
    const pretrainingLoss = async (policy: ReturnType<typeof createBanditModels>['policy']) =>
      (await policy.doEvaluate(buildLanguageModelingTask(corpus, EOS))).loss;
    const plain = await run({ ...SMALL, klCoefficient: 0.05 });
    const withPtx = await run({ ...SMALL, klCoefficient: 0.05, ptxCoefficient: 1, ptxExamplesPerEpisode: 1 }, { pretrainingCorpus: corpus });
    const plainLoss = await pretrainingLoss(plain.models.policy);
    const ptxLoss = await pretrainingLoss(withPtx.models.policy);
    expect(ptxLoss).toBeLessThan(plainLoss - 0.2);
    expect(withPtx.result.history.at(-1)!.ptx_loss).toBeGreaterThan(0);
    // The policy still learns the reward while keeping the corpus.
    expect(withPtx.after.proxy).toBeGreaterThan(withPtx.before.proxy + 0.2);
  });

  it('writes one metrics record per iteration with the documented fields, and emits events', async () => {
    const records: MetricsRecord[] = [];
    const events: TrainingEvent['type'][] = [];
    await run(
      { ...SMALL, iterations: 2 },
      { metrics: { specificationVersion: 'v1', write: (record) => records.push(record), flush: async () => {} }, onEvent: (event) => events.push(event.type) },
    );
    expect(records.map((record) => record.step)).toEqual([1, 2]);
    for (const field of [
      'stage', 'time', 'reward', 'non_score_reward', 'kl', 'entropy', 'policy_loss', 'value_loss', 'clip_fraction', 'approx_kl',
      'explained_variance', 'response_length', 'eos_rate', 'generation_seconds', 'training_seconds', 'gold_reward',
    ]) {
      expect(records[1], field).toHaveProperty(field);
    }
    expect(records[0]!.kl).toBe(0);
    expect(events).toEqual(['run-start', 'rollout-start', 'rollout-end', 'step-end', 'rollout-start', 'rollout-end', 'step-end', 'run-end']);
  });

  it('teaches the policy to end with EOS when truncated responses are penalised', async () => {
    const indifferent = { specificationVersion: 'v1' as const, modelId: 'zero', doScore: async ({ completions }: { completions: readonly string[] }) => completions.map(() => 0) };
    const { result } = await run({ ...SMALL, maxNewTokens: 3, klCoefficient: 0, eosPenalty: { value: -1 } }, { rewardModel: indifferent, goldRewardModel: undefined });
    const early = result.history.slice(0, 2).reduce((sum, metrics) => sum + metrics.eos_rate!, 0) / 2;
    const late = result.history.slice(-2).reduce((sum, metrics) => sum + metrics.eos_rate!, 0) / 2;
    expect(late).toBeGreaterThan(early + 0.2);
  });

  it('with reward normalisation, learns the same from an affinely rescaled reward model', async () => {
    const rescaled = {
      specificationVersion: 'v1' as const,
      modelId: 'rescaled',
      doScore: async (request: Parameters<typeof proxyReward.doScore>[0]) => (await proxyReward.doScore(request)).map((score) => 100 * score + 50),
    };
    const plain = await run({ ...SMALL, iterations: 4, normalizeRewards: true });
    const scaled = await run({ ...SMALL, iterations: 4, normalizeRewards: true }, { rewardModel: rescaled });
    const difference = plain.models.policy.table.reduce((worst, value, index) => Math.max(worst, Math.abs(value - scaled.models.policy.table[index]!)), 0);
    expect(difference).toBeLessThan(1e-3);
    expect(scaled.result.history.at(-1)!.reward).toBeGreaterThan(50);
  });

  it('accumulates micro-batches into one optimizer step per minibatch, and still learns', async () => {
    const { before, after, result } = await run({ ...SMALL, klCoefficient: 0.05, gradientAccumulation: 4 });
    // 15 iterations × 2 epochs × 4 minibatches, whatever the accumulation.
    expect(result.history.at(-1)!.optimizer_step).toBe(120);
    expect(after.proxy).toBeGreaterThan(before.proxy + 0.3);
    expect(() => resolvePpoHyperparameters({ minibatchSize: 8, gradientAccumulation: 3 })).toThrow(/ppo\.gradientAccumulation: must divide minibatchSize/);
  });

  it('gives the same run when rollouts are scored in chunks', async () => {
    const whole = await run({ ...SMALL, iterations: 2 });
    const chunked = await run({ ...SMALL, iterations: 2, forwardBatchSize: 5 });
    const strip = (history: readonly Record<string, number>[]) => history.map(({ generation_seconds, training_seconds, scoring_seconds, ...rest }) => rest);
    expect(strip(chunked.result.history)).toEqual(strip(whole.result.history));
  });

  it('rejects a prompt that cannot fit maxNewTokens in the context, naming it', async () => {
    const models = createBanditModels();
    await expect(
      trainPpo({ ...models, prompts: ['a', 'abcd'.repeat(16)], rewardModel: proxyReward, hyperparameters: { ...SMALL, iterations: 1 } }),
    ).rejects.toThrow(/prompts\[1\]: 64 tokens \+ maxNewTokens 6 exceed the policy's context of 64/);
  });

  it('warns when the generator does not sample from the current policy', async () => {
    const warnings: string[] = [];
    const models = createBanditModels();
    const stale = createTabularPolicy({ vocabSize: 5, eosTokenId: EOS, table: models.policy.table.map((value, index) => value + (index % 3) - 1) });
    await trainPpo({
      ...models,
      generator: createSamplingGenerator(stale),
      rewardModel: proxyReward,
      hyperparameters: { ...SMALL, iterations: 1 },
      onWarning: (message) => warnings.push(message),
    });
    expect(warnings.some((message) => message.includes('current policy weights'))).toBe(true);
  });
});

describe('trainPpo checkpoints', () => {
  const comparable = (history: readonly Record<string, number>[]) =>
    history.map(({ generation_seconds, training_seconds, scoring_seconds, ...rest }) => rest);

  it('resumes bit-for-bit: 3 + 3 iterations equal 6 straight', async () => {
    const straight = await run({ ...SMALL, iterations: 6, adaptiveKl: { target: 1, horizon: 100 } });
    const directory = await temporaryDirectory();
    const models = createBanditModels();
    const settings = { ...models, rewardModel: proxyReward, goldRewardModel: goldReward, onWarning: quiet, runDirectory: directory };
    const first = await trainPpo({ ...settings, hyperparameters: { ...SMALL, iterations: 3, adaptiveKl: { target: 1, horizon: 100 } } });
    expect(await readFile(path.join(directory, 'checkpoints', 'latest'), 'utf8')).toBe('step-3\n');
    expect(await readdir(path.join(directory, 'checkpoints', 'step-3'))).toEqual(
      expect.arrayContaining(['ppo-state.json', 'trainer-state.json', 'policy', 'value', 'ema.safetensors']),
    );
    // A fresh process: new model objects, everything restored from the directory.
    const fresh = createBanditModels();
    const second = await trainPpo({ ...settings, ...fresh, hyperparameters: { ...SMALL, iterations: 6, adaptiveKl: { target: 1, horizon: 100 } } });
    expect(second.iteration).toBe(6);
    expect(comparable([...first.history, ...second.history])).toEqual(comparable(straight.result.history));
    expect(Array.from(fresh.policy.table)).toEqual(Array.from(straight.models.policy.table));
    expect(second.klCoefficient).toBe(straight.result.klCoefficient);
    expect(second.ema!.get('table.weight')!.data).toEqual(straight.result.ema!.get('table.weight')!.data);
  });

  it('stops on abort with a checkpoint, and a rerun finishes as if never interrupted', async () => {
    const straight = await run({ ...SMALL, iterations: 4 });
    const directory = await temporaryDirectory();
    const controller = new AbortController();
    const models = createBanditModels();
    const settings = { rewardModel: proxyReward, goldRewardModel: goldReward, onWarning: quiet, runDirectory: directory, hyperparameters: { ...SMALL, iterations: 4 } };
    const interrupted = await trainPpo({
      ...models,
      ...settings,
      signal: controller.signal,
      // Abort in the middle of the third rollout, as Ctrl-C would.
      onEvent: (event) => {
        if (event.type === 'rollout-start' && event.step === 3) controller.abort();
      },
    });
    expect(interrupted.reason).toBe('interrupted');
    expect(interrupted.iteration).toBe(2);
    const fresh = createBanditModels();
    const resumed = await trainPpo({ ...fresh, ...settings });
    expect(resumed.reason).toBe('completed');
    expect(comparable([...interrupted.history, ...resumed.history])).toEqual(comparable(straight.result.history));
    expect(Array.from(fresh.policy.table)).toEqual(Array.from(straight.models.policy.table));
    // metrics.jsonl holds each iteration once, across the interruption.
    const lines = (await readFile(path.join(directory, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.step)).toEqual([1, 2, 3, 4]);
    expect(lines[3]).toMatchObject({ stage: 'ppo', reward: resumed.history.at(-1)!.reward, gold_reward: expect.any(Number) });
  });
});

describe('trainPpo resuming', () => {
  it('refuses a checkpoint written for another prompt set, naming the state file', async () => {
    const directory = await temporaryDirectory();
    const settings = { rewardModel: proxyReward, onWarning: quiet, runDirectory: directory, hyperparameters: { ...SMALL, iterations: 1 } };
    await trainPpo({ ...createBanditModels(), ...settings });
    await expect(trainPpo({ ...createBanditModels(), ...settings, prompts: ['a', 'b'], hyperparameters: { ...SMALL, iterations: 2 } })).rejects.toThrow(
      /ppo-state\.json: was written for 10 prompts, this run has 2/,
    );
  });
});

describe('resolvePpoHyperparameters', () => {
  it('fills in the defaults', () => {
    const resolved = resolvePpoHyperparameters();
    expect(resolved).toMatchObject({ klCoefficient: 0.02, gamma: 1, clipRange: 0.2, ptxCoefficient: 27.8, emaDecay: 0.992 });
  });

  it('names the bad field in a typed error', () => {
    expect(() => resolvePpoHyperparameters({ rolloutBatchSize: 10, minibatchSize: 4 })).toThrow(InvalidArgumentError);
    expect(() => resolvePpoHyperparameters({ rolloutBatchSize: 10, minibatchSize: 4 })).toThrow(/ppo\.minibatchSize/);
    expect(() => resolvePpoHyperparameters({ lambda: 2 })).toThrow(/ppo\.lambda/);
  });

  it('accepts the InstructGPT preset, which keeps 8 minibatches and one epoch', () => {
    const preset = instructgptPreset();
    const resolved = resolvePpoHyperparameters(preset.hyperparameters);
    expect(resolved.rolloutBatchSize / resolved.minibatchSize).toBe(8);
    expect(resolved.epochs).toBe(1);
    expect(preset.policyOptimization.schedule).toEqual({ kind: 'constant', warmupSteps: 80 });
  });
});
