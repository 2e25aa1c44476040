import type { SeededRandom } from './seeded-random';
import type { SimTask } from './sim-task';
import { synthesizeCompletion, SYNTHETIC_POLICIES, type SyntheticPolicy } from './synthetic-policies';

/** One completion to be ranked, with the policy that wrote it (`RankedCompletion` of `@instructkit/data`). */
export interface CandidateCompletion {
  /** Completion text. */
  readonly text: string;
  /** Synthetic policy that produced it. */
  readonly policy: SyntheticPolicy;
}

/**
 * Relative frequency of each synthetic policy among candidates, in
 * {@link SYNTHETIC_POLICIES} order: good and partly good answers are common, as
 * they would be from a mix of SFT and PPO models.
 */
export const CANDIDATE_POLICY_WEIGHTS: readonly number[] = [3, 3, 2, 1.5, 1.5, 1.5, 1, 1.5, 1.5];

/** Draws `count` completions of a task from the synthetic policies (repeats allowed). */
export function sampleCandidates(task: SimTask, count: number, random: SeededRandom): CandidateCompletion[] {
  return Array.from({ length: count }, () => {
    const policy = SYNTHETIC_POLICIES[random.weighted(CANDIDATE_POLICY_WEIGHTS)]!;
    return { text: synthesizeCompletion(task, policy, random), policy };
  });
}
