import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CausalLMV1 } from '@instructkit/core';
import { createOrtCausalLM, createOrtCausalLMFromWeights, exportToOnnx, type OrtCausalLM } from '../src/index';
import { leftPaddedBatch, maxAbsDiff, randomGpt2Weights, referenceGpt2, rightPaddedBatch, tinyConfig } from './helpers';

const sessionOptions = { intraOpThreads: 1 } as const;

function argmax(values: Float32Array, offset: number, size: number): number {
  let best = 0;
  for (let index = 1; index < size; index++) if (values[offset + index]! > values[offset + best]!) best = index;
  return best;
}

/** Greedy decoding through the KV-cache session. */
async function greedyWithCache(model: CausalLMV1, prompts: number[][], steps: number): Promise<number[][]> {
  const batch = leftPaddedBatch(prompts, 0);
  const vocab = model.config.vocabSize;
  const { logits, session } = await model.doStartDecoding({ batch, maxNewTokens: steps });
  const outputs: number[][] = prompts.map(() => []);
  let current = logits;
  for (let step = 0; step < steps; step++) {
    const tokens = new Int32Array(prompts.length);
    for (let row = 0; row < prompts.length; row++) {
      tokens[row] = argmax(current, row * vocab, vocab);
      outputs[row]!.push(tokens[row]!);
    }
    if (step < steps - 1) current = await session.step(tokens);
  }
  session.dispose();
  return outputs;
}

/** Greedy decoding that recomputes every row from scratch (no cache), one row at a time. */
async function greedyWithoutCache(model: CausalLMV1, prompts: number[][], steps: number): Promise<number[][]> {
  const vocab = model.config.vocabSize;
  const outputs: number[][] = [];
  for (const prompt of prompts) {
    const sequence = [...prompt];
    for (let step = 0; step < steps; step++) {
      const { logits } = await model.doLogits({ batch: rightPaddedBatch([sequence], 0) });
      sequence.push(argmax(logits, (sequence.length - 1) * vocab, vocab));
    }
    outputs.push(sequence.slice(prompt.length));
  }
  return outputs;
}

