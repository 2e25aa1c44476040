import { InstructKitError, InvalidArgumentError, type RewardModelV1 } from '@instructkit/core';
import { goldScore } from './gold-score';

/** Settings of {@link createGoldRewardModel}. */
export interface GoldRewardModelSettings {
  /** Name in logs and reports. Default: `sim-gold`. */
  readonly modelId?: string;
}

/**
 * The sim task's gold judge as a text-level reward model (core's `RewardModelV1`):
 * each (prompt, completion) scores its {@link goldScore} in [0, 1]. For evaluations
 * (win rates against a gold judge) and for oracle-reward experiments.
 *
 * @example
 * ```ts
 * const judge = createGoldRewardModel();
 * await judge.doScore({ prompts: ['What is 2 plus 3?'], completions: ['5 <end>'] }); // [1]
 * ```
 */
export function createGoldRewardModel(settings: GoldRewardModelSettings = {}): RewardModelV1 {
  return {
    specificationVersion: 'v1',
    modelId: settings.modelId ?? 'sim-gold',
    async doScore(request) {
      if (request.prompts.length !== request.completions.length) {
        throw new InvalidArgumentError(
          'completions',
          `expected one completion per prompt, got ${request.completions.length} for ${request.prompts.length} prompts`,
        );
      }
      return request.prompts.map((prompt, index) => {
        if (request.signal?.aborted) throw new InstructKitError('aborted', 'scoring was aborted');
        try {
          return goldScore(prompt, request.completions[index]!).score;
        } catch (error) {
          if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`prompts[${index}]`, error.message, { cause: error });
          throw error;
        }
      });
    },
  };
}
