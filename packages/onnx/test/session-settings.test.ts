import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import { toSessionOptions } from '../src/index';

describe('toSessionOptions', () => {
  it('optimises fully and turns thread spinning off unless asked', () => {
    const options = toSessionOptions({ intraOpThreads: 2, executionProviders: ['cpu'] });
    expect(options).toMatchObject({ graphOptimizationLevel: 'all', intraOpNumThreads: 2, executionProviders: ['cpu'] });
    expect(options.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    expect(toSessionOptions({ allowSpinning: true, executionProviders: ['cpu'] }).extra).toEqual({ session: { intra_op: { allow_spinning: '1' } } });
  });

  it('rejects a fractional thread count, naming the setting', () => {
    expect(() => toSessionOptions({ intraOpThreads: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => toSessionOptions({ intraOpThreads: 1.5 })).toThrow(/sessionOptions\.intraOpThreads/);
  });
});
