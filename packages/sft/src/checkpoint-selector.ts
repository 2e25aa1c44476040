import { InvalidArgumentError, type GeneratorV1, type RewardModelV1, type SamplingOptions } from '@instructkit/core';
import type { SftTokenizer } from './sft-tokenizer';

/**
 * Decides which evaluated checkpoint is kept as the result of a run. `evaluate` adds metrics
 * to each evaluation (after the validation loss is computed); the one named `metric` is compared.
 */
export interface CheckpointSelector {
  /** Metric compared between evaluations, e.g. `validationLoss` or `validationReward`. */
  readonly metric: string;
  /** `minimize` or `maximize`. */
  readonly direction: 'minimize' | 'maximize';
  /** Extra metrics computed at each evaluation (absent: only the validation loss). */
  evaluate?(step: number): Promise<Readonly<Record<string, number>>>;
}

/** Keeps the checkpoint with the lowest validation loss (needs `validation` data). */
export function validationLossSelector(): CheckpointSelector {
  return { metric: 'validationLoss', direction: 'minimize' };
}

/** Settings of {@link rewardModelSelector}. */
export interface RewardModelSelectorSettings {
  /** Scores sampled answers (a trained RM, a remote one, or a gold scorer). */
  readonly rewardModel: RewardModelV1;
  /** Samples from the model being trained (e.g. core's `createLocalGenerator(model)`). */
  readonly generator: GeneratorV1;
  /** Encodes prompts for the generator and decodes its answers for the reward model. */
  readonly tokenizer: Required<Pick<SftTokenizer, 'encode' | 'decode'>> & Pick<SftTokenizer, 'eosTokenId'>;
  /** Validation prompt texts, rendered as the model sees them. */
  readonly prompts: readonly string[];
  /** Sampling settings; the same seed at every evaluation makes epochs comparable. Default: `{ maxNewTokens: 64, temperature: 1, seed: 0 }`. */
  readonly sampling?: SamplingOptions;
  /**
   * The generating model's context length in tokens: prompts that leave no room for
   * `maxNewTokens` are left out. Default: no limit.
   */
  readonly contextLength?: number;
}

/**
 * InstructGPT's checkpoint choice (§3.5, Appendix C.1): the mean reward-model score of answers
 * sampled for validation prompts, reported as `validationReward` (maximized).
 *
 * @throws InvalidArgumentError for no prompts, or none that fits `contextLength`.
 */
export function rewardModelSelector(settings: RewardModelSelectorSettings): CheckpointSelector {
  const sampling = { maxNewTokens: 64, temperature: 1, seed: 0, ...settings.sampling };
  const limit = (settings.contextLength ?? Number.POSITIVE_INFINITY) - sampling.maxNewTokens;
  const prompts = settings.prompts
    .map((prompt) => ({ text: prompt, ids: Int32Array.from(settings.tokenizer.encode(prompt)) }))
    .filter((prompt) => prompt.ids.length <= limit);
  if (prompts.length === 0) {
    throw new InvalidArgumentError('prompts', settings.prompts.length ? `none of the ${settings.prompts.length} prompts leaves room for ${sampling.maxNewTokens} new tokens in a context of ${settings.contextLength}` : 'expected at least one validation prompt');
  }
  return {
    metric: 'validationReward',
    direction: 'maximize',
    async evaluate() {
      const { sequences } = await settings.generator.doGenerate({ prompts: prompts.map((prompt) => prompt.ids), sampling });
      const completions = sequences.map((sequence) => settings.tokenizer.decode(stripEnd(sequence.completionIds, [...(sampling.eosTokenIds ?? []), ...(settings.tokenizer.eosTokenId !== undefined ? [settings.tokenizer.eosTokenId] : [])])));
      const scores = await settings.rewardModel.doScore({ prompts: prompts.map((prompt) => prompt.text), completions });
      return { validationReward: scores.reduce((sum, score) => sum + score, 0) / scores.length };
    },
  };
}

/** Drops a trailing stop token so the reward model sees the answer's text only. */
function stripEnd(ids: Int32Array, eosTokenIds: readonly number[]): Int32Array {
  if (ids.length > 0 && eosTokenIds.includes(ids[ids.length - 1]!)) return ids.subarray(0, ids.length - 1);
  return ids;
}
