import { createRng } from '@instructkit/core';

/** Options of `seededRandomArray`. */
export interface SeededRandomArrayOptions {
  /** `uniform` draws from [-scale, scale); `normal` from N(0, scale²). Default: `uniform`. */
  readonly distribution?: 'uniform' | 'normal';
  /** Half-width (uniform) or standard deviation (normal). Default: 1. */
  readonly scale?: number;
}

/**
 * A reproducible Float32Array of random values from core's `createRng` (xoshiro128**),
 * the same on every platform — for test inputs and tiny model weights.
 *
 * @param n - Number of values.
 * @param seed - Seed. Default: 0.
 * @param options - Distribution and scale.
 * @example
 * const weights = seededRandomArray(32 * 96, 7, { distribution: 'normal', scale: 0.02 });
 */
export function seededRandomArray(n: number, seed = 0, options: SeededRandomArrayOptions = {}): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`n: must be a non-negative integer, got ${n}`);
  const { distribution = 'uniform', scale = 1 } = options;
  const rng = createRng(seed);
  const values = new Float32Array(n);
  for (let index = 0; index < n; index++) values[index] = distribution === 'normal' ? rng.normal() * scale : (rng.next() * 2 - 1) * scale;
  return values;
}
