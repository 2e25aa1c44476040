import { z } from 'zod';
import { IsoDateTime } from './iso-date-time';

/** Fewest completions a ranking may hold (InstructGPT shows labelers K = 4 … 9; pairs need 2). */
export const MIN_RANKED_COMPLETIONS = 2;
/** Most completions a ranking may hold (InstructGPT's K = 9). */
export const MAX_RANKED_COMPLETIONS = 9;

/** One completion shown to a labeler, with the policy that produced it. */
export const RankedCompletion = z.object({
  /** The completion text, without the prompt. */
  text: z.string(),
  /** Name of the model or source that wrote it, e.g. `sft-1.3b`, `ppo-ptx`, `human`. */
  policy: z.string().min(1),
});
/** One completion of a ranking (inferred from {@link RankedCompletion}). */
export type RankedCompletion = z.infer<typeof RankedCompletion>;

/**
 * The InstructGPT comparison format (§3.5): K completions of one prompt ranked by a
 * labeler. `order` lists completion indices best first, as groups of ties:
 * `[[2], [0, 3], [1]]` means 2 is best, 0 and 3 tie, 1 is worst. It must be a
 * permutation of `0 … K-1`. The reward model trains on all C(K,2) pairs minus ties.
 *
 * @example
 * ```json
 * {"promptId":"p-1","completions":[{"text":"A","policy":"sft"},{"text":"B","policy":"ppo"}],"order":[[1],[0]],"labelerId":"l-3"}
 * ```
 */
export const Ranking = z
  .object({
    /** `id` of the {@link Prompt} the completions answer. */
    promptId: z.string().min(1),
    /** The K completions shown (2 ≤ K ≤ 9). */
    completions: z.array(RankedCompletion).min(MIN_RANKED_COMPLETIONS).max(MAX_RANKED_COMPLETIONS),
    /** Completion indices, best first, grouped by ties; a permutation of 0 … K-1. */
    order: z.array(z.array(z.number().int().nonnegative()).min(1)).min(1),
    /** Who ranked them. */
    labelerId: z.string().min(1),
    /** When (ISO-8601). Default: absent. */
    createdAt: IsoDateTime.optional(),
  })
  .superRefine((ranking, context) => {
    const count = ranking.completions.length;
    const seen = new Set<number>();
    ranking.order.forEach((group, groupIndex) => {
      group.forEach((index, position) => {
        const path = ['order', groupIndex, position];
        if (index >= count) {
          context.addIssue({ code: 'custom', path, message: `index ${index} is out of range for ${count} completions` });
        } else if (seen.has(index)) {
          context.addIssue({ code: 'custom', path, message: `index ${index} appears more than once` });
        }
        seen.add(index);
      });
    });
    const missing = [...Array(count).keys()].filter((index) => !seen.has(index));
    if (missing.length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['order'],
        message: `expected a permutation of 0…${count - 1}; missing ${missing.join(', ')}`,
      });
    }
  });
/** A ranking record (inferred from the {@link Ranking} schema). */
export type Ranking = z.infer<typeof Ranking>;

/**
 * Rank of each completion of a ranking, 0 = best; tied completions share a rank
 * (the index of their group in `order`). The shape core's `RankingGroup.ranks` wants.
 */
export function ranksOf(ranking: Pick<Ranking, 'completions' | 'order'>): number[] {
  const ranks = new Array<number>(ranking.completions.length).fill(-1);
  ranking.order.forEach((group, groupIndex) => {
    for (const index of group) ranks[index] = groupIndex;
  });
  return ranks;
}
