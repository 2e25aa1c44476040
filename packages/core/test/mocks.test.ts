import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TokenBatch } from '../src/index';
import { MockCausalLM, MockRewardModel, MockScalarModel, MockTrainableModel } from '../src/test';

// Two rows holding [1, 2] and [3]: the first right-padded, the second left-padded.
const batch: TokenBatch = { batchSize: 2, length: 3, ids: Int32Array.from([1, 2, 0, 0, 0, 3]), attentionMask: Uint8Array.from([1, 1, 0, 0, 0, 1]) };

describe('MockCausalLM', () => {
  const model = new MockCausalLM({ distribution: (context) => (context.at(-1) === 1 ? [0.1, 0.1, 0.5, 0.3] : [0.25, 0.25, 0.25, 0.25]), config: { vocabSize: 4 } });

  it('scores real tokens from the table and leaves padded targets at 0', async () => {
    const { logprobs, entropy } = await model.doLogprobs({ batch, includeEntropy: true });
    expect(logprobs[0]).toBeCloseTo(Math.log(0.5), 6); // p(2 | 1)
    expect(Array.from(logprobs.slice(1))).toEqual([0, 0, 0]);
    expect(entropy![0]).toBeCloseTo(-(2 * 0.1 * Math.log(0.1) + 0.5 * Math.log(0.5) + 0.3 * Math.log(0.3)), 5);
  });

  it('returns logits per position and decodes with sessions it counts', async () => {
    const { logits } = await model.doLogits({ batch });
    expect(logits[2]).toBeCloseTo(Math.log(0.5), 6); // row 0, position 0, token 2
    const { logits: first, session } = await model.doStartDecoding({ batch: { batchSize: 1, length: 1, ids: Int32Array.from([1]), attentionMask: Uint8Array.from([1]) }, maxNewTokens: 2 });
    expect(first[2]).toBeCloseTo(Math.log(0.5), 6);
    expect(model.openSessions).toBe(1);
    const next = await session.step(Int32Array.from([3]));
    expect(next[0]).toBeCloseTo(Math.log(0.25), 6);
    session.dispose();
    session.dispose();
    expect(model.openSessions).toBe(0);
    expect(model.calls.map((call) => call.method)).toEqual(['doLogprobs', 'doLogits', 'doStartDecoding', 'step']);
  });

  it('puts EOS on the last id of an overridden vocabulary unless told otherwise', () => {
    const distribution = () => [1];
    expect(new MockCausalLM({ distribution, config: { vocabSize: 3 } }).config.eosTokenId).toBe(2);
    expect(new MockCausalLM({ distribution, config: { vocabSize: 3, eosTokenId: undefined } }).config.eosTokenId).toBeUndefined();
    expect(new MockCausalLM({ distribution }).config.eosTokenId).toBe(7);
  });
});

describe('MockScalarModel', () => {
  it('reads the value at the last real token, or at every token with 0 at padding', async () => {
    const model = new MockScalarModel({ value: (context) => context.reduce((sum, token) => sum + token, 0) });
    expect(Array.from((await model.doScore({ batch })).scores)).toEqual([3, 3]);
    expect(Array.from((await model.doScore({ batch, positions: 'all' })).scores)).toEqual([1, 3, 0, 0, 0, 3]);
    expect(model.calls.length).toBe(2);
  });
});

describe('MockRewardModel', () => {
  it('scores each pair with its function and records the request', async () => {
    const model = new MockRewardModel((prompt, completion) => prompt.length + completion.length);
    expect(await model.doScore({ prompts: ['ab', 'c'], completions: ['x', 'yz'] })).toEqual([3, 3]);
    expect(model.calls).toEqual([{ method: 'doScoreTexts', prompts: ['ab', 'c'], completions: ['x', 'yz'] }]);
    await expect(model.doScore({ prompts: ['a'], completions: [] })).rejects.toThrow(/completions: has 0 entries for 1 prompts/);
  });
});

describe('MockTrainableModel', () => {
  it('records tasks, returns scripted losses and round-trips its state', async () => {
    const model = new MockTrainableModel({ losses: [3, 2], metrics: { accuracy: 0.5 } });
    const task = { kind: 'language-modeling' as const, batch, lossMask: Uint8Array.from([1, 0, 0, 0]) };
    const first = await model.doTrainStep({ microbatches: [task] });
    const second = await model.doTrainStep({ microbatches: [task] });
    const third = await model.doTrainStep({ microbatches: [task] });
    expect([first.loss, second.loss, third.loss]).toEqual([3, 2, 2]);
    expect(first).toMatchObject({ step: 1, tokens: 3, metrics: { accuracy: 0.5 } });
    expect(model.trainRequests.length).toBe(3);
    expect(Array.from((await model.doGetParameters()).get('w')!.data as Float32Array)).toEqual([6, 6]); // 1 + 2 + 3
    const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-mock-'));
    try {
      await model.doSaveTrainingState(directory);
      const restored = new MockTrainableModel();
      await restored.doLoadTrainingState(directory);
      expect(restored.step).toBe(3);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    await expect(model.doSetParameters(new Map())).rejects.toThrow(/parameters\['w'\]: is missing/);
  });
});
