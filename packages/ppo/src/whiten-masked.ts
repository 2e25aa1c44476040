import { maskedMoments } from './masked-moments';

/** Settings of `whitenMasked`. */
export interface WhitenOptions {
  /**
   * Subtract the mean. Set false to only rescale (what reward whitening does, so the
   * sign of a reward survives). Default: true.
   */
  readonly shiftMean?: boolean;
  /** Added to the variance before the square root. Default: 1e-8. */
  readonly epsilon?: number;
}

/**
 * Whitens the entries selected by `mask` to mean 0 and (unbiased) variance 1, using
 * statistics of the selected entries only; unselected entries come back as 0, so
 * padding never leaks into the statistics or the result.
 *
 * @param values - Flat array, e.g. `[batchSize, length - 1]` advantages.
 * @param mask - Same length; 1 selects an entry.
 * @returns A new array of the same length.
 * @throws InvalidArgumentError when the lengths differ.
 * @example
 * const whitened = whitenMasked(advantages, actionMask);
 */
export function whitenMasked(
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
  options: WhitenOptions = {},
): Float32Array {
  const { mean, variance } = maskedMoments(values, mask);
  const scale = 1 / Math.sqrt(variance + (options.epsilon ?? 1e-8));
  const shift = options.shiftMean === false ? 0 : mean;
  const whitened = new Float32Array(values.length);
  for (let index = 0; index < values.length; index++) {
    if (mask[index]) whitened[index] = (values[index]! - shift) * scale;
  }
  return whitened;
}
