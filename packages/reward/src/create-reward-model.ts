import type { RewardModelV1, ScalarModelV1, ScoreRequest } from '@instructkit/core';
import type { PaddingSide } from './pad-rows';
import { scoreCompletions } from './score-completions';
import type { TokenEncoder } from './token-encoder';

/** An affine map applied to raw scores: `gain · raw + bias`. */
export interface RewardNormalization {
  /** Added after the gain. Default: 0. */
  readonly bias: number;
  /** Multiplies the raw score. Default: 1. */
  readonly gain: number;
}

/** Settings of {@link createRewardModel}. */
export interface RewardModelSettings {
  /** Trunk + scalar head (e.g. `loadScalarModel(dir)` of `@instructkit/tfjs`). */
  readonly model: ScalarModelV1;
  /** The model's tokenizer. */
  readonly tokenizer: TokenEncoder;
  /** Normalization from `computeRewardNormalization`. Default: `{ bias: 0, gain: 1 }`. */
  readonly normalization?: RewardNormalization;
  /** Sequences per forward pass. Default: 16. */
  readonly batchSize?: number;
  /** Padding side. Default: `right`. */
  readonly paddingSide?: PaddingSide;
  /** Longest sequence in tokens. Default: the model's context length. */
  readonly maxLength?: number;
  /** Identifies the reward model in logs. Default: the scalar model's `modelId`. */
  readonly modelId?: string;
}

/**
 * Wraps a scalar-head model as core's text-level `RewardModelV1` (text → tokens → scores →
 * `gain · raw + bias`), the contract PPO and the evals consume.
 *
 * @example
 * ```ts
 * const rewardModel = createRewardModel({ model: await loadScalarModel('runs/rm'), tokenizer, normalization });
 * const [score] = await rewardModel.doScore({ prompts: ['Q: 2+2?'], completions: [' 4'] });
 * ```
 */
export function createRewardModel(settings: RewardModelSettings): RewardModelV1 {
  const { bias, gain } = settings.normalization ?? { bias: 0, gain: 1 };
  return {
    specificationVersion: 'v1',
    modelId: settings.modelId ?? settings.model.modelId,
    async doScore(request: ScoreRequest): Promise<number[]> {
      const raw = await scoreCompletions({
        model: settings.model,
        tokenizer: settings.tokenizer,
        prompts: request.prompts,
        completions: request.completions,
        ...(settings.batchSize !== undefined ? { batchSize: settings.batchSize } : {}),
        ...(settings.paddingSide !== undefined ? { paddingSide: settings.paddingSide } : {}),
        ...(settings.maxLength !== undefined ? { maxLength: settings.maxLength } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      return raw.map((score) => gain * score + bias);
    },
  };
}
