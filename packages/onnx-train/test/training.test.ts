import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainingTask } from '@instructkit/core';
import { expectClose } from '@instructkit/test-utils';
import { createOnnxTrainableModel } from '../src/onnx-trainable-model';
import { resolveAdamW } from '@instructkit/core';
import { flatAdamWStep } from '../src/optimizer/flat-adamw';
import { actionMask, paddedBatch, tinyConfig } from './tiny-tasks';

const lmTask = (seed: number): TrainingTask => {
  const batch = paddedBatch(4, 8, seed, [0, 1, 3, 0]);
  return { kind: 'language-modeling', batch, lossMask: actionMask(batch) };
};

describe('OnnxTrainableModel training', () => {
  it('overfits a fixed batch: the loss falls from about ln(V) to well below it', async () => {
    const model = createOnnxTrainableModel({ config: tinyConfig(0.1), seed: 1, training: { optimizer: { learningRate: 1e-2 }, maxGradNorm: 1, seed: 5 } });
    const task = lmTask(11);
    const before = (await model.doEvaluate(task)).loss;
    expect(before).toBeGreaterThan(Math.log(11) - 0.2);
    let last = { loss: Infinity, step: 0 };
    for (let step = 0; step < 60; step++) last = await model.doTrainStep({ microbatches: [task] });
    const after = (await model.doEvaluate(task)).loss;
    expect(last.step).toBe(60);
    expect(model.step).toBe(60);
    expect(after).toBeLessThan(before * 0.5);
    model.dispose();
  });

  it('applies AdamW as torch.optim.AdamW does (scalar reference with decay on matrices only)', () => {
    const settings = resolveAdamW({ learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-6, weightDecay: 0.5 });
    const parameters = Float32Array.from([1, -2, 0.5]);
    const gradients = Float32Array.from([0.3, -0.1, 2]);
    const first = new Float32Array(3);
    const second = new Float32Array(3);
    const segments = [
      { offset: 0, size: 2, decay: true },
      { offset: 2, size: 1, decay: false },
    ];
    flatAdamWStep(parameters, gradients, first, second, segments, settings, 0.1, 1);
    flatAdamWStep(parameters, gradients, first, second, segments, settings, 0.05, 2);
    // Independent scalar re-derivation of two torch AdamW steps.
    const expected = [1, -2, 0.5].map((start, index) => {
      const g = [0.3, -0.1, 2][index]!;
      const decay = index < 2 ? 0.5 : 0;
      let p = start;
      let m = 0;
      let v = 0;
      for (const [t, lr] of [[1, 0.1], [2, 0.05]] as const) {
        p *= 1 - lr * decay;
        m = 0.8 * m + 0.2 * g;
        v = 0.9 * v + 0.1 * g * g;
        p -= (lr * (m / (1 - 0.8 ** t))) / (Math.sqrt(v / (1 - 0.9 ** t)) + 1e-6);
      }
      return p;
    });
    expectClose(parameters, expected, { atol: 1e-6, label: 'parameters after two steps' });
  });

  it('averages micro-batch gradients: two halves accumulate to the step of the whole when weighted equally', async () => {
    const config = tinyConfig();
    const training = { optimizer: { learningRate: 1e-2 } };
    // Two micro-batches with the same number of loss tokens: the mean of means equals the global mean.
    const first = paddedBatch(2, 6, 21);
    const second = paddedBatch(2, 6, 22);
    const whole = {
      batchSize: 4,
      length: 6,
      ids: Int32Array.from([...first.ids, ...second.ids]),
      attentionMask: Uint8Array.from([...first.attentionMask, ...second.attentionMask]),
    };
    const task = (batch: typeof first): TrainingTask => ({ kind: 'language-modeling', batch, lossMask: actionMask(batch) });
    const accumulated = createOnnxTrainableModel({ config, seed: 4, training });
    const single = createOnnxTrainableModel({ config, seed: 4, training });
    const resultAccumulated = await accumulated.doTrainStep({ microbatches: [task(first), task(second)] });
    const resultSingle = await single.doTrainStep({ microbatches: [task(whole)] });
    expectClose(resultAccumulated.loss, resultSingle.loss, { atol: 1e-6, label: 'loss' });
    expectClose(resultAccumulated.gradNorm, resultSingle.gradNorm, { rtol: 1e-4, label: 'gradient norm' });
    expectClose(accumulated.parameters, single.parameters, { atol: 1e-6, label: 'parameters' });
    accumulated.dispose();
    single.dispose();
  });

  it('clips the global gradient norm and follows the schedule', async () => {
    const model = createOnnxTrainableModel({
      config: tinyConfig(),
      seed: 2,
      training: { optimizer: { learningRate: 1e-2 }, maxGradNorm: 1e-3, schedule: { kind: 'linear', warmupSteps: 2, totalSteps: 4 } },
    });
    const before = Float32Array.from(model.parameters);
    const first = await model.doTrainStep({ microbatches: [lmTask(3)] });
    expect(first.learningRate).toBe(0);
    expect(Array.from(model.parameters)).toEqual(Array.from(before));
    const second = await model.doTrainStep({ microbatches: [lmTask(3)] });
    expect(second.learningRate).toBeCloseTo(5e-3, 12);
    expect(second.gradNorm).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('resumes bit for bit from saved parameters and training state (dropout RNG included)', async () => {
    const settings = { config: tinyConfig(0.2), seed: 9, training: { optimizer: { learningRate: 5e-3, weightDecay: 0.1 }, maxGradNorm: 1, seed: 13 } };
    const directory = await mkdtemp(path.join(os.tmpdir(), 'onnx-train-resume-'));
    try {
      const reference = createOnnxTrainableModel(settings);
      for (let step = 0; step < 3; step++) await reference.doTrainStep({ microbatches: [lmTask(step)] });
      await reference.doSaveTrainingState(directory);
      const weights = await reference.doGetParameters();
      const continued = [];
      for (let step = 3; step < 5; step++) continued.push(await reference.doTrainStep({ microbatches: [lmTask(step)] }));
      const resumed = createOnnxTrainableModel({ ...settings, weights });
      await resumed.doLoadTrainingState(directory);
      expect(resumed.step).toBe(3);
      for (let step = 3; step < 5; step++) {
        const result = await resumed.doTrainStep({ microbatches: [lmTask(step)] });
        expect(result.loss).toBe(continued[step - 3]!.loss);
      }
      expect(Buffer.from(resumed.parameters.buffer).equals(Buffer.from(reference.parameters.buffer))).toBe(true);
      reference.dispose();
      resumed.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('caches one session per objective, mode and batch shape', async () => {
    const model = createOnnxTrainableModel({ config: tinyConfig(), training: { optimizer: { learningRate: 1e-3 } } });
    await model.doTrainStep({ microbatches: [lmTask(1)] });
    await model.doTrainStep({ microbatches: [lmTask(2)] });
    expect(model.sessionCount).toBe(1);
    await model.doEvaluate(lmTask(1));
    // Batches are padded to shape buckets (rows to a power of two up to 8, then a multiple of 8; length to 16 or the context): 3×7 shares 4×8's session.
    const longer = paddedBatch(3, 7, 5);
    await model.doTrainStep({ microbatches: [{ kind: 'language-modeling', batch: longer, lossMask: actionMask(longer) }] });
    expect(model.sessionCount).toBe(2);
    const taller = paddedBatch(9, 6, 5);
    await model.doTrainStep({ microbatches: [{ kind: 'language-modeling', batch: taller, lossMask: actionMask(taller) }] });
    expect(model.sessionCount).toBe(3);
    model.dispose();
  });

  it('round-trips parameters in Hugging Face naming and rejects mismatched ones with typed errors', async () => {
    const model = createOnnxTrainableModel({ config: tinyConfig(), seed: 1, training: { optimizer: { learningRate: 1e-3 } } });
    const parameters = await model.doGetParameters();
    expect([...parameters.keys()].slice(0, 4)).toEqual(['wte.weight', 'wpe.weight', 'h.0.ln_1.weight', 'h.0.ln_1.bias']);
    expect(parameters.get('h.1.attn.c_attn.weight')!.shape).toEqual([8, 24]);
    const other = createOnnxTrainableModel({ config: tinyConfig(), seed: 2, training: { optimizer: { learningRate: 1e-3 } } });
    await other.doSetParameters(parameters);
    expect(Array.from(other.parameters)).toEqual(Array.from(model.parameters));
    parameters.set('wte.weight', { dtype: 'float32', shape: [3, 3], data: new Float32Array(9) });
    await expect(other.doSetParameters(parameters)).rejects.toThrow(/wte\.weight: has shape \[3, 3\]/);
    await expect(model.doTrainStep({ microbatches: [{ kind: 'custom', name: 'x', payload: null }] })).rejects.toThrow(/custom task "x"/);
    await expect(model.doTrainStep({ microbatches: [{ kind: 'ranking', batch: paddedBatch(2, 4, 1), groups: [{ rows: [0, 1], ranks: [0, 1] }] }] })).rejects.toThrow(
      /needs a scalar model/,
    );
    model.dispose();
    other.dispose();
  });
});
