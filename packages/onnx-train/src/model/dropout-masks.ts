import type { Rng } from '@instructkit/core';

/**
 * Fills a dropout keep-mask (`keepValue` = keep, 0 = drop) from a xoshiro128** stream seeded
 * with four words drawn from `rng`, so the masks are a pure function of the training RNG state
 * (saved in checkpoints) while the inner loop runs without a method call per element. Each
 * 32-bit output decides two elements from its 16-bit halves, so the drop probability is rounded
 * to a multiple of 1/65536 (0.1 → 0.100006). The training graphs take float masks holding the
 * inverted-dropout scale, `keepValue` = 1/(1 − p); the same RNG state gives the same pattern
 * whatever the array type.
 *
 * @param keepValue - Value written for kept elements. Default: 1.
 */
export function fillDropoutMask(mask: Uint8Array | Float32Array, probability: number, rng: Rng, keepValue = 1): void {
  let s0 = rng.nextUint32() | 1;
  let s1 = rng.nextUint32();
  let s2 = rng.nextUint32();
  let s3 = rng.nextUint32();
  const threshold = Math.round(probability * 65536);
  const length = mask.length;
  for (let index = 0; index < length; index += 2) {
    // xoshiro128** (Blackman & Vigna), 32-bit arithmetic only.
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
    const shifted = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = (s3 << 11) | (s3 >>> 21);
    mask[index] = (result & 0xffff) >= threshold ? keepValue : 0;
    if (index + 1 < length) mask[index + 1] = result >>> 16 >= threshold ? keepValue : 0;
  }
}
