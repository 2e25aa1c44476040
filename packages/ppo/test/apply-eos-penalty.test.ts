import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import { applyEosPenalty } from '../src/apply-eos-penalty';
import { expectClose } from './expect-close';

describe('applyEosPenalty', () => {
  it('replaces the score of responses without EOS with the fixed penalty', () => {
    expectClose(applyEosPenalty([0.5, 2, -3], [true, false, false], { value: -1 }), [0.5, -1, -1]);
  });

  it('subtracts the penalty in subtract mode', () => {
    expectClose(applyEosPenalty([0.5, 2], [true, false], { value: 1.5, mode: 'subtract' }), [0.5, 0.5]);
  });

  it('rejects mismatched lengths with a typed error', () => {
    expect(() => applyEosPenalty([1], [true, false], { value: -1 })).toThrow(InvalidArgumentError);
  });
});
