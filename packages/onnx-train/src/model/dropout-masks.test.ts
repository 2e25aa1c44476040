import { describe, expect, it } from 'vitest';
import { createRng } from '@instructkit/core';
import { createDropoutMaskBuffers, fillDropoutMask } from './dropout-masks';

describe('fillDropoutMask', () => {
  it('keeps each element with probability 1 − p (binomial 5σ bound) and is reproducible from the RNG state', () => {
    const rng = createRng(3);
    const saved = rng.getState();
    const mask = new Uint8Array(200_001);
    fillDropoutMask(mask, 0.1, rng);
    const kept = mask.reduce((sum, value) => sum + value, 0);
    const sigma = Math.sqrt(mask.length * 0.1 * 0.9);
    expect(Math.abs(kept - 0.9 * mask.length)).toBeLessThan(5 * sigma);
    const again = new Uint8Array(mask.length);
    rng.setState(saved);
    fillDropoutMask(again, 0.1, rng);
    expect(Buffer.from(again).equals(Buffer.from(mask))).toBe(true);
    fillDropoutMask(again, 0.1, rng);
    expect(Buffer.from(again).equals(Buffer.from(mask))).toBe(false);
  });

  it('is what the SIMD filler writes, for sizes that are not whole rounds of eight', () => {
    const sizes = [1, 7, 8, 13, 4096 + 5];
    const buffers = createDropoutMaskBuffers(sizes);
    const simd = createRng(11);
    const scalar = createRng(11);
    const keep = Math.fround(1 / 0.9);
    for (let repeat = 0; repeat < 2; repeat++) {
      sizes.forEach((size, index) => {
        buffers.fill(index, 0.1, simd, keep);
        const expected = new Float32Array(size);
        fillDropoutMask(expected, 0.1, scalar, keep);
        expect(Array.from(buffers.masks[index]!)).toEqual(Array.from(expected));
      });
    }
    expect(simd.getState()).toEqual(scalar.getState());
  });
});
