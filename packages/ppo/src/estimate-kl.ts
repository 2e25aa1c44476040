import { InvalidArgumentError } from '@instructkit/core';

/** KL(π ‖ π_ref) of a batch of sampled responses, two ways. */
export interface KlEstimate {
  /**
   * Mean over rows of Σ_t (logπ − logπ_ref): the naive ("k1") estimator. Unbiased too,
   * but high-variance and it can go negative, which true KL never does.
   */
  readonly naive: number;
  /**
   * Mean over rows of Σ_t ((r − 1) − log r) with r = π_ref/π: Schulman's "k3"
   * estimator, unbiased for samples drawn from π and never negative.
   */
  readonly unbiased: number;
  /** True when `naive` < 0: a sign the rollout log-probs and the policy disagree, or too few samples. */
  readonly naiveNegative: boolean;
}

/**
 * Estimates the sequence-level KL between the policy that sampled the responses and
 * the reference model from per-token log-probs of the sampled tokens.
 *
 * @param input.batchSize - Rows.
 * @param input.logprobs - `[batchSize, actions]` log π of the sampled tokens.
 * @param input.refLogprobs - `[batchSize, actions]` log π_ref of the same tokens.
 * @param input.mask - `[batchSize, actions]`, 1 on response tokens.
 * @throws InvalidArgumentError when lengths disagree.
 */
export function estimateKl(input: {
  readonly batchSize: number;
  readonly logprobs: ArrayLike<number>;
  readonly refLogprobs: ArrayLike<number>;
  readonly mask: ArrayLike<number>;
}): KlEstimate {
  const { batchSize, logprobs, refLogprobs, mask } = input;
  if (logprobs.length !== mask.length || refLogprobs.length !== mask.length) {
    throw new InvalidArgumentError('logprobs', `lengths ${logprobs.length}/${refLogprobs.length} differ from the mask's ${mask.length}`);
  }
  if (!Number.isInteger(batchSize) || batchSize <= 0 || mask.length % batchSize !== 0) {
    throw new InvalidArgumentError('batchSize', `${batchSize} does not divide the mask length ${mask.length}`);
  }
  let naive = 0;
  let unbiased = 0;
  for (let index = 0; index < mask.length; index++) {
    if (!mask[index]) continue;
    const logRatio = refLogprobs[index]! - logprobs[index]!;
    naive -= logRatio;
    // expm1 keeps (r − 1) − log r accurate when r is close to 1.
    unbiased += Math.expm1(logRatio) - logRatio;
  }
  naive /= batchSize;
  unbiased /= batchSize;
  return { naive, unbiased, naiveNegative: naive < 0 };
}
