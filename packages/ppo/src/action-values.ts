import { InvalidArgumentError } from '@instructkit/core';

/**
 * Converts per-position value-head outputs (`ScalarModelV1.doScore({ positions: 'all' })`,
 * `[batchSize, length]`) into per-action values `[batchSize, length − 1]`: the value of
 * action t is the head at position t (the state the action is taken from), as core's
 * `ValueTask` defines. Entries outside `actionMask` are 0.
 *
 * @throws InvalidArgumentError when the sizes disagree.
 */
export function actionValues(
  positionScores: ArrayLike<number>,
  batchSize: number,
  length: number,
  actionMask: ArrayLike<number>,
): Float32Array {
  if (positionScores.length !== batchSize * length) {
    throw new InvalidArgumentError('scores', `has ${positionScores.length} entries, expected ${batchSize}×${length}`);
  }
  if (actionMask.length !== batchSize * (length - 1)) {
    throw new InvalidArgumentError('actionMask', `has ${actionMask.length} entries, expected ${batchSize}×${length - 1}`);
  }
  const values = new Float32Array(batchSize * (length - 1));
  for (let row = 0; row < batchSize; row++) {
    for (let t = 0; t < length - 1; t++) {
      if (actionMask[row * (length - 1) + t]) values[row * (length - 1) + t] = positionScores[row * length + t]!;
    }
  }
  return values;
}
