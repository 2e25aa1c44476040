import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '@instructkit/core';
import { createCausalLM, createScalarModel, saveModel } from '@instructkit/tfjs';
import { createOrtCausalLM, createOrtCausalLMFromWeights, createOrtScalarModel, exportCheckpointToOnnx } from '../src/index';
import { leftPaddedBatch, maxAbsDiff, tinyConfig } from './helpers';

const root = mkdtempSync(path.join(tmpdir(), 'instructkit-onnx-tfjs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sessionOptions = { intraOpThreads: 1 } as const;
const rows = [[4, 8, 15, 16, 23, 42], [7, 1], [30, 31, 32, 33]];

/**
 * Log-probs whose context and target are both real tokens. The entry predicting a left-padded
 * row's first real token has no real context: this package gives it 0 (as a right-padded row,
 * which has no such entry); the tfjs engine scores it against the padding.
 */
function realEntries(logprobs: Float32Array, batch: ReturnType<typeof leftPaddedBatch>): number[] {
  const kept: number[] = [];
  const steps = batch.length - 1;
  for (let row = 0; row < batch.batchSize; row++) {
    for (let step = 0; step < steps; step++) {
      const index = row * batch.length + step;
      if (batch.attentionMask[index] && batch.attentionMask[index + 1]) kept.push(logprobs[row * steps + step]!);
    }
  }
  return kept;
}

describe('cross-engine parity with @instructkit/tfjs', () => {
  it('gives the tfjs model\'s logits within 1e-4 after save → export-onnx → load, and the same greedy tokens', async () => {
    const tfjsModel = await createCausalLM({ config: tinyConfig, seed: 5, backend: 'cpu' });
    const checkpoint = path.join(root, 'policy');
    await saveModel(tfjsModel, checkpoint);
    await exportCheckpointToOnnx({ modelDirectory: checkpoint, outDirectory: path.join(root, 'policy-onnx') });
    const ortModel = await createOrtCausalLM({ directory: path.join(root, 'policy-onnx'), sessionOptions });
    const batch = leftPaddedBatch(rows, 63);
    const expected = realEntries((await tfjsModel.doLogprobs({ batch })).logprobs, batch);
    expect(expected).toHaveLength(9);
    expect(maxAbsDiff(realEntries((await ortModel.doLogprobs({ batch })).logprobs, batch), expected)).toBeLessThan(1e-4);
    const prompts = rows.map((row) => Int32Array.from(row));
    const sampling = { maxNewTokens: 10, temperature: 0, eosTokenIds: [] };
    const greedyTfjs = await generate({ model: tfjsModel, prompts, sampling });
    const greedyOrt = await generate({ model: ortModel, prompts, sampling });
    expect(greedyOrt.sequences.map((sequence) => Array.from(sequence.completionIds))).toEqual(
      greedyTfjs.sequences.map((sequence) => Array.from(sequence.completionIds)),
    );
    await ortModel.dispose();
  });

  it('follows the tfjs parameters through updateWeights', async () => {
    const start = await createCausalLM({ config: tinyConfig, seed: 6, backend: 'cpu' });
    const trained = await createCausalLM({ config: tinyConfig, seed: 7, backend: 'cpu' });
    const ortModel = await createOrtCausalLMFromWeights({ config: tinyConfig, weights: await start.doGetParameters(), sessionOptions });
    await ortModel.updateWeights(await trained.doGetParameters());
    const batch = leftPaddedBatch(rows, 63);
    const expected = realEntries((await trained.doLogprobs({ batch })).logprobs, batch);
    expect(maxAbsDiff(realEntries((await ortModel.doLogprobs({ batch })).logprobs, batch), expected)).toBeLessThan(1e-4);
    await ortModel.dispose();
  });

  it('matches a tfjs model trained for a few steps, through its exported checkpoint', async () => {
    const trained = await createCausalLM({ config: tinyConfig, seed: 9, backend: 'cpu' });
    trained.configureTraining({ optimizer: { learningRate: 1e-2 }, seed: 1 });
    // Memorise a fixed pattern: the loss must fall, so the weights move away from their init.
    const pattern = Int32Array.from({ length: 4 * 12 }, (_, index) => (index * 5 + Math.floor(index / 12)) % 60);
    const batch = { batchSize: 4, length: 12, ids: pattern, attentionMask: new Uint8Array(48).fill(1) };
    const task = { kind: 'language-modeling' as const, batch, lossMask: new Uint8Array(44).fill(1) };
    const before = (await trained.doEvaluate(task)).loss;
    for (let step = 0; step < 15; step++) await trained.doTrainStep({ microbatches: [task] });
    expect((await trained.doEvaluate(task)).loss).toBeLessThan(before - 0.5);
    const checkpoint = path.join(root, 'trained');
    await saveModel(trained, checkpoint);
    await exportCheckpointToOnnx({ modelDirectory: checkpoint, outDirectory: path.join(root, 'trained-onnx') });
    const exported = await createOrtCausalLM({ directory: path.join(root, 'trained-onnx'), sessionOptions });
    const expected = await trained.doLogprobs({ batch });
    expect(maxAbsDiff((await exported.doLogprobs({ batch })).logprobs, expected.logprobs)).toBeLessThan(1e-4);
    await exported.dispose();
  });

  it('scores like the tfjs scalar model', async () => {
    const tfjsModel = await createScalarModel({ config: tinyConfig, seed: 8, backend: 'cpu' });
    const checkpoint = path.join(root, 'reward');
    await saveModel(tfjsModel, checkpoint);
    await exportCheckpointToOnnx({ modelDirectory: checkpoint, outDirectory: path.join(root, 'reward-onnx') });
    const ortModel = await createOrtScalarModel({ directory: path.join(root, 'reward-onnx'), sessionOptions });
    const batch = leftPaddedBatch(rows, 63);
    for (const positions of ['last', 'all'] as const) {
      const expected = await tfjsModel.doScore({ batch, positions });
      expect(maxAbsDiff((await ortModel.doScore({ batch, positions })).scores, expected.scores)).toBeLessThan(1e-4);
    }
    await ortModel.dispose();
  });
});
