import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '@instructkit/core';
import { createOrtCausalLMFromWeights, type OrtCausalLM } from '../src/index';
import { randomGpt2Weights, rightPaddedBatch, tinyConfig } from './helpers';

describe('core generate() on OrtCausalLM', () => {
  let model: OrtCausalLM;
  beforeAll(async () => {
    model = await createOrtCausalLMFromWeights({ config: tinyConfig, weights: randomGpt2Weights(tinyConfig, 11), sessionOptions: { intraOpThreads: 1 } });
  });
  afterAll(async () => model.dispose());
  const prompts = [Int32Array.of(1, 2, 3, 4, 5), Int32Array.of(9), Int32Array.of(20, 21, 22)];

  it('reproduces sampled completions with the same seed and changes them with another', async () => {
    const sampling = { maxNewTokens: 16, temperature: 1, topP: 0.95, seed: 42, eosTokenIds: [] };
    const first = await generate({ model, prompts, sampling });
    const second = await generate({ model, prompts, sampling });
    const other = await generate({ model, prompts, sampling: { ...sampling, seed: 43 } });
    const tokens = (result: typeof first) => result.sequences.map((sequence) => Array.from(sequence.completionIds));
    expect(tokens(second)).toEqual(tokens(first));
    expect(tokens(other)).not.toEqual(tokens(first));
    expect(first.sequences.every((sequence) => sequence.completionIds.length === 16)).toBe(true);
  });

  it('returns log-probs of the sampled tokens equal to a full forward pass over the completion', async () => {
    const { sequences } = await generate({ model, prompts: [prompts[0]!], sampling: { maxNewTokens: 8, seed: 3, eosTokenIds: [] } });
    const sequence = sequences[0]!;
    const ids = [...sequence.promptIds, ...sequence.completionIds];
    const { logprobs } = await model.doLogprobs({ batch: rightPaddedBatch([ids], 0) });
    const completionLogprobs = logprobs.subarray(sequence.promptIds.length - 1);
    for (let index = 0; index < 8; index++) expect(sequence.logprobs[index]).toBeCloseTo(completionLogprobs[index]!, 4);
  });
});
