import { describe, expect, it } from 'vitest';
import type { TrainingTask } from '@instructkit/core';
import { bucketTask, createOnnxTrainableModel } from '../src/index';
import { actionMask, paddedBatch, randomValues, tinyConfig, tinyTasks } from './tiny-tasks';

const training = { optimizer: { learningRate: 1e-3 } };

describe('bucketTask', () => {
  const tasks = tinyTasks(randomValues(2 * 6, 9, 0.5, -2));
  for (const [name, task] of Object.entries(tasks)) {
    it(`pads a ${name} task to [rows, length] buckets without changing its loss or gradients`, async () => {
      const head = name === 'ranking' || name === 'ppo-value' ? 'scalar' : 'causal-lm';
      const model = createOnnxTrainableModel({ config: tinyConfig(), head, seed: 5, training });
      try {
        const padded = bucketTask(task, { lengthMultiple: 8, rowMultiple: 4, maxLength: 8 });
        const batchOf = (value: TrainingTask) => (value.kind === 'weighted-sum' ? (value.terms[0]!.task as Extract<TrainingTask, { batch: unknown }>).batch : (value as Extract<TrainingTask, { batch: unknown }>).batch);
        expect(batchOf(padded).length).toBe(8);
        expect(batchOf(padded).batchSize % 4).toBe(0);
        const reference = await model.computeGradients(task);
        const bucketed = await model.computeGradients(padded);
        expect(Math.abs(bucketed.loss - reference.loss)).toBeLessThan(1e-6 + 1e-6 * Math.abs(reference.loss));
        for (const [parameter, gradient] of reference.gradients) {
          const other = bucketed.gradients.get(parameter)!.data as Float32Array;
          (gradient.data as Float32Array).forEach((value, index) => expect(Math.abs(other[index]! - value), `${parameter}[${index}]`).toBeLessThan(1e-6 + 1e-4 * Math.abs(value)));
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('keeps a task that already fits its bucket as it is', () => {
    const batch = paddedBatch(4, 8, 1);
    const task: TrainingTask = { kind: 'language-modeling', batch, lossMask: actionMask(batch) };
    expect(bucketTask(task, { lengthMultiple: 8, rowMultiple: 4, maxLength: 8 })).toBe(task);
  });
});

describe('the row buckets of a model', () => {
  it('round small batches up to a power of two, so a batch of 4 is not padded to 8 rows', async () => {
    const model = createOnnxTrainableModel({ config: tinyConfig(), training });
    const task = (rows: number): TrainingTask => {
      const batch = paddedBatch(rows, 6, rows);
      return { kind: 'language-modeling', batch, lossMask: actionMask(batch) };
    };
    try {
      await model.doTrainStep({ microbatches: [task(3)] });
      await model.doTrainStep({ microbatches: [task(4)] }); // 3 and 4 rows: one bucket of 4
      expect(model.sessionCount).toBe(1);
      await model.doTrainStep({ microbatches: [task(5)] }); // 8 rows
      await model.doTrainStep({ microbatches: [task(8)] });
      expect(model.sessionCount).toBe(2);
    } finally {
      model.dispose();
    }
  });
});

describe('the session cache', () => {
  it('shares one session between batches of one bucket and releases the least recently used beyond its size', async () => {
    const model = createOnnxTrainableModel({ config: tinyConfig(), training, sessionCacheSize: 2 });
    const task = (rows: number, length: number): TrainingTask => {
      const batch = paddedBatch(rows, length, rows * 10 + length);
      return { kind: 'language-modeling', batch, lossMask: actionMask(batch) };
    };
    try {
      await model.doTrainStep({ microbatches: [task(2, 5)] });
      await model.doTrainStep({ microbatches: [task(2, 7)] }); // same bucket: 2 rows × 8 tokens
      expect(model.sessionCount).toBe(1);
      await model.doTrainStep({ microbatches: [task(9, 6)] }); // 16 rows
      await model.doTrainStep({ microbatches: [task(17, 6)] }); // 24 rows: the first bucket is released
      expect(model.sessionCount).toBe(2);
      const result = await model.doTrainStep({ microbatches: [task(2, 5)] }); // compiled again
      expect(Number.isFinite(result.loss)).toBe(true);
      expect(result.tokens).toBe(10);
      expect(model.sessionCount).toBe(2);
    } finally {
      model.dispose();
    }
  });
});
