import { InvalidArgumentError } from '@instructkit/core';

/** Inputs of the reference clipped value loss; arrays are `[batchSize, length − 1]`. */
export interface ClippedValueLossInput {
  /** Current value predictions. */
  readonly values: ArrayLike<number>;
  /** Value predictions at rollout time. */
  readonly oldValues: ArrayLike<number>;
  /** Return targets. */
  readonly returns: ArrayLike<number>;
  /** 1 on response-token actions. */
  readonly mask: ArrayLike<number>;
  /** ε of the value clipping. Default: 0.2. */
  readonly clipRange?: number;
}

/** Loss, gradient and clip fraction. */
export interface ClippedValueLoss {
  /** 0.5 · mean_masked(max((V − R)², (clip(V, V_old ± ε) − R)²)). */
  readonly loss: number;
  /** ∂loss/∂values (0 off the mask). */
  readonly gradient: Float64Array;
  /** Fraction of masked actions where the clipped term is the larger. */
  readonly clipFraction: number;
}

/**
 * PPO's clipped value loss (as in OpenAI baselines / lm-human-preferences) in plain
 * JavaScript with its analytic gradient; the reference for engines' `ValueTask`.
 *
 * @throws InvalidArgumentError when lengths disagree.
 */
export function clippedValueLoss(input: ClippedValueLossInput): ClippedValueLoss {
  const { values, oldValues, returns, mask } = input;
  const clipRange = input.clipRange ?? 0.2;
  for (const [name, array] of [['values', values], ['oldValues', oldValues], ['returns', returns]] as const) {
    if (array.length !== mask.length) throw new InvalidArgumentError(name, `has ${array.length} entries, mask has ${mask.length}`);
  }
  let count = 0;
  for (let index = 0; index < mask.length; index++) if (mask[index]) count++;
  const gradient = new Float64Array(mask.length);
  if (count === 0) return { loss: 0, gradient, clipFraction: 0 };
  let loss = 0;
  let clipped = 0;
  for (let index = 0; index < mask.length; index++) {
    if (!mask[index]) continue;
    const value = values[index]!;
    const old = oldValues[index]!;
    const target = returns[index]!;
    const clippedValue = Math.min(old + clipRange, Math.max(old - clipRange, value));
    const unclippedError = (value - target) ** 2;
    const clippedError = (clippedValue - target) ** 2;
    if (clippedError > unclippedError) {
      loss += clippedError;
      clipped++;
      // The clipped term can only be the larger when V is outside the clip range, where it is flat.
    } else {
      loss += unclippedError;
      gradient[index] = (value - target) / count;
    }
  }
  return { loss: (0.5 * loss) / count, gradient, clipFraction: clipped / count };
}
