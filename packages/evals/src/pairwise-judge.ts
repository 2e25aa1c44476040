import type { RewardModelV1 } from '@instructkit/core';

/** One comparison to judge: is completion `a` better than `b` as an answer to `prompt`? */
export interface Comparison {
  /** The prompt both completions answer. */
  readonly prompt: string;
  /** Completion of model A. */
  readonly a: string;
  /** Completion of model B. */
  readonly b: string;
}

/**
 * A verdict in [0, 1]: 1 = A wins, 0 = B wins, 0.5 = tie; fractions express a
 * judge's uncertainty (or the average of both presentation orders).
 */
export type Verdict = number;

/**
 * Decides pairwise preferences: the sim task's gold labeler, a reward model, a
 * human through the labeling app, or any function. Win rates are computed from it.
 */
export interface PairwiseJudgeV1 {
  /** Contract version. */
  readonly specificationVersion: 'v1';
  /** Name shown in reports (`gold`, `reward-model`, `human`). */
  readonly judgeId: string;
  /** One verdict per comparison, in order. */
  doJudge(comparisons: readonly Comparison[]): Promise<Verdict[]>;
}

/**
 * A judge that scores both completions with a text-level reward (a trained reward
 * model, a remote scorer, or a gold scorer) and prefers the higher score.
 *
 * @param rewardModel Scores (prompt, completion) pairs.
 * @param options.tieTolerance Score differences at most this large count as ties. Default: 1e-6.
 * @param options.judgeId Name in reports. Default: the reward model's id.
 */
export function createRewardJudge(
  rewardModel: RewardModelV1,
  options: { tieTolerance?: number; judgeId?: string } = {},
): PairwiseJudgeV1 {
  const tieTolerance = options.tieTolerance ?? 1e-6;
  return {
    specificationVersion: 'v1',
    judgeId: options.judgeId ?? rewardModel.modelId,
    async doJudge(comparisons) {
      const prompts = comparisons.flatMap((c) => [c.prompt, c.prompt]);
      const completions = comparisons.flatMap((c) => [c.a, c.b]);
      const scores = await rewardModel.doScore({ prompts, completions });
      return comparisons.map((_, i) => {
        const difference = scores[2 * i]! - scores[2 * i + 1]!;
        if (Math.abs(difference) <= tieTolerance) return 0.5;
        return difference > 0 ? 1 : 0;
      });
    },
  };
}

/** A judge from a plain function, e.g. a custom heuristic or an LLM-as-judge call. */
export function createFunctionJudge(
  judgeId: string,
  judge: (comparison: Comparison) => Verdict | Promise<Verdict>,
): PairwiseJudgeV1 {
  return {
    specificationVersion: 'v1',
    judgeId,
    async doJudge(comparisons) {
      const verdicts: Verdict[] = [];
      for (const comparison of comparisons) verdicts.push(await judge(comparison));
      return verdicts;
    },
  };
}
