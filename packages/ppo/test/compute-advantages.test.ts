import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import { computeAdvantages } from '../src/compute-advantages';
import { expectClose } from './expect-close';

describe('computeAdvantages', () => {
  it('gives zero advantage to a terminal step with zero reward and a zero value', () => {
    const { advantages, returns } = computeAdvantages({ batchSize: 1, rewards: [0], values: [0], mask: [1] });
    expectClose(advantages, [0]);
    expectClose(returns, [0]);
  });

  it('matches GAE computed by hand on a three-token response (γ = 1, λ = 0.5)', () => {
    // δ2 = 1 − 0.5 = 0.5; δ1 = 0 + 0.5 − 0.2 = 0.3; δ0 = 0 + 0.2 − 0.1 = 0.1
    // A2 = 0.5; A1 = 0.3 + 0.5·0.5 = 0.55; A0 = 0.1 + 0.5·0.55 = 0.375
    const { advantages, returns } = computeAdvantages({
      batchSize: 1,
      rewards: [0, 0, 1],
      values: [0.1, 0.2, 0.5],
      mask: [1, 1, 1],
      gamma: 1,
      lambda: 0.5,
    });
    expectClose(advantages, [0.375, 0.55, 0.5]);
    expectClose(returns, [0.475, 0.75, 1.0]);
  });

  it('discounts with γ < 1', () => {
    // γ = 0.5, λ = 1: δ1 = 2 − 1 = 1; δ0 = 0 + 0.5·1 − 0 = 0.5; A0 = 0.5 + 0.5·1 = 1 = γ·r
    const { advantages } = computeAdvantages({ batchSize: 1, rewards: [0, 2], values: [0, 1], mask: [1, 1], gamma: 0.5, lambda: 1 });
    expectClose(advantages, [1, 1]);
  });

  it('ignores prompt and padding positions so padding does not change the result', () => {
    const unpadded = computeAdvantages({ batchSize: 1, rewards: [0, 1], values: [0.3, 0.4], mask: [1, 1], lambda: 0.9 });
    // Row 0: prompt actions, the response, right padding with junk values.
    const padded = computeAdvantages({
      batchSize: 2,
      rewards: [9, 0, 1, 9, 0, 0, 1, 9],
      values: [9, 0.3, 0.4, 9, 9, 9, 0.7, 9],
      mask: [0, 1, 1, 0, 0, 0, 1, 0],
      lambda: 0.9,
    });
    expectClose(padded.advantages.subarray(1, 3), unpadded.advantages);
    expectClose([padded.advantages[0]!, padded.advantages[3]!, padded.returns[0]!, padded.returns[3]!], [0, 0, 0, 0]);
    // Row 1 has one response token: A = r − V = 0.3
    expectClose(padded.advantages[6]!, 0.3);
  });

  it('rejects λ outside [0, 1] with a typed error', () => {
    expect(() => computeAdvantages({ batchSize: 1, rewards: [0], values: [0], mask: [1], lambda: 1.5 })).toThrow(InvalidArgumentError);
  });
});