describe.each(['standard', 'onnxruntime'] as const)('OrtCausalLM (GPT-2 exported with %s ops)', (operators) => {
  const weights = randomGpt2Weights(tinyConfig, 1);
  let model: OrtCausalLM;
  beforeAll(async () => {
    model = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, operators, sessionOptions });
  });
  afterAll(async () => model.dispose());

  it('gives the logits of an independent plain-loop GPT-2 forward within 1e-4', async () => {
    const ids = [5, 17, 33, 2, 60, 41, 8];
    const { logits } = await model.doLogits({ batch: rightPaddedBatch([ids], 0) });
    expect(maxAbsDiff(logits, referenceGpt2(tinyConfig, weights, ids).logits)).toBeLessThan(1e-4);
  });

  it('scores the real tokens of left- and right-padded rows alike', async () => {
    const rows = [[3, 9, 27, 4, 50, 12], [7, 1, 44]];
    const left = await model.doLogprobs({ batch: leftPaddedBatch(rows, 0), includeEntropy: true });
    const right = await model.doLogprobs({ batch: rightPaddedBatch(rows, 0), includeEntropy: true });
    const single = await model.doLogprobs({ batch: rightPaddedBatch([rows[1]!], 0) });
    // Row 1 is padded at positions 0..2 on the left, 3..5 on the right; its two real log-probs
    // sit at steps 3,4 (left) and 0,1 (right).
    expect(maxAbsDiff(left.logprobs.subarray(5 + 3, 5 + 5), single.logprobs)).toBeLessThan(1e-5);
    expect(maxAbsDiff(right.logprobs.subarray(5, 5 + 2), single.logprobs)).toBeLessThan(1e-5);
    expect(maxAbsDiff(left.logprobs.subarray(0, 5), right.logprobs.subarray(0, 5))).toBeLessThan(1e-5);
    expect(Array.from(left.logprobs.subarray(5, 8))).toEqual([0, 0, 0]);
    for (const value of left.entropy!) expect(value).toBeGreaterThanOrEqual(0);
  });

  it('computes log-probs and entropies equal to those of the reference logits', async () => {
    const ids = [1, 2, 3, 4, 5, 6];
    const { logprobs, entropy } = await model.doLogprobs({ batch: rightPaddedBatch([ids], 0), includeEntropy: true });
    const reference = referenceGpt2(tinyConfig, weights, ids).logits;
    const vocab = tinyConfig.vocabSize;
    const expectedLogprobs: number[] = [];
    const expectedEntropy: number[] = [];
    ids.slice(1).forEach((target, step) => {
      const row = Array.from(reference.subarray(step * vocab, (step + 1) * vocab));
      const max = Math.max(...row);
      const logSum = Math.log(row.reduce((sum, value) => sum + Math.exp(value - max), 0)) + max;
      expectedLogprobs.push(row[target]! - logSum);
      expectedEntropy.push(-row.reduce((sum, value) => sum + Math.exp(value - logSum) * (value - logSum), 0));
    });
    expect(maxAbsDiff(logprobs, expectedLogprobs)).toBeLessThan(1e-4);
    expect(maxAbsDiff(entropy!, expectedEntropy)).toBeLessThan(1e-4);
  });

  it('decodes greedily the same tokens with the KV cache as by recomputing the full sequence', async () => {
    const prompts = [[4, 8, 15, 16, 23, 42], [7], [30, 31, 32]];
    const cached = await greedyWithCache(model, prompts, 12);
    const recomputed = await greedyWithoutCache(model, prompts, 12);
    expect(cached).toEqual(recomputed);
  });

  it('gives the same prompt and step logits with the cache as a full forward pass', async () => {
    const prompts = [[4, 8, 15], [9, 10, 11, 12, 13]];
    const vocab = tinyConfig.vocabSize;
    const { logits: promptLogits, session } = await model.doStartDecoding({ batch: leftPaddedBatch(prompts, 0), maxNewTokens: 2 });
    for (const [row, prompt] of prompts.entries()) {
      const full = await model.doLogits({ batch: rightPaddedBatch([prompt], 0) });
      const last = full.logits.subarray((prompt.length - 1) * vocab, prompt.length * vocab);
      expect(maxAbsDiff(promptLogits.subarray(row * vocab, (row + 1) * vocab), last)).toBeLessThan(1e-4);
    }
    const stepLogits = await session.step(Int32Array.of(20, 21));
    session.dispose();
    for (const [row, prompt] of prompts.entries()) {
      const full = await model.doLogits({ batch: rightPaddedBatch([[...prompt, 20 + row]], 0) });
      const last = full.logits.subarray(prompt.length * vocab, (prompt.length + 1) * vocab);
      expect(maxAbsDiff(stepLogits.subarray(row * vocab, (row + 1) * vocab), last)).toBeLessThan(1e-4);
    }
  });

  it('refuses to step past the maxNewTokens the session was started with', async () => {
    const { session } = await model.doStartDecoding({ batch: leftPaddedBatch([[1, 2]], 0), maxNewTokens: 1 });
    await session.step(Int32Array.of(3));
    await expect(session.step(Int32Array.of(4))).rejects.toThrow(/started for 3 positions/);
    session.dispose();
  });

  it('rejects token ids outside the vocabulary with the offending position', async () => {
    await expect(model.doLogits({ batch: rightPaddedBatch([[1, 2, 99]], 0) })).rejects.toThrow(/batch\.ids\[0\]\[2\]: token id 99/);
  });
});

describe('createOrtCausalLM', () => {
  it('loads exported bytes and infers the layout from the graph', async () => {
    const weights = randomGpt2Weights(tinyConfig, 2);
    const { model: bytes } = exportToOnnx({ config: tinyConfig, weights, head: 'lm' });
    const model = await createOrtCausalLM({ model: bytes, config: tinyConfig, sessionOptions });
    expect(model.layout).toMatchObject({ numLayers: 2, numKeyValueHeads: 4, headDim: 8, indexType: 'int64', vocabSize: 64, hasPositionIds: true });
    const ids = [9, 8, 7, 6];
    const { logits } = await model.doLogits({ batch: rightPaddedBatch([ids], 0) });
    expect(maxAbsDiff(logits, referenceGpt2(tinyConfig, weights, ids).logits)).toBeLessThan(1e-4);
    await model.dispose();
  });
});
