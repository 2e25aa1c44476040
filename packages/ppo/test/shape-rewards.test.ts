import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import { shapeRewards } from '../src/shape-rewards';
import { expectClose } from './expect-close';

describe('shapeRewards', () => {
  it('puts −β·(logπ − logπ_ref) on every response token and the score on the last one', () => {
    // β = 0.1; kl = [−, 0.5, −1, 0.25]; rewards = [0, −0.05, 0.1, −0.025 + 2]
    const shaped = shapeRewards({
      batchSize: 1,
      scores: [2],
      logprobs: [-9, -1, -2, -0.5],
      refLogprobs: [-3, -1.5, -1, -0.75],
      mask: [0, 1, 1, 1],
      klCoefficient: 0.1,
    });
    expectClose(shaped.kl, [0, 0.5, -1, 0.25]);
    expectClose(shaped.nonScoreRewards, [0, -0.05, 0.1, -0.025]);
    expectClose(shaped.rewards, [0, -0.05, 0.1, 1.975]);
    expect(Array.from(shaped.lastActionIndex)).toEqual([3]);
  });

  it('lands the score on the last real token of a right-padded response', () => {
    const shaped = shapeRewards({
      batchSize: 2,
      scores: [1, -1],
      logprobs: new Float32Array(6),
      refLogprobs: new Float32Array(6),
      mask: [1, 1, 1, 1, 0, 0],
      klCoefficient: 0.02,
    });
    expectClose(shaped.rewards, [0, 0, 1, -1, 0, 0]);
    expect(Array.from(shaped.lastActionIndex)).toEqual([2, 0]);
  });

  it('rejects a row without response tokens with a typed error naming it', () => {
    expect(() =>
      shapeRewards({ batchSize: 2, scores: [1, 1], logprobs: [0, 0], refLogprobs: [0, 0], mask: [1, 0], klCoefficient: 0 }),
    ).toThrow(/mask\[1\]/);
    expect(() =>
      shapeRewards({ batchSize: 1, scores: [1], logprobs: [0], refLogprobs: [0], mask: [1], klCoefficient: -1 }),
    ).toThrow(InvalidArgumentError);
  });
});
