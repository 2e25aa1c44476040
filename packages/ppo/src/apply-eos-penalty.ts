import { InvalidArgumentError } from '@instructkit/core';

/** What happens to the score of a response that ran out of tokens before EOS. */
export interface EosPenaltySettings {
  /** The penalty value. */
  readonly value: number;
  /**
   * `replace`: the score becomes `value` (lm-human-preferences' fixed penalty reward, e.g. −1).
   * `subtract`: `value` is subtracted from the score (TRL's `missing_eos_penalty`).
   * Default: `replace`.
   */
  readonly mode?: 'replace' | 'subtract';
}

/**
 * Penalises responses that did not end with EOS (truncated at the length limit), so
 * the policy cannot win reward by rambling until it is cut off.
 *
 * @param scores - `[batchSize]` reward-model scores.
 * @param endedWithEos - `[batchSize]`, true where the response ended with EOS.
 * @returns A new `[batchSize]` array.
 * @throws InvalidArgumentError when lengths differ or the value is not finite.
 */
export function applyEosPenalty(
  scores: ArrayLike<number>,
  endedWithEos: ArrayLike<boolean>,
  settings: EosPenaltySettings,
): Float32Array {
  if (scores.length !== endedWithEos.length) {
    throw new InvalidArgumentError('endedWithEos', `has ${endedWithEos.length} entries for ${scores.length} scores`);
  }
  if (!Number.isFinite(settings.value)) throw new InvalidArgumentError('eosPenalty.value', `must be finite, got ${settings.value}`);
  const penalised = Float32Array.from(scores);
  for (let row = 0; row < scores.length; row++) {
    if (endedWithEos[row]) continue;
    penalised[row] = settings.mode === 'subtract' ? scores[row]! - settings.value : settings.value;
  }
  return penalised;
}
