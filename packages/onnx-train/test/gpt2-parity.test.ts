import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig, readSafetensors, type TokenBatch } from '@instructkit/core';
import { expectClose, fixturePath } from '@instructkit/test-utils';
import { createOnnxTrainableModel } from '../src/onnx-trainable-model';

async function loadFixture(name: string) {
  const directory = fixturePath(name);
  const config = parseModelConfig(JSON.parse(await readFile(path.join(directory, 'config.json'), 'utf8')));
  const { tensors } = await readSafetensors(path.join(directory, 'model.safetensors'));
  const expected = JSON.parse(await readFile(path.join(directory, 'expected.json'), 'utf8'));
  return { config, weights: tensors, expected };
}

const training = { optimizer: { learningRate: 1e-3 } };

describe('GPT-2 forward in the training graph', () => {
  it('gives the log-probs of the independent PyTorch float64 forward within 1e-4 (tiny-gpt2)', async () => {
    const { config, weights, expected } = await loadFixture('tiny-gpt2');
    const model = createOnnxTrainableModel({ config, weights, training });
    for (const testCase of expected.cases as { ids: number[]; logprobs: number[] }[]) {
      const length = testCase.ids.length;
      const batch: TokenBatch = { batchSize: 1, length, ids: Int32Array.from(testCase.ids), attentionMask: new Uint8Array(length).fill(1) };
      const { logprobs } = await model.doLogprobs({ batch });
      expectClose(logprobs, testCase.logprobs, { atol: 1e-4, rtol: 0, label: `logprobs of ${length} tokens` });
    }
    model.dispose();
  });

  it('reads float16 weights without the transformer. prefix (tiny-gpt2-noprefix) within 1e-4', async () => {
    const { config, weights, expected } = await loadFixture('tiny-gpt2-noprefix');
    const model = createOnnxTrainableModel({ config, weights, training });
    const testCase = expected.cases[1] as { ids: number[]; logprobs: number[] };
    const batch: TokenBatch = { batchSize: 1, length: testCase.ids.length, ids: Int32Array.from(testCase.ids), attentionMask: new Uint8Array(testCase.ids.length).fill(1) };
    expectClose((await model.doLogprobs({ batch })).logprobs, testCase.logprobs, { atol: 1e-4, rtol: 0, label: 'logprobs' });
    model.dispose();
  });

  it('scores left- and right-padded batches like PyTorch (tiny-gpt2-scalar)', async () => {
    const { config, weights, expected } = await loadFixture('tiny-gpt2-scalar');
    const model = createOnnxTrainableModel({ config, weights, training, head: 'scalar' });
    expect(expected.batches.length).toBeGreaterThan(0);
    for (const fixtureBatch of expected.batches as { batchSize: number; length: number; ids: number[]; attentionMask: number[]; lastScores: number[]; values: number[] }[]) {
      const batch: TokenBatch = {
        batchSize: fixtureBatch.batchSize,
        length: fixtureBatch.length,
        ids: Int32Array.from(fixtureBatch.ids),
        attentionMask: Uint8Array.from(fixtureBatch.attentionMask),
      };
      expectClose((await model.doScore({ batch })).scores, fixtureBatch.lastScores, { atol: 1e-4, rtol: 0, label: 'last scores' });
      expectClose((await model.doScore({ batch, positions: 'all' })).scores, fixtureBatch.values, { atol: 1e-4, rtol: 0, label: 'values' });
    }
    model.dispose();
  });
});
