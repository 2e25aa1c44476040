import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval, wilsonInterval } from '../src/confidence-interval';

describe('wilsonInterval', () => {
  it('matches statsmodels proportion_confint(method="wilson") for 8 of 10', () => {
    // Reference values from statsmodels 0.14: (0.4901624, 0.9433178).
    const result = wilsonInterval(8, 10);
    expect(result.rate).toBe(0.8);
    expect(result.ciLow).toBeCloseTo(0.4901624, 6);
    expect(result.ciHigh).toBeCloseTo(0.9433178, 6);
  });

  it('matches the closed form at the boundary: 0 of 20 gives [0, z²/(n+z²)]', () => {
    const z = 1.959963984540054;
    const result = wilsonInterval(0, 20);
    expect(result.ciLow).toBe(0);
    expect(result.ciHigh).toBeCloseTo((z * z) / (20 + z * z), 12);
  });

  it('accepts fractional successes from ties and rejects impossible counts', () => {
    expect(wilsonInterval(5.5, 10).rate).toBe(0.55);
    expect(() => wilsonInterval(11, 10)).toThrow(/successes/);
  });
});

describe('bootstrapMeanInterval', () => {
  it('brackets the mean with a width close to the normal-theory interval for large samples', () => {
    let state = 42;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values = Array.from({ length: 400 }, (_, i) => (i % 7) + 1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const result = bootstrapMeanInterval(values, { random, resamples: 3000 });
    expect(result.mean).toBeCloseTo(mean, 12);
    expect(result.ciLow).toBeLessThan(mean);
    expect(result.ciHigh).toBeGreaterThan(mean);
    const expectedWidth = (2 * 1.96 * sd) / Math.sqrt(values.length);
    expect(result.ciHigh - result.ciLow).toBeGreaterThan(0.8 * expectedWidth);
    expect(result.ciHigh - result.ciLow).toBeLessThan(1.2 * expectedWidth);
  });
});
