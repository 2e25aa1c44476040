import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '@instructkit/core';
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

  it('starts a reward model from a language-model checkpoint: trunk from the file, score head from the seed', async () => {
    const { tensors } = await readSafetensors(path.join(fixturePath('tiny-gpt2'), 'model.safetensors'));
    const training = { optimizer: { learningRate: 1e-3 } };
    const first = await loadOnnxTrainableModel(fixturePath('tiny-gpt2'), { head: 'scalar', seed: 4, training });
    const second = await loadOnnxTrainableModel(fixturePath('tiny-gpt2'), { head: 'scalar', seed: 5, training });
    const [firstParameters, secondParameters] = [await first.doGetParameters(), await second.doGetParameters()];
    expect(Array.from(firstParameters.get('h.1.mlp.c_fc.weight')!.data as Float32Array)).toEqual(Array.from(tensors.get('transformer.h.1.mlp.c_fc.weight')!.data as Float32Array));
    expect(firstParameters.get('score.weight')!.shape).toEqual([1, 32]);
    expect(Array.from(firstParameters.get('score.weight')!.data as Float32Array)).not.toEqual(Array.from(secondParameters.get('score.weight')!.data as Float32Array));
    first.dispose();
    second.dispose();
  });
});
