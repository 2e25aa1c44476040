import { InvalidArgumentError, type RewardModelV1 } from '@instructkit/core';
import type { RewardNormalization } from './create-reward-model';

/** Settings of {@link computeRewardNormalization}. */
export interface RewardNormalizationSettings {
  /** The trained reward model, unnormalized (gain 1, bias 0). */
  readonly rewardModel: RewardModelV1;
  /** Labeler demonstrations; after normalization their mean score is 0 (InstructGPT §3.5). */
  readonly demonstrations: readonly { readonly prompt: string; readonly completion: string }[];
  /**
   * Samples of the initial policy; when given, the gain makes their scores' standard deviation 1
   * (lm-human-preferences). Default: absent (gain 1).
   */
  readonly policySamples?: readonly { readonly prompt: string; readonly completion: string }[];
}

/**
 * Bias (and optionally gain) of the reward so that labeler demonstrations score 0 on average,
 * as InstructGPT does before RL, and policy samples have unit variance when given.
 * Returns `{ gain, bias }` with `normalized = gain · raw + bias`.
 *
 * @throws InvalidArgumentError for no demonstrations, or policy samples with zero variance.
 */
export async function computeRewardNormalization(settings: RewardNormalizationSettings): Promise<RewardNormalization> {
  if (settings.demonstrations.length === 0) throw new InvalidArgumentError('demonstrations', 'expected at least one demonstration');
  const score = (pairs: readonly { prompt: string; completion: string }[]) =>
    settings.rewardModel.doScore({ prompts: pairs.map((pair) => pair.prompt), completions: pairs.map((pair) => pair.completion) });
  let gain = 1;
  if (settings.policySamples && settings.policySamples.length > 0) {
    const samples = await score(settings.policySamples);
    const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
    const variance = samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / samples.length;
    if (!(variance > 0)) throw new InvalidArgumentError('policySamples', 'all samples score the same; cannot scale to unit variance');
    gain = 1 / Math.sqrt(variance);
  }
  const demonstrationScores = await score(settings.demonstrations);
  const mean = demonstrationScores.reduce((sum, value) => sum + value, 0) / demonstrationScores.length;
  return { gain, bias: -gain * mean };
}
