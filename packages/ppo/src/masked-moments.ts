import { InvalidArgumentError } from '@instructkit/core';

/** Mean and variance of the entries selected by a mask. */
export interface MaskedMoments {
  /** Mean of the selected entries (0 when none is selected). */
  readonly mean: number;
  /**
   * Variance of the selected entries. Unbiased (divides by n − 1) unless `unbiased: false`;
   * 0 when fewer than two entries are selected.
   */
  readonly variance: number;
  /** Number of selected entries. */
  readonly count: number;
}

/**
 * Mean and variance over the entries where `mask` is 1, computed in float64.
 *
 * @param values - Any flat array, e.g. `[batchSize, length - 1]` advantages.
 * @param mask - Same length as `values`; 1 selects an entry.
 * @param options.unbiased - Divide the variance by n − 1 (Bessel). Default: true.
 * @throws InvalidArgumentError when the lengths differ.
 */
export function maskedMoments(
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
  options: { readonly unbiased?: boolean } = {},
): MaskedMoments {
  if (values.length !== mask.length) {
    throw new InvalidArgumentError('mask', `has ${mask.length} entries but values have ${values.length}`);
  }
  let count = 0;
  let sum = 0;
  for (let index = 0; index < values.length; index++) {
    if (mask[index]) {
      count++;
      sum += values[index]!;
    }
  }
  if (count === 0) return { mean: 0, variance: 0, count: 0 };
  const mean = sum / count;
  let squares = 0;
  for (let index = 0; index < values.length; index++) {
    if (mask[index]) squares += (values[index]! - mean) ** 2;
  }
  const divisor = options.unbiased === false ? count : count - 1;
  return { mean, variance: divisor > 0 ? squares / divisor : 0, count };
}
