import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import { spinningHelps, toSessionOptions } from '../src/index';

describe('toSessionOptions', () => {
  it('optimises fully and spins threads as asked', () => {
    const options = toSessionOptions({ intraOpThreads: 2, allowSpinning: false, executionProviders: ['cpu'] });
    expect(options).toMatchObject({ graphOptimizationLevel: 'all', intraOpNumThreads: 2, executionProviders: ['cpu'] });
    expect(options.extra).toEqual({ session: { intra_op: { allow_spinning: '0' }, force_spinning_stop: '1' } });
    expect(toSessionOptions({ allowSpinning: true, executionProviders: ['cpu'] }).extra).toEqual({ session: { intra_op: { allow_spinning: '1' }, force_spinning_stop: '1' } });
    expect(toSessionOptions({ allowSpinning: true, stopSpinningAfterRun: false, executionProviders: ['cpu'] }).extra).toEqual({ session: { intra_op: { allow_spinning: '1' } } });
  });

  it('spins by default only while the machine has idle cores', () => {
    expect(spinningHelps(2, 0.4)).toBe(true);
    expect(spinningHelps(2, 1.3)).toBe(true);
    expect(spinningHelps(2, 3.2)).toBe(false);
    expect(spinningHelps(16, 6)).toBe(true);
    // The load average may cross the threshold between the calls: either answer is then right.
    const before = spinningHelps() ? '1' : '0';
    const automatic = toSessionOptions({ executionProviders: ['cpu'] }).extra as { session: { intra_op: { allow_spinning: string } } };
    const after = spinningHelps() ? '1' : '0';
    expect([before, after]).toContain(automatic.session.intra_op.allow_spinning);
  });

  it('rejects a fractional thread count, naming the setting', () => {
    expect(() => toSessionOptions({ intraOpThreads: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => toSessionOptions({ intraOpThreads: 1.5 })).toThrow(/sessionOptions\.intraOpThreads/);
  });
});
