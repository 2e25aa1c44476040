import { describe, expect, it } from 'vitest';
import { overoptimizationCurve } from '../src/overoptimization-curve';

describe('overoptimizationCurve', () => {
  it('orders the gold points by step, finds the gold peak and the drop since it', () => {
    const curve = overoptimizationCurve([
      { step: 3, kl: 4, reward: 0.9, gold_reward: 0.5 },
      { step: 1, kl: 0, reward: 0.2, gold_reward: 0.3 },
      { step: 2, kl: 1.5, reward: 0.6, gold_reward: 0.7, stage: 'ppo' },
      { step: 4, kl: 6, reward: 0.95 },
    ]);
    expect(curve.points.map((point) => point.step)).toEqual([1, 2, 3]);
    expect(curve.peak).toEqual({ step: 2, kl: 1.5, reward: 0.6, goldReward: 0.7 });
    expect(curve.goldDropSincePeak).toBeCloseTo(0.2, 12);
  });

  it('is empty without gold rewards', () => {
    expect(overoptimizationCurve([{ step: 1, kl: 0, reward: 1 }])).toEqual({ points: [], goldDropSincePeak: 0 });
  });
});
