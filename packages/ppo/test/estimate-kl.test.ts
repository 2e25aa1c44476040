import { describe, expect, it } from 'vitest';
import { estimateKl } from '../src/estimate-kl';
import { expectClose } from './expect-close';

describe('estimateKl', () => {
  it('computes the naive and k3 estimators by hand', () => {
    // Row 0: log r = ref − logπ = −0.5 → k3 = e^−0.5 − 1 + 0.5 = 0.1065306597
    // Row 1: log r = 1 → k3 = e − 1 − 1 = 0.7182818285; plus a masked-out entry.
    const estimate = estimateKl({ batchSize: 2, logprobs: [-1, 5, -2, 0], refLogprobs: [-1.5, 0, -1, 0], mask: [1, 0, 1, 0] });
    expectClose(estimate.naive, (0.5 + -1) / 2);
    expectClose(estimate.unbiased, (0.1065306597 + 0.7182818285) / 2, 1e-9);
    expect(estimate.naiveNegative).toBe(true);
  });

  it('is unbiased for the true KL of two categorical distributions when sampling from π', () => {
    const policy = [0.7, 0.2, 0.1];
    const reference = [0.4, 0.4, 0.2];
    const trueKl = policy.reduce((sum, p, index) => sum + p * Math.log(p / reference[index]!), 0);
    // Exact expectation over the three outcomes, weighted by π: both estimators must equal the KL.
    const expectation = (name: 'naive' | 'unbiased') =>
      policy.reduce((sum, p, index) => {
        const estimate = estimateKl({ batchSize: 1, logprobs: [Math.log(p)], refLogprobs: [Math.log(reference[index]!)], mask: [1] });
        return sum + p * estimate[name];
      }, 0);
    expectClose(expectation('naive'), trueKl, 1e-12);
    expectClose(expectation('unbiased'), trueKl, 1e-12);
  });

  it('never gives a negative k3 estimate', () => {
    for (const logRatio of [-5, -0.1, 0, 0.1, 3]) {
      const estimate = estimateKl({ batchSize: 1, logprobs: [0], refLogprobs: [logRatio], mask: [1] });
      expect(estimate.unbiased).toBeGreaterThanOrEqual(0);
    }
  });
});
