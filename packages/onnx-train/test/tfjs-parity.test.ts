import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, type NamedTensors, type TrainingTask } from '@instructkit/core';
import { expectClose } from '@instructkit/test-utils';
import { createCausalLM, createScalarModel } from '@instructkit/tfjs';
import { createOnnxTrainableModel } from '../src/onnx-trainable-model';
import { tinyConfig, tinyTasks } from './tiny-tasks';

/*
 * Cross-engine check: the same weights and batch through this engine and the tfjs engine
 * (an independent implementation of the same objectives, differentiated by tfjs autograd).
 * Gradients are read through one AdamW step with ε = lr = 1e4: the first step then moves
 * each parameter by −g·1e4/(|g| + 1e4) ≈ −g, linear in the gradient. Tolerance: 2e-5 absolute
 * + 1e-3 relative on that move, 1e-5 relative on losses and metrics.
 */
const gradientProbe = { optimizer: { learningRate: 1e4, epsilon: 1e4, beta1: 0.9, beta2: 0.999 } };

function scrambled(reference: NamedTensors, seed: number): NamedTensors {
  const rng = createRng(seed);
  const result: NamedTensors = new Map();
  for (const [name, tensor] of reference) {
    const isGain = name.includes('ln_') && name.endsWith('.weight');
    const data = Float32Array.from(tensor.data as Float32Array, () => (isGain ? 1 : 0) + (rng.next() * 2 - 1) * 0.4);
    result.set(name, { dtype: 'float32', shape: [...tensor.shape], data });
  }
  return result;
}

describe('the ONNX engine agrees with the tfjs engine on the same weights and batch', () => {
  const disposers: (() => void)[] = [];
  let policyOld: Float32Array;
  beforeAll(() => {
    policyOld = Float32Array.from({ length: 12 }, (_, index) => -2.5 + 0.2 * Math.sin(index));
  });
  afterAll(() => disposers.forEach((dispose) => dispose()));

  for (const kind of ['language-modeling', 'ppo-policy', 'weighted-sum', 'ppo-value', 'ranking'] as const) {
    it(`for ${kind}: loss, metrics and gradients`, async () => {
      const head = kind === 'ppo-value' || kind === 'ranking' ? 'scalar' : 'causal-lm';
      const config = tinyConfig();
      const onnx = createOnnxTrainableModel({ config, head, training: gradientProbe, seed: 1 });
      const tfjs = head === 'scalar' ? await createScalarModel({ config, seed: 1, backend: 'cpu' }) : await createCausalLM({ config, seed: 1, backend: 'cpu' });
      disposers.push(() => onnx.dispose(), () => tfjs.dispose());
      const weights = scrambled(await onnx.doGetParameters(), 31);
      await onnx.doSetParameters(weights);
      await tfjs.doSetParameters(weights);
      tfjs.configureTraining(gradientProbe);
      const task: TrainingTask = tinyTasks(policyOld)[kind]!;

      const [onnxEvaluation, tfjsEvaluation] = [await onnx.doEvaluate(task), await tfjs.doEvaluate(task)];
      expectClose(onnxEvaluation.loss, tfjsEvaluation.loss, { rtol: 1e-5, atol: 1e-6, label: 'evaluation loss' });
      for (const [name, value] of Object.entries(tfjsEvaluation.metrics)) {
        expectClose(onnxEvaluation.metrics[name] ?? NaN, value, { rtol: 1e-5, atol: 1e-6, label: `metric ${name}` });
      }

      const onnxStep = await onnx.doTrainStep({ microbatches: [task] });
      const tfjsStep = await tfjs.doTrainStep({ microbatches: [task] });
      expectClose(onnxStep.loss, tfjsStep.loss, { rtol: 1e-5, atol: 1e-6, label: 'step loss' });
      expectClose(onnxStep.gradNorm, tfjsStep.gradNorm, { rtol: 1e-4, label: 'gradient norm' });
      expect(onnxStep.gradNorm).toBeGreaterThan(1e-3);
      const [onnxAfter, tfjsAfter] = [await onnx.doGetParameters(), await tfjs.doGetParameters()];
      expect([...onnxAfter.keys()].sort()).toEqual([...tfjsAfter.keys()].sort());
      for (const [name, before] of weights) {
        const start = before.data as Float32Array;
        const onnxMove = (onnxAfter.get(name)!.data as Float32Array).map((value, index) => value - start[index]!);
        const tfjsMove = (tfjsAfter.get(name)!.data as Float32Array).map((value, index) => value - start[index]!);
        expectClose(onnxMove, tfjsMove, { atol: 2e-5, rtol: 1e-3, label: `${kind}: −gradient of ${name}` });
      }
    });
  }

  it('gives the same loss curve for a short SFT run (10 AdamW steps, decay and clipping; within 1e-4 relative)', async () => {
    const config = tinyConfig();
    const training = { optimizer: { learningRate: 3e-3, weightDecay: 0.1, beta2: 0.95 }, maxGradNorm: 1, schedule: { kind: 'cosine' as const, warmupSteps: 2, totalSteps: 10 } };
    const onnx = createOnnxTrainableModel({ config, training, seed: 2 });
    const tfjs = await createCausalLM({ config, seed: 2, backend: 'cpu' });
    disposers.push(() => onnx.dispose(), () => tfjs.dispose());
    await tfjs.doSetParameters(await onnx.doGetParameters());
    tfjs.configureTraining(training);
    const task = tinyTasks(policyOld)['language-modeling']!;
    const onnxCurve: number[] = [];
    const tfjsCurve: number[] = [];
    for (let step = 0; step < 10; step++) {
      onnxCurve.push((await onnx.doTrainStep({ microbatches: [task] })).loss);
      tfjsCurve.push((await tfjs.doTrainStep({ microbatches: [task] })).loss);
    }
    expect(onnxCurve[9]!).toBeLessThan(onnxCurve[0]! - 0.05);
    expectClose(onnxCurve, tfjsCurve, { rtol: 1e-4, atol: 1e-5, label: 'SFT loss curve' });
  });
});
