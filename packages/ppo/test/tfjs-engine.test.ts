import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyTask, TransformerConfig, ValueTask } from '@instructkit/core';
import { createCausalLM, createScalarModel, type TfjsCausalLM, type TfjsScalarModel } from '@instructkit/tfjs';
import { actionValues } from '../src/action-values';
import { buildRolloutBatch } from '../src/build-rollout-batch';
import { clippedPolicyLoss } from '../src/clipped-policy-loss';
import { clippedValueLoss } from '../src/clipped-value-loss';
import { SeededRandom } from '../src/seeded-random';
import { trainPpo } from '../src/train-ppo';
import { EOS, PROMPTS, VOCABULARY, measurePolicy, proxyReward, goldReward, tokenizer } from './bandit-task';
import { expectClose } from './expect-close';

// A tiny GPT-2 over the bandit's 5-token vocabulary, dropout off as PPO wants it.
const CONFIG: TransformerConfig = {
  architecture: 'gpt2',
  vocabSize: VOCABULARY.length,
  contextLength: 16,
  hiddenSize: 16,
  numLayers: 1,
  numHeads: 2,
  eosTokenId: EOS,
  dropout: { embedding: 0, attention: 0, residual: 0 },
};
const OPTIMIZATION = { optimizer: { learningRate: 0.01 }, maxGradNorm: 1 };


describe('the tfjs engine against the reference objectives', () => {
  let policy: TfjsCausalLM;
  let valueModel: TfjsScalarModel;
  beforeAll(async () => {
    policy = await createCausalLM({ config: CONFIG, seed: 1, backend: 'cpu' });
    valueModel = await createScalarModel({ config: CONFIG, seed: 2, backend: 'cpu' });
  });
  // Left-padded prompts and right-padded responses of different lengths.
  const layout = buildRolloutBatch(
    [
      { promptIds: Int32Array.of(1, 2, 3), completionIds: Int32Array.of(4, 1, 0) },
      { promptIds: Int32Array.of(2), completionIds: Int32Array.of(3, 3, 3, 0) },
      { promptIds: Int32Array.of(4, 4), completionIds: Int32Array.of(1) },
    ],
    EOS,
  );
  const actions = layout.batch.length - 1;
  const random = new SeededRandom(7);
  const noise = (scale: number) => Float32Array.from({ length: 3 * actions }, () => (random.next() - 0.5) * scale);

  it("PolicyTask's loss equals the reference clipped objective on the engine's own log-probs", async () => {
    const { logprobs } = await policy.doLogprobs({ batch: layout.batch });
    // Old log-probs spread so that some ratios fall outside [0.8, 1.2] and are clipped.
    const shift = noise(1);
    const oldLogprobs = logprobs.map((value, index) => value + shift[index]!);
    const advantages = noise(4);
    const task: PolicyTask = { kind: 'ppo-policy', batch: layout.batch, actionMask: layout.actionMask, oldLogprobs, advantages, clipRange: 0.2 };
    const reference = clippedPolicyLoss({ logprobs, oldLogprobs, advantages, mask: layout.actionMask, clipRange: 0.2 });
    expect(reference.clipFraction).toBeGreaterThan(0);
    const evaluated = await policy.doEvaluate(task);
    expectClose(evaluated.loss, reference.loss, 1e-5);
    expectClose(evaluated.metrics.approxKl!, reference.approxKl, 1e-5);
  });

  it("ValueTask's loss equals the reference clipped value loss on the engine's own values", async () => {
    const { scores } = await valueModel.doScore({ batch: layout.batch, positions: 'all' });
    const values = actionValues(scores, 3, layout.batch.length, layout.actionMask);
    // Old values far from the current ones and returns on the far side: many clipped terms win.
    const shift = noise(2);
    const oldValues = values.map((value, index) => value + shift[index]!);
    const returns = values.map((value, index) => value - shift[index]!);
    const task: ValueTask = { kind: 'ppo-value', batch: layout.batch, actionMask: layout.actionMask, returns, oldValues, clipRange: 0.2 };
    const reference = clippedValueLoss({ values, oldValues, returns, mask: layout.actionMask, clipRange: 0.2 });
    expect(reference.clipFraction).toBeGreaterThan(0);
    const evaluated = await valueModel.doEvaluate(task);
    expectClose(evaluated.loss, reference.loss, 1e-5);
    expectClose(evaluated.metrics.clipFraction!, reference.clipFraction, 1e-6);
  });
});

describe("trainPpo with tfjs models and core's local generator", () => {
  async function runOnTfjs(klCoefficient: number) {
    const policy = await createCausalLM({ config: CONFIG, seed: 3, backend: 'cpu' });
    const reference = await createCausalLM({ config: CONFIG, seed: 3, backend: 'cpu' });
    const valueModel = await createScalarModel({ config: CONFIG, seed: 4, backend: 'cpu' });
    policy.configureTraining(OPTIMIZATION);
    valueModel.configureTraining(OPTIMIZATION);
    const before = await measurePolicy(policy as never, reference as never, 128);
    const result = await trainPpo({
      policy,
      reference,
      valueModel,
      rewardModel: proxyReward,
      goldRewardModel: goldReward,
      tokenizer,
      prompts: PROMPTS,
      hyperparameters: { iterations: 8, rolloutBatchSize: 16, minibatchSize: 8, epochs: 2, maxNewTokens: 6, klCoefficient, emaDecay: 0 },
      onWarning: () => {},
    });
    const after = await measurePolicy(policy as never, reference as never, 128);
    return { before, after, result };
  }

  it('raises the proxy and gold reward of a tiny GPT-2 above its start, with finite KL', async () => {
    const { before, after, result } = await runOnTfjs(0.01);
    expect(after.proxy).toBeGreaterThan(before.proxy + 0.15);
    expect(after.gold).toBeGreaterThan(before.gold + 0.1);
    expect(Number.isFinite(after.kl) && after.kl > 0).toBe(true);
    // Core's generator samples from the live tfjs weights: the rollouts' log-probs agree.
    expect(Math.max(...result.history.map((metrics) => metrics.logprob_mismatch!))).toBeLessThan(1e-3);
  });

  it('keeps a tiny GPT-2 at its start when β is very large', async () => {
    const { before, after } = await runOnTfjs(100);
    // ≈ 0.09 nats, from Adam's noise alone; at β = 0.01 the same run drifts to ≈ 10.7.
    expect(after.kl).toBeLessThan(0.25);
    expect(Math.abs(after.proxy - before.proxy)).toBeLessThan(0.1);
  });
});
