import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOnnxTrainableModel } from '../src/onnx-trainable-model';
import { createOnnxTrainableModelInWorker } from '../src/worker/create-onnx-trainable-model-in-worker';
import { actionMask, paddedBatch, tinyConfig } from './tiny-tasks';

// Worker threads run JavaScript, so this suite uses the built entry (`npm test` builds first).
const workerUrl = new URL('../dist/train-worker.js', import.meta.url);

describe.runIf(existsSync(workerUrl))('createOnnxTrainableModelInWorker', () => {
  it('trains in a worker exactly as in the main thread, while the event loop keeps ticking', async () => {
    const settings = { config: tinyConfig(0.1), seed: 3, training: { optimizer: { learningRate: 1e-2 }, seed: 4 } };
    const batch = paddedBatch(2, 6, 1, [0, 2]);
    const task = { kind: 'language-modeling' as const, batch, lossMask: actionMask(batch) };
    const inWorker = createOnnxTrainableModelInWorker({ ...settings, workerUrl });
    const inThread = createOnnxTrainableModel(settings);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      for (let step = 0; step < 3; step++) {
        const [remote, local] = [await inWorker.doTrainStep({ microbatches: [task] }), await inThread.doTrainStep({ microbatches: [task] })];
        expect(remote.loss).toBe(local.loss);
      }
      expect(inWorker.step).toBe(3);
      expect(inWorker.engine).toBe('onnxruntime-cpu (worker)');
      const remoteParameters = await inWorker.doGetParameters();
      expect(Array.from(remoteParameters.get('wte.weight')!.data as Float32Array)).toEqual(Array.from(inThread.parameters.subarray(0, 11 * 8)));
      await expect(inWorker.doEvaluate({ kind: 'custom', name: 'x', payload: null })).rejects.toMatchObject({ code: 'unsupported' });
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
      inWorker.dispose();
      inThread.dispose();
    }
  });
});
