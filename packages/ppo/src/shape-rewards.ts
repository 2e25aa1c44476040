import { InvalidArgumentError } from '@instructkit/core';

/** Inputs of `shapeRewards`; per-action arrays are `[batchSize, actions]` row-major. */
export interface ShapeRewardsInput {
  /** Rows in the batch. */
  readonly batchSize: number;
  /** `[batchSize]`: reward-model score of each response (after any EOS penalty / normalisation). */
  readonly scores: ArrayLike<number>;
  /** Log-probs of the sampled actions under the policy that sampled them. */
  readonly logprobs: ArrayLike<number>;
  /** Log-probs of the same actions under the frozen reference (SFT) model. */
  readonly refLogprobs: ArrayLike<number>;
  /** 1 on actions that are response tokens. */
  readonly mask: ArrayLike<number>;
  /** β, the per-token KL coefficient (InstructGPT: 0.02). */
  readonly klCoefficient: number;
}

/** Per-token rewards and their parts. */
export interface ShapedRewards {
  /** `[batchSize, actions]`: −β·(logπ − logπ_ref) on every response token, plus the score on the last one. */
  readonly rewards: Float32Array;
  /** `[batchSize, actions]`: the KL part alone, −β·(logπ − logπ_ref). */
  readonly nonScoreRewards: Float32Array;
  /** `[batchSize, actions]`: logπ − logπ_ref on response tokens (the naive, "k1" KL sample). */
  readonly kl: Float32Array;
  /** `[batchSize]`: index of each row's last response action, where the score was placed. */
  readonly lastActionIndex: Int32Array;
}

/**
 * InstructGPT's reward, per token (Eq. 2; Stiennon et al. 2020 §3.4): every response
 * token gets −β·(log π(y_t) − log π_ref(y_t)) and the last real response token also
 * gets the reward model's score r(x, y). The last token is found from the mask, never
 * from the row length, so right-padded responses get their score on their own last token.
 *
 * @throws InvalidArgumentError when lengths disagree or a row has no response token.
 * @example
 * const { rewards } = shapeRewards({ batchSize, scores, logprobs, refLogprobs, mask: actionMask, klCoefficient: 0.02 });
 */
export function shapeRewards(input: ShapeRewardsInput): ShapedRewards {
  const { batchSize, scores, logprobs, refLogprobs, mask, klCoefficient } = input;
  if (scores.length !== batchSize) throw new InvalidArgumentError('scores', `has ${scores.length} entries for ${batchSize} rows`);
  if (!Number.isInteger(batchSize) || batchSize <= 0 || mask.length % batchSize !== 0) {
    throw new InvalidArgumentError('batchSize', `${batchSize} does not divide the mask length ${mask.length}`);
  }
  if (logprobs.length !== mask.length) throw new InvalidArgumentError('logprobs', `has ${logprobs.length} entries, mask has ${mask.length}`);
  if (refLogprobs.length !== mask.length) throw new InvalidArgumentError('refLogprobs', `has ${refLogprobs.length} entries, mask has ${mask.length}`);
  if (!Number.isFinite(klCoefficient) || klCoefficient < 0) throw new InvalidArgumentError('klCoefficient', `must be ≥ 0, got ${klCoefficient}`);
  const actions = mask.length / batchSize;
  const rewards = new Float32Array(mask.length);
  const nonScoreRewards = new Float32Array(mask.length);
  const kl = new Float32Array(mask.length);
  const lastActionIndex = new Int32Array(batchSize).fill(-1);
  for (let row = 0; row < batchSize; row++) {
    for (let t = 0; t < actions; t++) {
      const index = row * actions + t;
      if (!mask[index]) continue;
      const difference = logprobs[index]! - refLogprobs[index]!;
      kl[index] = difference;
      nonScoreRewards[index] = -klCoefficient * difference;
      rewards[index] = nonScoreRewards[index]!;
      lastActionIndex[row] = t;
    }
    if (lastActionIndex[row] === -1) throw new InvalidArgumentError(`mask[${row}]`, 'row has no response token to carry the score');
    rewards[row * actions + lastActionIndex[row]!]! += scores[row]!;
  }
  return { rewards, nonScoreRewards, kl, lastActionIndex };
}
