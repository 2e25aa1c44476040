import { maskedMoments } from './masked-moments';

/**
 * Fraction of the variance of the returns that the value predictions explain:
 * `1 − Var(returns − values) / Var(returns)` over the masked entries. 1 is perfect,
 * 0 is no better than predicting the mean, negative is worse. `NaN` when the returns
 * have no variance.
 *
 * @param values - Value predictions, any flat shape (PPO: `[batchSize, length - 1]`).
 * @param returns - Return targets, same length.
 * @param mask - Same length; 1 selects an entry (response tokens).
 */
export function explainedVariance(
  values: ArrayLike<number>,
  returns: ArrayLike<number>,
  mask: ArrayLike<number>,
): number {
  const residuals = new Float64Array(values.length);
  for (let index = 0; index < values.length; index++) residuals[index] = returns[index]! - values[index]!;
  const returnVariance = maskedMoments(returns, mask).variance;
  if (returnVariance === 0) return Number.NaN;
  return 1 - maskedMoments(residuals, mask).variance / returnVariance;
}
