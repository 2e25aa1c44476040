import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, UnsupportedError, type TrainingTask } from '@instructkit/core';
import { expectClose, finiteDifferenceGradient } from '@instructkit/test-utils';
import { createCausalLM, createScalarModel, selectBackend, TFJS_LOSS_TASK, type TfjsCausalLM, type TfjsScalarModel, type TfjsLossFunction } from '../src/index';
import { EVALUATION_MODE } from '../src/batch-utils';
import { objectiveValue } from '../src/objectives';
import type { TfjsTransformer } from '../src/tfjs-transformer';
import { randomBatch, randomIntegers, realTargetMask, tinyConfig } from './helpers';

// Coordinates checked per task: a few entries of parameters spread through the network.
const CHECKED = ['wte.weight', 'wpe.weight', 'h.0.attn.c_attn.weight', 'h.0.ln_1.weight', 'h.1.mlp.c_fc.bias', 'h.1.attn.c_proj.weight', 'ln_f.bias'];

function lossOf(model: TfjsTransformer, task: TrainingTask): number {
  return tf.tidy(() => objectiveValue(model, task, EVALUATION_MODE).loss.dataSync()[0]!);
}

/** Autodiff gradient vs. central finite differences at 3 coordinates of each checked parameter. */
function checkGradient(model: TfjsTransformer, task: TrainingTask, names: readonly string[]): void {
  const variables = model.namedVariables();
  const list = names.map((name) => variables.get(name)!);
  const { grads } = tf.variableGrads(() => objectiveValue(model, task, EVALUATION_MODE).loss, list);
  const pick = randomIntegers(7);
  for (const [position, name] of names.entries()) {
    const variable = list[position]!;
    const analyticAll = grads[variable.name]!.dataSync();
    const original = variable.dataSync().slice();
    const coordinates = [...new Set([pick(original.length), pick(original.length), pick(original.length)])];
    const numeric = finiteDifferenceGradient(
      (point) => {
        const values = original.slice();
        coordinates.forEach((coordinate, index) => (values[coordinate] = point[index]!));
        tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
        return lossOf(model, task);
      },
      coordinates.map((coordinate) => original[coordinate]!),
      1e-2,
    );
    tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
    expectClose(
      coordinates.map((coordinate) => analyticAll[coordinate]!),
      numeric,
      { atol: 2e-3, rtol: 2e-2, label: `${task.kind} d loss / d ${name}` },
    );
  }
  tf.dispose(Object.values(grads));
}

