import { describe, expect, it } from 'vitest';
import { clippedPolicyLoss } from '../src/clipped-policy-loss';
import { clippedValueLoss } from '../src/clipped-value-loss';
import { expectClose } from './expect-close';

function finiteDifference(loss: (x: Float64Array) => number, at: number[], step = 1e-6): number[] {
  return at.map((_, index) => {
    const plus = Float64Array.from(at);
    const minus = Float64Array.from(at);
    plus[index]! += step;
    minus[index]! -= step;
    return (loss(plus) - loss(minus)) / (2 * step);
  });
}

describe('clippedPolicyLoss', () => {
  it('matches the clipped objective computed by hand', () => {
    // ρ = e^0.1 = 1.10517, A = 1 → max(−1.10517, −1.10517) = −1.10517 (inside the clip)
    // ρ = e^0.5 = 1.64872, A = 1 → max(−1.64872, −1.2) = −1.2 (clipped)
    // ρ = e^−0.5 = 0.60653, A = −2 → max(1.21306, 1.6) = 1.6 (clipped)
    const result = clippedPolicyLoss({
      logprobs: [0.1, 0.5, -0.5, 3],
      oldLogprobs: [0, 0, 0, 0],
      advantages: [1, 1, -2, 100],
      mask: [1, 1, 1, 0],
    });
    expectClose(result.loss, (-Math.exp(0.1) - 1.2 + 1.6) / 3, 1e-12);
    expectClose(result.clipFraction, 2 / 3, 1e-12);
    const approxKl = [0.1, 0.5, -0.5].reduce((sum, logRatio) => sum + Math.exp(logRatio) - 1 - logRatio, 0) / 3;
    expectClose(result.approxKl, approxKl, 1e-12);
  });

  it('has a gradient that matches finite differences, clipped entries included', () => {
    const oldLogprobs = [-1, -2, -0.5, -1.5, -3];
    const advantages = [0.7, -1.3, 2, -0.4, 1];
    const mask = [1, 1, 1, 1, 0];
    const at = [-0.9, -2.4, -0.05, -1.52, -2];
    const loss = (logprobs: ArrayLike<number>) => clippedPolicyLoss({ logprobs, oldLogprobs, advantages, mask }).loss;
    const analytic = clippedPolicyLoss({ logprobs: at, oldLogprobs, advantages, mask }).gradient;
    expectClose(analytic, finiteDifference(loss, at), 1e-6);
    // Entry 1 (ρ = e^−0.4 < 0.8, A < 0) and 2 (ρ = e^0.45 > 1.2, A > 0) are clipped: no gradient.
    expect(analytic[1]).toBe(0);
    expect(analytic[2]).toBe(0);
  });
});

describe('clippedValueLoss', () => {
  it('matches the clipped value loss computed by hand', () => {
    // Entry 0: V 1, old 0.9, R 2 → unclipped 1, clip(1, 0.7, 1.1) = 1 → 1.
    // Entry 1: V 2, old 1, R 0 → unclipped 4, clipped V = 1.2 → 1.44; max = 4.
    // Entry 2: V 0, old 1, R 1 → unclipped 1, clipped V = 0.8 → 0.04; max = 1.
    // Entry 3: V 1.5, old 1, R 2 → unclipped 0.25, clipped V = 1.2 → 0.64 → clipped wins.
    const result = clippedValueLoss({ values: [1, 2, 0, 1.5], oldValues: [0.9, 1, 1, 1], returns: [2, 0, 1, 2], mask: [1, 1, 1, 1] });
    expectClose(result.loss, (0.5 * (1 + 4 + 1 + 0.64)) / 4, 1e-12);
    expectClose(result.clipFraction, 1 / 4, 1e-12);
  });

  it('has a gradient that matches finite differences', () => {
    const oldValues = [0.9, 1, 1, 1, 0];
    const returns = [2, 0, 1, 2, 5];
    const mask = [1, 1, 1, 1, 0];
    const at = [1.01, 2, 0.3, 1.5, 1];
    const loss = (values: ArrayLike<number>) => clippedValueLoss({ values, oldValues, returns, mask }).loss;
    expectClose(clippedValueLoss({ values: at, oldValues, returns, mask }).gradient, finiteDifference(loss, at), 1e-6);
  });
});
