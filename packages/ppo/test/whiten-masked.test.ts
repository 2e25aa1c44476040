import { describe, expect, it } from 'vitest';
import { whitenMasked } from '../src/whiten-masked';
import { maskedMoments } from '../src/masked-moments';
import { explainedVariance } from '../src/explained-variance';
import { expectClose } from './expect-close';

describe('whitenMasked', () => {
  it('whitens only the masked entries with their own mean and unbiased variance', () => {
    // Masked values 1, 2, 3: mean 2, unbiased variance 1 → −1, 0, 1. Padding stays 0.
    const whitened = whitenMasked([100, 1, 2, 3, -100], [0, 1, 1, 1, 0], { epsilon: 0 });
    expectClose(whitened, [0, -1, 0, 1, 0]);
  });

  it('only rescales when shiftMean is false', () => {
    // Values 2, 4: mean 3, unbiased variance 2 → 2/√2, 4/√2.
    expectClose(whitenMasked([2, 4], [1, 1], { shiftMean: false, epsilon: 0 }), [Math.SQRT2, 2 * Math.SQRT2], 1e-6);
  });
});

describe('maskedMoments', () => {
  it('returns the population variance when asked', () => {
    const moments = maskedMoments([1, 3, 7], [1, 1, 0], { unbiased: false });
    expect(moments).toEqual({ mean: 2, variance: 1, count: 2 });
  });
});

describe('explainedVariance', () => {
  it('is 1 for perfect predictions, 0 for predicting the mean, and computed by hand otherwise', () => {
    expectClose(explainedVariance([1, 2, 3], [1, 2, 3], [1, 1, 1]), 1);
    expectClose(explainedVariance([2, 2, 2], [1, 2, 3], [1, 1, 1]), 0);
    // residuals 1, 0, −1 → var 1; returns var 1 → 0. With values [0,2,3]: residuals 1,0,0 → var 1/3 → 2/3.
    expectClose(explainedVariance([0, 2, 3, 50], [1, 2, 3, 0], [1, 1, 1, 0]), 2 / 3);
  });
});