describe('objectives (cpu, float32, against finite differences)', () => {
  let policy: TfjsCausalLM;
  let scalar: TfjsScalarModel;
  const config = tinyConfig();
  // Left- and right-padded rows: the mask handling is part of what is checked.
  const batch = randomBatch(1, 3, 7, config.vocabSize, [2, 0, -1], 12);

  beforeAll(async () => {
    await selectBackend({ backend: 'cpu', log: () => undefined });
    policy = await createCausalLM({ config, seed: 3 });
    scalar = await createScalarModel({ config, seed: 4 });
    // A non-zero score head and biases make every path carry gradient.
    tf.tidy(() => {
      for (const variable of scalar.namedVariables().values()) variable.assign(tf.add(variable, tf.randomNormal(variable.shape, 0, 0.3, 'float32', 11)));
    });
  });
  afterAll(async () => {
    policy.dispose();
    scalar.dispose();
    await selectBackend({ backend: 'wasm', log: () => undefined });
  });

  it('language modeling: masked next-token cross-entropy', () => {
    const lossMask = realTargetMask(batch);
    lossMask[0 * 6 + 3] = 0; // an SFT-style hole: a prompt token that does not count
    checkGradient(policy, { kind: 'language-modeling', batch, lossMask }, CHECKED);
  });

  it('language modeling equals −mean log p of the selected targets from doLogprobs', async () => {
    const lossMask = realTargetMask(batch);
    const { logprobs } = await policy.doLogprobs({ batch });
    let sum = 0;
    let count = 0;
    lossMask.forEach((selected, index) => {
      if (selected) {
        sum -= logprobs[index]!;
        count += 1;
      }
    });
    expectClose(lossOf(policy, { kind: 'language-modeling', batch, lossMask }), sum / count, { atol: 1e-5, label: 'LM loss' });
  });

  it('PPO policy: clipped surrogate with entropy bonus', async () => {
    const actionMask = realTargetMask(batch);
    const { logprobs } = await policy.doLogprobs({ batch });
    const pick = randomIntegers(5);
    // Old log-probs 0.05 (inside the clip range) or 0.5 (outside) away from the current ones: no entry sits on a kink.
    const oldLogprobs = logprobs.map((value) => value + [0.05, -0.05, 0.5, -0.5][pick(4)]!);
    const advantages = Float32Array.from(logprobs, () => pick(2) * 2 - 1 + 0.3);
    const task: TrainingTask = { kind: 'ppo-policy', batch, actionMask, oldLogprobs, advantages, clipRange: 0.2, entropyCoefficient: 0.05 };
    checkGradient(policy, task, CHECKED);
    const { metrics } = await policy.doEvaluate(task);
    expect(metrics.clipFraction).toBeGreaterThan(0);
    expect(metrics.clipFraction).toBeLessThan(1);
  });

  it('PPO value: clipped squared error', async () => {
    const actionMask = realTargetMask(batch);
    const { scores } = await scalar.doScore({ batch, positions: 'all' });
    const pick = randomIntegers(9);
    const oldValues = new Float32Array(actionMask.length);
    const returns = new Float32Array(actionMask.length);
    for (let row = 0; row < 3; row++) {
      for (let step = 0; step < 6; step++) {
        const value = scores[row * 7 + step]!;
        oldValues[row * 6 + step] = value + [0.05, -0.05, 0.6, -0.6][pick(4)]!;
        returns[row * 6 + step] = value + (pick(2) ? 1 : -1);
      }
    }
    checkGradient(scalar, { kind: 'ppo-value', batch, actionMask, returns, oldValues, clipRange: 0.2 }, [...CHECKED, 'score.weight', 'score.bias']);
  });

  it('ranking: InstructGPT Eq. 1 over all pairs', () => {
    const task: TrainingTask = { kind: 'ranking', batch, groups: [{ rows: [0, 1, 2], ranks: [1, 0, 2], margin: 0.1 }] };
    checkGradient(scalar, task, [...CHECKED, 'score.weight', 'score.bias']);
  });

  it('ranking loss and accuracy equal a brute-force pairwise computation', async () => {
    const rankingBatch = randomBatch(21, 7, 6, config.vocabSize, [0, 1, -2, 0, 3, 0, -1], 12);
    const groups = [
      { rows: [0, 1, 2, 3], ranks: [2, 0, 1, 1] }, // a tie: its pair is dropped
      { rows: [4, 5, 6], ranks: [0, 2, 1], margin: 0.5 },
    ];
    const { scores } = await scalar.doScore({ batch: rankingBatch });
    let loss = 0;
    let correct = 0;
    let pairs = 0;
    for (const group of groups) {
      let groupLoss = 0;
      let groupPairs = 0;
      for (let first = 0; first < group.rows.length; first++) {
        for (let second = 0; second < group.rows.length; second++) {
          if (group.ranks[first]! >= group.ranks[second]!) continue;
          const difference = scores[group.rows[first]!]! - scores[group.rows[second]!]! - (group.margin ?? 0);
          groupLoss += -Math.log(1 / (1 + Math.exp(-difference)));
          groupPairs += 1;
          correct += scores[group.rows[first]!]! > scores[group.rows[second]!]! ? 1 : 0;
        }
      }
      loss += groupLoss / groupPairs;
      pairs += groupPairs;
    }
    const result = await scalar.doEvaluate({ kind: 'ranking', batch: rankingBatch, groups });
    expectClose(result.loss, loss / groups.length, { atol: 1e-5, label: 'ranking loss' });
    expectClose(result.metrics.accuracy!, correct / pairs, { atol: 1e-6, label: 'ranking accuracy' });
  });

  it('ranking forwards every row exactly once, however many pairs it forms', () => {
    const spy = vi.spyOn(scalar, 'hiddenStates');
    try {
      const rankingBatch = randomBatch(5, 4, 6, config.vocabSize);
      lossOf(scalar, { kind: 'ranking', batch: rankingBatch, groups: [{ rows: [0, 1, 2, 3], ranks: [3, 1, 0, 2] }] }); // C(4,2) = 6 pairs
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![0].batchSize).toBe(4);
    } finally {
      spy.mockRestore();
    }
  });

  it('weighted sum: PPO-ptx = policy + γ · language modeling', async () => {
    const actionMask = realTargetMask(batch);
    const { logprobs } = await policy.doLogprobs({ batch });
    const policyTask: TrainingTask = { kind: 'ppo-policy', batch, actionMask, oldLogprobs: logprobs.map((value) => value - 0.05), advantages: logprobs.map((_, index) => (index % 3) - 1) };
    const pretrainBatch = randomBatch(2, 2, 5, config.vocabSize);
    const lmTask: TrainingTask = { kind: 'language-modeling', batch: pretrainBatch, lossMask: realTargetMask(pretrainBatch) };
    const task: TrainingTask = { kind: 'weighted-sum', terms: [{ name: 'policy', weight: 1, task: policyTask }, { name: 'ptx', weight: 0.7, task: lmTask }] };
    checkGradient(policy, task, CHECKED);
    const combined = await policy.doEvaluate(task);
    expectClose(combined.loss, lossOf(policy, policyTask) + 0.7 * lossOf(policy, lmTask), { atol: 1e-5, label: 'weighted sum' });
    expect(Object.keys(combined.metrics)).toContain('ptx.loss');
  });

  it('custom: a tfjs loss function receives logits and trains through them', () => {
    const lossFunction: TfjsLossFunction = (context) => ({ loss: context.tf.mean(context.tf.square(context.logits(batch))) as tf.Scalar });
    checkGradient(policy, { kind: 'custom', name: TFJS_LOSS_TASK, payload: lossFunction }, CHECKED);
  });

  it('rejects a task the model kind cannot run, and bad task arrays, with typed errors', () => {
    expect(() => lossOf(scalar, { kind: 'language-modeling', batch, lossMask: realTargetMask(batch) })).toThrow(UnsupportedError);
    expect(() => lossOf(policy, { kind: 'language-modeling', batch, lossMask: new Uint8Array(3) })).toThrow(/task.lossMask: has 3 entries, expected batchSize·\(length − 1\) = 18/);
    expect(() => lossOf(scalar, { kind: 'ranking', batch, groups: [{ rows: [0, 5], ranks: [0, 1] }] })).toThrow(InvalidArgumentError);
    expect(() => lossOf(scalar, { kind: 'ranking', batch, groups: [{ rows: [0, 5], ranks: [0, 1] }] })).toThrow(/task.groups\[0\].rows\[1\]/);
    expect(() => lossOf(policy, { kind: 'custom', name: 'jax', payload: null })).toThrow(UnsupportedError);
  });
});
