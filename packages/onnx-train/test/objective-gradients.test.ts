import { describe, expect, it } from 'vitest';
import { createRng, type PolicyTask, type TrainingTask } from '@instructkit/core';
import { expectClose } from '@instructkit/test-utils';
import { createOnnxTrainableModel, type OnnxTrainableModel } from '../src/onnx-trainable-model';
import { randomValues, tinyConfig, tinyTasks } from './tiny-tasks';

/** Parameters drawn larger than GPT-2's 0.02 so every path carries a visible gradient. */
function scrambleParameters(model: OnnxTrainableModel, seed: number): void {
  const rng = createRng(seed);
  for (const spec of model.parameterSpecs) {
    const isGain = spec.name.includes('ln_') && spec.name.endsWith('.weight');
    for (let index = spec.offset; index < spec.offset + spec.size; index++) model.parameters[index] = (isGain ? 1 : 0) + (rng.next() * 2 - 1) * 0.4;
  }
}

/**
 * Compares the graph's gradient with central differences of the evaluation loss at three
 * coordinates of every parameter tensor (float32; eps 3e-3).
 */
async function checkWholeGraph(model: OnnxTrainableModel, task: TrainingTask): Promise<void> {
  const { loss, gradients } = await model.computeGradients(task);
  const evaluated = await model.doEvaluate(task);
  expectClose(loss, evaluated.loss, { atol: 1e-6, label: 'train-graph loss vs eval-graph loss' });
  const rng = createRng(99);
  const analytic: number[] = [];
  const numeric: number[] = [];
  // Small enough not to cross the clip kinks of the PPO losses, large enough for float32 round-off.
  const eps = 3e-3;
  for (const spec of model.parameterSpecs) {
    const gradient = gradients.get(spec.name)!.data as Float32Array;
    for (let sample = 0; sample < 3; sample++) {
      const element = rng.nextInt(spec.size);
      const index = spec.offset + element;
      const original = model.parameters[index]!;
      model.parameters[index] = original + eps;
      const above = model.parameters[index]!;
      const lossAbove = (await model.doEvaluate(task)).loss;
      model.parameters[index] = original - eps;
      const below = model.parameters[index]!;
      const lossBelow = (await model.doEvaluate(task)).loss;
      model.parameters[index] = original;
      analytic.push(gradient[element]!);
      numeric.push((lossAbove - lossBelow) / (above - below));
    }
  }
  expect(analytic.some((value) => Math.abs(value) > 1e-3)).toBe(true);
  expectClose(analytic, numeric, { atol: 1e-3, rtol: 2e-2, label: `${task.kind}: dLoss/dθ` });
}

describe('whole-graph gradients equal finite differences on a tiny GPT-2', () => {
  const training = { optimizer: { learningRate: 1e-3 } };
  for (const kind of ['language-modeling', 'ppo-policy', 'weighted-sum', 'ppo-value', 'ranking'] as const) {
    it(`for ${kind}`, async () => {
      const head = kind === 'ppo-value' || kind === 'ranking' ? 'scalar' : 'causal-lm';
      const model = createOnnxTrainableModel({ config: tinyConfig(), head, training, seed: 3 });
      scrambleParameters(model, 17);
      let oldLogprobs = new Float32Array(2 * 6);
      if (head === 'causal-lm') {
        // Old log-probs near the current ones, so some ratios fall inside the clip range and some outside.
        const probe = tinyTasks(oldLogprobs)['ppo-policy'] as PolicyTask;
        const { logprobs } = await model.doLogprobs({ batch: probe.batch });
        const noise = randomValues(logprobs.length, 8, 0.4);
        oldLogprobs = logprobs.map((value, index) => value + noise[index]!);
      }
      await checkWholeGraph(model, tinyTasks(oldLogprobs)[kind]!);
      model.dispose();
    });
  }
});
