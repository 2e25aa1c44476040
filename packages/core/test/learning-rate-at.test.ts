import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, learningRateAt } from '../src/index';

// Expected values are worked out by hand in the comments.
describe('learningRateAt', () => {
  it('ramps linearly from 0 during warmup', () => {
    const schedule = { kind: 'constant', warmupSteps: 4 } as const;
    expect(learningRateAt(schedule, 0, 1e-3)).toBe(0);
    expect(learningRateAt(schedule, 1, 1e-3)).toBeCloseTo(2.5e-4, 15); // 1/4
    expect(learningRateAt(schedule, 3, 1e-3)).toBeCloseTo(7.5e-4, 15); // 3/4
    expect(learningRateAt(schedule, 4, 1e-3)).toBe(1e-3);
    expect(learningRateAt(schedule, 1000, 1e-3)).toBe(1e-3);
  });

  it('is constant without warmup', () => {
    expect(learningRateAt({ kind: 'constant' }, 0, 3e-4)).toBe(3e-4);
  });

  it('decays linearly to the floor at totalSteps and stays there', () => {
    const schedule = { kind: 'linear', warmupSteps: 10, totalSteps: 110, finalRatio: 0.1 } as const;
    expect(learningRateAt(schedule, 5, 1)).toBeCloseTo(0.5, 12); // warmup 5/10
    expect(learningRateAt(schedule, 10, 1)).toBeCloseTo(1, 12);
    expect(learningRateAt(schedule, 35, 1)).toBeCloseTo(0.775, 12); // 0.1 + 0.9 × (1 − 25/100)
    expect(learningRateAt(schedule, 110, 1)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(schedule, 500, 1)).toBeCloseTo(0.1, 12);
  });

  it('follows a half cosine to the floor', () => {
    const schedule = { kind: 'cosine', warmupSteps: 10, totalSteps: 110, finalRatio: 0.1 } as const;
    expect(learningRateAt(schedule, 60, 1e-4)).toBeCloseTo(5.5e-5, 15); // 1e-5 + 9e-5 × ½(1 + cos(π/2))
    expect(learningRateAt(schedule, 35, 1e-4)).toBeCloseTo(1e-5 + 9e-5 * 0.5 * (1 + Math.SQRT1_2), 15); // cos(π/4)
    expect(learningRateAt(schedule, 85, 1e-4)).toBeCloseTo(1e-5 + 9e-5 * 0.5 * (1 - Math.SQRT1_2), 15); // cos(3π/4)
    expect(learningRateAt(schedule, 110, 1e-4)).toBeCloseTo(1e-5, 15);
    expect(learningRateAt({ kind: 'cosine', totalSteps: 4 }, 4, 2)).toBe(0); // finalRatio defaults to 0
  });

  it('rejects a negative step and inconsistent schedules', () => {
    expect(() => learningRateAt({ kind: 'constant' }, -1, 1)).toThrow(InvalidArgumentError);
    expect(() => learningRateAt({ kind: 'linear', warmupSteps: 10, totalSteps: 5 }, 20, 1)).toThrow(/schedule\.totalSteps/);
    expect(() => learningRateAt({ kind: 'cosine', totalSteps: 5, finalRatio: 2 }, 1, 1)).toThrow(/schedule\.finalRatio/);
  });
});
