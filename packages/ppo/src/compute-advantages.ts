import { InvalidArgumentError } from '@instructkit/core';

/** Inputs of `computeAdvantages`; every array is `[batchSize, actions]` row-major. */
export interface ComputeAdvantagesInput {
  /** Rows in the batch. */
  readonly batchSize: number;
  /** Per-action rewards (shaped rewards: KL penalty everywhere, RM score at the last token). */
  readonly rewards: ArrayLike<number>;
  /** Value estimates V(s_t) of each action's state, from the rollout. */
  readonly values: ArrayLike<number>;
  /** 1 on actions that are response tokens; the episode ends after a row's last 1. */
  readonly mask: ArrayLike<number>;
  /** Discount γ. Default: 1 (InstructGPT, bandit episodes). */
  readonly gamma?: number;
  /** GAE λ. Default: 0.95. */
  readonly lambda?: number;
}

/** Advantages and the value targets they imply. */
export interface ComputeAdvantagesResult {
  /** `[batchSize, actions]`: GAE advantages, 0 where the mask is 0. Not whitened. */
  readonly advantages: Float32Array;
  /** `[batchSize, actions]`: `advantages + values`, the value-loss targets; 0 where the mask is 0. */
  readonly returns: Float32Array;
}

/**
 * Generalised advantage estimation (Schulman et al. 2016) over masked response tokens:
 * δ_t = r_t + γ·V_{t+1} − V_t and A_t = δ_t + γλ·A_{t+1}, where "t+1" is the row's next
 * masked action and V = 0 after its last one (the episode ends with the response).
 * Unmasked entries (prompt, padding) are skipped, so left-padded prompts and
 * right-padded responses give the same result as unpadded ones.
 *
 * @throws InvalidArgumentError when lengths disagree or γ, λ are outside [0, 1].
 * @example
 * const { advantages, returns } = computeAdvantages({ batchSize, rewards, values, mask: actionMask, lambda: 0.95 });
 */
export function computeAdvantages(input: ComputeAdvantagesInput): ComputeAdvantagesResult {
  const { batchSize, rewards, values, mask } = input;
  const gamma = input.gamma ?? 1;
  const lambda = input.lambda ?? 0.95;
  if (!(gamma >= 0 && gamma <= 1)) throw new InvalidArgumentError('gamma', `must be in [0, 1], got ${gamma}`);
  if (!(lambda >= 0 && lambda <= 1)) throw new InvalidArgumentError('lambda', `must be in [0, 1], got ${lambda}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0 || mask.length % batchSize !== 0) {
    throw new InvalidArgumentError('batchSize', `${batchSize} does not divide the mask length ${mask.length}`);
  }
  if (rewards.length !== mask.length) throw new InvalidArgumentError('rewards', `has ${rewards.length} entries, mask has ${mask.length}`);
  if (values.length !== mask.length) throw new InvalidArgumentError('values', `has ${values.length} entries, mask has ${mask.length}`);
  const actions = mask.length / batchSize;
  const advantages = new Float32Array(mask.length);
  const returns = new Float32Array(mask.length);
  for (let row = 0; row < batchSize; row++) {
    const offset = row * actions;
    let nextValue = 0;
    let nextAdvantage = 0;
    for (let t = actions - 1; t >= 0; t--) {
      const index = offset + t;
      if (!mask[index]) continue;
      const delta = rewards[index]! + gamma * nextValue - values[index]!;
      const advantage = delta + gamma * lambda * nextAdvantage;
      advantages[index] = advantage;
      returns[index] = advantage + values[index]!;
      nextValue = values[index]!;
      nextAdvantage = advantage;
    }
  }
  return { advantages, returns };
}
