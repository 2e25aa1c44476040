import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, type NamedTensors } from '@instructkit/core';
import { updateEma } from '../src/update-ema';
import { expectClose } from './expect-close';

function parameters(weight: number[], step: number): NamedTensors {
  return new Map([
    ['h.0.mlp.c_fc.weight', { dtype: 'float32', shape: [weight.length], data: Float32Array.from(weight) }],
    ['step_buffer', { dtype: 'int32', shape: [1], data: Int32Array.of(step) }],
  ]);
}

describe('updateEma', () => {
  it('averages float tensors with the decay and copies integer buffers', () => {
    // 0.992 · 1 + 0.008 · 2 = 1.008; 0.992 · −1 + 0.008 · 3 = −0.968
    const averaged = updateEma(parameters([1, -1], 1), parameters([2, 3], 7));
    expectClose(averaged.get('h.0.mlp.c_fc.weight')!.data as Float32Array, [1.008, -0.968], 1e-6);
    expect(Array.from(averaged.get('step_buffer')!.data as Int32Array)).toEqual([7]);
  });

  it('rejects parameters whose shapes differ, naming the tensor', () => {
    expect(() => updateEma(parameters([1, 2], 0), parameters([1, 2, 3], 0))).toThrow(InvalidArgumentError);
    expect(() => updateEma(parameters([1, 2], 0), parameters([1, 2, 3], 0))).toThrow(/h\.0\.mlp\.c_fc\.weight/);
  });
});
