import { InvalidArgumentError } from '@instructkit/core';

/** Inputs of the reference clipped policy objective; arrays are `[batchSize, length − 1]`. */
export interface ClippedPolicyLossInput {
  /** Current log π of the sampled actions. */
  readonly logprobs: ArrayLike<number>;
  /** log π of the same actions when they were sampled. */
  readonly oldLogprobs: ArrayLike<number>;
  /** Advantages. */
  readonly advantages: ArrayLike<number>;
  /** 1 on response-token actions. */
  readonly mask: ArrayLike<number>;
  /** ε. Default: 0.2. */
  readonly clipRange?: number;
}

/** Loss, its gradient and PPO's diagnostics. */
export interface ClippedPolicyLoss {
  /** mean_masked(max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε))). */
  readonly loss: number;
  /** ∂loss/∂logprobs, same shape as the inputs (0 off the mask). */
  readonly gradient: Float64Array;
  /** Fraction of masked actions where the clipped term is the larger (the clip is active). */
  readonly clipFraction: number;
  /** mean_masked((ρ − 1) − log ρ). */
  readonly approxKl: number;
}

/**
 * The PPO clipped surrogate (Schulman et al. 2017, Eq. 7) in plain JavaScript with its
 * analytic gradient: the reference engines' `PolicyTask` losses are checked against, and
 * whose gradient is itself checked against finite differences.
 *
 * @throws InvalidArgumentError when lengths disagree.
 */
export function clippedPolicyLoss(input: ClippedPolicyLossInput): ClippedPolicyLoss {
  const { logprobs, oldLogprobs, advantages, mask } = input;
  const clipRange = input.clipRange ?? 0.2;
  for (const [name, array] of [['logprobs', logprobs], ['oldLogprobs', oldLogprobs], ['advantages', advantages]] as const) {
    if (array.length !== mask.length) throw new InvalidArgumentError(name, `has ${array.length} entries, mask has ${mask.length}`);
  }
  let count = 0;
  for (let index = 0; index < mask.length; index++) if (mask[index]) count++;
  const gradient = new Float64Array(mask.length);
  if (count === 0) return { loss: 0, gradient, clipFraction: 0, approxKl: 0 };
  let loss = 0;
  let clipped = 0;
  let approxKl = 0;
  for (let index = 0; index < mask.length; index++) {
    if (!mask[index]) continue;
    const logRatio = logprobs[index]! - oldLogprobs[index]!;
    const ratio = Math.exp(logRatio);
    const advantage = advantages[index]!;
    const unclippedLoss = -advantage * ratio;
    const clippedLoss = -advantage * Math.min(1 + clipRange, Math.max(1 - clipRange, ratio));
    if (clippedLoss > unclippedLoss) {
      loss += clippedLoss;
      clipped++;
    } else {
      loss += unclippedLoss;
      // d(−A·exp(logπ − logπ_old))/dlogπ = −A·ρ; the clipped branch is flat.
      gradient[index] = unclippedLoss / count;
    }
    approxKl += ratio - 1 - logRatio;
  }
  return { loss: loss / count, gradient, clipFraction: clipped / count, approxKl: approxKl / count };
}
