import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, learningRateAt, type TrainingTask } from '@instructkit/core';
import { expectClose } from '@instructkit/test-utils';
import { createCausalLM, selectBackend, type TfjsCausalLM } from '../src/index';
import { resolveAdamW } from '@instructkit/core';
import { AdamW } from '../src/adamw';
import { randomBatch, realTargetMask, tinyConfig } from './helpers';

function lmTask(seed: number, batchSize = 4, length = 10, vocabSize = 13): TrainingTask {
  const batch = randomBatch(seed, batchSize, length, vocabSize);
  return { kind: 'language-modeling', batch, lossMask: realTargetMask(batch) };
}

async function parameterVector(model: TfjsCausalLM): Promise<Float32Array> {
  const parts = [...(await model.doGetParameters()).values()].map((tensor) => tensor.data as Float32Array);
  const all = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

describe('training (wasm)', () => {
  const models: TfjsCausalLM[] = [];
  const create = async (seed: number, dropout = 0) => {
    const model = await createCausalLM({ config: tinyConfig({ dropout: { embedding: dropout, attention: dropout, residual: dropout } }), seed });
    models.push(model);
    return model;
  };
  beforeAll(async () => {
    await selectBackend({ backend: 'wasm', log: () => undefined });
  });
  afterEach(() => {
    for (const model of models.splice(0)) model.dispose();
  });

  it('overfits a small batch: the loss falls below a third of its start', async () => {
    const model = await create(1);
    model.configureTraining({ optimizer: { learningRate: 1e-2 }, schedule: { kind: 'constant', warmupSteps: 2 } });
    const task = lmTask(5);
    const first = await model.doTrainStep({ microbatches: [task] });
    let last = first;
    for (let step = 0; step < 60; step++) last = await model.doTrainStep({ microbatches: [task] });
    expect(first.loss).toBeGreaterThan(2);
    expect(last.loss).toBeLessThan(first.loss / 3);
    expect(last.step).toBe(61);
    expect(first.learningRate).toBe(0); // warmup starts at 0 (core's learningRateAt)
    expect(first.tokens).toBe(40);
  });

  it('uses the learning rate of core\'s schedule at every step', async () => {
    const model = await create(2);
    const schedule = { kind: 'cosine', warmupSteps: 2, totalSteps: 6, finalRatio: 0.1 } as const;
    model.configureTraining({ optimizer: { learningRate: 1e-3 }, schedule });
    for (let step = 0; step < 6; step++) {
      const result = await model.doTrainStep({ microbatches: [lmTask(step)] });
      expect(result.learningRate).toBe(learningRateAt(schedule, step, 1e-3));
    }
  });

  it('accumulates micro-batches: two halves give the step of the whole batch', async () => {
    const whole = lmTask(9, 4, 8);
    const half = (rows: number[]): TrainingTask => {
      const source = (whole as Extract<TrainingTask, { kind: 'language-modeling' }>).batch;
      const pick = <T extends Int32Array | Uint8Array>(array: T, width: number) => {
        const out = new (array.constructor as new (length: number) => T)(rows.length * width);
        rows.forEach((row, index) => out.set(array.subarray(row * width, (row + 1) * width), index * width));
        return out;
      };
      const batch = { batchSize: rows.length, length: 8, ids: pick(source.ids, 8), attentionMask: pick(source.attentionMask, 8) };
      return { kind: 'language-modeling', batch, lossMask: realTargetMask(batch) };
    };
    const settings = { optimizer: { learningRate: 1e-2, weightDecay: 0.1 }, maxGradNorm: 1 };
    const single = await create(3);
    single.configureTraining(settings);
    const accumulated = await create(3);
    accumulated.configureTraining(settings);
    const one = await single.doTrainStep({ microbatches: [whole] });
    const two = await accumulated.doTrainStep({ microbatches: [half([0, 1]), half([2, 3])] });
    expectClose(two.loss, one.loss, { atol: 1e-5, label: 'loss' });
    expectClose(two.gradNorm, one.gradNorm, { atol: 1e-5, rtol: 1e-4, label: 'gradNorm' });
    expectClose(await parameterVector(accumulated), await parameterVector(single), { atol: 1e-6, rtol: 1e-4, label: 'parameters' });
  });

  it('clips the global gradient norm to maxGradNorm', async () => {
    // With ε = lr ≫ |g|, AdamW's first step is p ← p − g (plain gradient descent), so the step shows the clipped gradient.
    const model = await create(4);
    model.configureTraining({ optimizer: { learningRate: 1e6, epsilon: 1e6 }, maxGradNorm: 0.05 });
    const before = await parameterVector(model);
    const result = await model.doTrainStep({ microbatches: [lmTask(3)] });
    const after = await parameterVector(model);
    let squared = 0;
    for (let index = 0; index < before.length; index++) squared += (after[index]! - before[index]!) ** 2;
    expect(result.gradNorm).toBeGreaterThan(0.05);
    expectClose(Math.sqrt(squared), 0.05, { rtol: 1e-3, atol: 0, label: 'update norm' });
  });

  it('draws dropout from the seed: same seed, same step; another seed, another step', async () => {
    const run = async (seed: number) => {
      const model = await create(5, 0.2);
      model.configureTraining({ optimizer: { learningRate: 1e-3 }, seed });
      return (await model.doTrainStep({ microbatches: [lmTask(1)] })).loss;
    };
    const first = await run(1);
    expect(await run(1)).toBe(first);
    expect(await run(2)).not.toBe(first);
  });

  it('refuses to train before configureTraining, with a typed error', async () => {
    const model = await create(6);
    await expect(model.doTrainStep({ microbatches: [lmTask(1)] })).rejects.toThrow(InvalidArgumentError);
    expect(() => model.configureTraining({ optimizer: { learningRate: 1e-3, beta2: 1 } })).toThrow(/optimizer.beta2/);
  });

  it('keeps the live tensor count constant across 100 training steps', async () => {
    const model = await create(7, 0.1);
    model.configureTraining({ optimizer: { learningRate: 1e-3, weightDecay: 0.01 }, maxGradNorm: 1 });
    const task = lmTask(2);
    await model.doTrainStep({ microbatches: [task, task] });
    const baseline = tf.memory().numTensors;
    for (let step = 0; step < 100; step++) await model.doTrainStep({ microbatches: [task] });
    expect(tf.memory().numTensors).toBe(baseline);
  });
});

describe('AdamW', () => {
  it('matches a float64 reference of torch.optim.AdamW (decay on matrices only, bias correction)', async () => {
    await selectBackend({ backend: 'cpu', log: () => undefined });
    const matrix = tf.variable(tf.tensor2d([[0.5, -1], [2, 0.25]]));
    const bias = tf.variable(tf.tensor1d([0.1, -0.2]));
    const optimizer = new AdamW([matrix, bias]);
    const settings = resolveAdamW({ learningRate: 0.1, beta1: 0.8, beta2: 0.95, epsilon: 1e-6, weightDecay: 0.5 });
    const reference = { values: [[0.5, -1, 2, 0.25], [0.1, -0.2]], first: [[0, 0, 0, 0], [0, 0]], second: [[0, 0, 0, 0], [0, 0]] };
    const gradientAt = (step: number) => [[0.3 * step, -0.1, 0.05, 1], [-0.4, 0.2 * step]];
    for (let step = 1; step <= 3; step++) {
      const learningRate = 0.1 / step;
      const gradients = gradientAt(step);
      optimizer.apply([matrix, bias], [tf.tensor2d(gradients[0]!, [2, 2]), tf.tensor1d(gradients[1]!)], settings, learningRate, step);
      reference.values.forEach((values, parameter) => {
        values.forEach((value, index) => {
          const gradient = gradients[parameter]![index]!;
          const decayed = parameter === 0 ? value * (1 - learningRate * 0.5) : value;
          const first = 0.8 * reference.first[parameter]![index]! + 0.2 * gradient;
          const second = 0.95 * reference.second[parameter]![index]! + 0.05 * gradient * gradient;
          reference.first[parameter]![index] = first;
          reference.second[parameter]![index] = second;
          const denominator = Math.sqrt(second) / Math.sqrt(1 - 0.95 ** step) + 1e-6;
          values[index] = decayed - (learningRate / (1 - 0.8 ** step)) * (first / denominator);
        });
      });
    }
    expectClose(matrix.dataSync(), reference.values[0]!, { atol: 1e-6, label: 'matrix' });
    expectClose(bias.dataSync(), reference.values[1]!, { atol: 1e-6, label: 'bias' });
    optimizer.dispose();
    tf.dispose([matrix, bias]);
    await selectBackend({ backend: 'wasm', log: () => undefined });
  });
});
