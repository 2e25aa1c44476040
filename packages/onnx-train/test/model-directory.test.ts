import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '@instructkit/test-utils';
import { loadCausalLM } from '@instructkit/tfjs';
import { loadOnnxTrainableModel, saveOnnxTrainableModel } from '../src/model-directory';
import { actionMask, paddedBatch } from './tiny-tasks';

describe('model directories', () => {
  it('trains a Hugging Face checkpoint, saves it, and the tfjs engine continues from the same log-probs', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'onnx-train-save-'));
    try {
      const model = await loadOnnxTrainableModel(fixturePath('tiny-gpt2'), { training: { optimizer: { learningRate: 1e-2 } } });
      const batch = paddedBatch(2, 6, 1, [0, 2], 'right', 128);
      await model.doTrainStep({ microbatches: [{ kind: 'language-modeling', batch, lossMask: actionMask(batch) }] });
      await saveOnnxTrainableModel(model, directory);
      const tfjs = await loadCausalLM(directory, { backend: 'cpu' });
      const ours = await model.doLogprobs({ batch });
      const theirs = await tfjs.doLogprobs({ batch });
      for (let index = 0; index < ours.logprobs.length; index++) expect(Math.abs(ours.logprobs[index]! - theirs.logprobs[index]!)).toBeLessThan(1e-4);
      model.dispose();
      tfjs.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('starts a reward model from a language-model checkpoint with a fresh score head', async () => {
    const model = await loadOnnxTrainableModel(fixturePath('tiny-gpt2'), { head: 'scalar', seed: 4, training: { optimizer: { learningRate: 1e-3 } } });
    const parameters = await model.doGetParameters();
    expect(parameters.get('score.weight')!.shape).toEqual([1, 32]);
    const { scores } = await model.doScore({ batch: paddedBatch(2, 5, 1, [0, 1], 'left', 128) });
    expect(scores.every(Number.isFinite)).toBe(true);
    model.dispose();
  });
});
