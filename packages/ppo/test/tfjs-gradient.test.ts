import { describe, expect, it } from 'vitest';
import type { NamedTensors, PolicyTask, TrainingTask, TransformerConfig, ValueTask } from '@instructkit/core';
import { createCausalLM, createScalarModel } from '@instructkit/tfjs';
import { buildRolloutBatch } from '../src/build-rollout-batch';
import { SeededRandom } from '../src/seeded-random';

// A GPT-2 small enough (≈300 parameters) to difference every parameter.
const CONFIG: TransformerConfig = {
  architecture: 'gpt2',
  vocabSize: 5,
  contextLength: 8,
  hiddenSize: 4,
  numLayers: 1,
  numHeads: 1,
  eosTokenId: 0,
  dropout: { embedding: 0, attention: 0, residual: 0 },
};

interface Differentiable {
  doEvaluate(task: TrainingTask): Promise<{ loss: number }>;
  doGetParameters(): Promise<NamedTensors>;
  doSetParameters(parameters: NamedTensors): Promise<void>;
  doTrainStep(request: { microbatches: TrainingTask[] }): Promise<{ gradNorm: number }>;
  configureTraining(settings: { optimizer: { learningRate: number } }): void;
}

/**
 * Central differences of the engine's own loss with respect to every float parameter. The
 * step is small (1e-3) because the clipped objectives have kinks that a larger step crosses.
 */
async function finiteDifferenceGradient(model: Differentiable, task: TrainingTask, step = 1e-3): Promise<Map<string, Float64Array>> {
  const parameters = await model.doGetParameters();
  const gradient = new Map<string, Float64Array>();
  for (const [name, tensor] of parameters) {
    const values = tensor.data as Float32Array;
    const slope = new Float64Array(values.length);
    for (let index = 0; index < values.length; index++) {
      const saved = values[index]!;
      values[index] = saved + step;
      await model.doSetParameters(parameters);
      const plus = (await model.doEvaluate(task)).loss;
      values[index] = saved - step;
      await model.doSetParameters(parameters);
      const minus = (await model.doEvaluate(task)).loss;
      values[index] = saved;
      slope[index] = (plus - minus) / (2 * step);
    }
    gradient.set(name, slope);
  }
  await model.doSetParameters(parameters);
  return gradient;
}

/**
 * Checks an engine's training gradient against finite differences without reading the
 * gradient itself: `gradNorm` must equal the differenced gradient's norm, and AdamW's first
 * step moves each parameter by −lr·sign(g), so every clearly non-zero component must move
 * against its differenced slope.
 */
async function expectTrainingGradientMatches(model: Differentiable, task: TrainingTask): Promise<void> {
  const numeric = await finiteDifferenceGradient(model, task);
  const before = await model.doGetParameters();
  model.configureTraining({ optimizer: { learningRate: 1e-4 } });
  const { gradNorm } = await model.doTrainStep({ microbatches: [task] });
  const after = await model.doGetParameters();
  let squaredNorm = 0;
  let checked = 0;
  for (const [name, slope] of numeric) {
    const old = before.get(name)!.data as Float32Array;
    const now = after.get(name)!.data as Float32Array;
    slope.forEach((value, index) => {
      squaredNorm += value * value;
      if (Math.abs(value) < 1e-3) return;
      checked++;
      expect(Math.sign(now[index]! - old[index]!), `${name}[${index}]`).toBe(-Math.sign(value));
    });
  }
  expect(checked).toBeGreaterThan(50);
  expect(Math.abs(gradNorm - Math.sqrt(squaredNorm)) / Math.sqrt(squaredNorm)).toBeLessThan(0.02);
}

const layout = buildRolloutBatch(
  [
    { promptIds: Int32Array.of(1, 2), completionIds: Int32Array.of(3, 4, 0) },
    { promptIds: Int32Array.of(4), completionIds: Int32Array.of(2, 1) },
  ],
  0,
);
const random = new SeededRandom(11);
const noise = (scale: number) => Float32Array.from({ length: layout.actionMask.length }, () => (random.next() - 0.5) * scale);

describe('tfjs training gradients of the PPO objectives against finite differences', () => {
  it('PolicyTask (clipped surrogate with an entropy bonus)', async () => {
    const policy = await createCausalLM({ config: CONFIG, seed: 5, backend: 'cpu' });
    const { logprobs } = await policy.doLogprobs({ batch: layout.batch });
    const shift = noise(0.6);
    const task: PolicyTask = {
      kind: 'ppo-policy',
      batch: layout.batch,
      actionMask: layout.actionMask,
      oldLogprobs: logprobs.map((value, index) => value + shift[index]!),
      advantages: noise(4),
      clipRange: 0.2,
      entropyCoefficient: 0.01,
    };
    await expectTrainingGradientMatches(policy, task);
  });

  it('ValueTask (clipped value loss)', async () => {
    const valueModel = await createScalarModel({ config: CONFIG, seed: 6, backend: 'cpu' });
    const task: ValueTask = {
      kind: 'ppo-value',
      batch: layout.batch,
      actionMask: layout.actionMask,
      returns: noise(4),
      oldValues: noise(0.5),
      clipRange: 0.2,
    };
    await expectTrainingGradientMatches(valueModel, task);
  });
});
