import { describe, expect, it } from 'vitest';
import { RunningMoments } from '../src/running-moments';
import { expectClose } from './expect-close';

describe('RunningMoments', () => {
  it('matches the mean and unbiased std of all values seen, batch by batch', () => {
    const moments = new RunningMoments();
    moments.update([1, 2]);
    moments.update([3, 4, 10]);
    // All values: 1 2 3 4 10 → mean 4, squared deviations 9+4+1+0+36 = 50, unbiased var 12.5
    expectClose(moments.mean, 4, 1e-12);
    expectClose(moments.variance, 12.5, 1e-12);
    expectClose(moments.std, Math.sqrt(12.5), 1e-12);
    expect(moments.count).toBe(5);
  });

  it('resumes from its saved state', () => {
    const first = new RunningMoments();
    first.update([5, 7]);
    const resumed = new RunningMoments(JSON.parse(JSON.stringify(first.state())));
    resumed.update([9]);
    expectClose([resumed.mean, resumed.variance], [7, 4], 1e-12);
  });

  it('has std 1 before two values, so dividing by it is safe', () => {
    expect(new RunningMoments().std).toBe(1);
  });
});
