import type { RatingFlags } from '@instructkit/data';
import { goldLikert } from './gold-score';

/** Flag names: the data package's `RatingFlags` keys, which evals' `RatingFlag` also uses. */
export type GoldRaterFlag = keyof RatingFlags;

/** One gold rating: Likert 1–7 and the flags that were judged. */
export interface GoldRating {
  /** 1 … 7. */
  readonly likert: number;
  /** Every flag; `satisfiesConstraint` only for prompts with a constraint. */
  readonly flags: Readonly<Partial<Record<GoldRaterFlag, boolean>>>;
}

/** A rater with the shape of `@instructkit/evals`' `RaterV1`, backed by {@link goldLikert}. */
export interface GoldRater {
  readonly specificationVersion: 'v1';
  /** Name in reports: `sim-gold`. */
  readonly raterId: string;
  /** One rating per (prompt, completion), in order. @throws InvalidArgumentError for a prompt with no sim task. */
  doRate(items: readonly { prompt: string; completion: string }[]): Promise<GoldRating[]>;
}

/**
 * The gold labeler as a Likert rater for `summarizeRatings` in `@instructkit/evals`
 * (structurally its `RaterV1`; this package does not depend on evals).
 *
 * @example
 * ```ts
 * const summary = await summarizeRatings({ rater: createGoldRater(), items, random });
 * ```
 */
export function createGoldRater(): GoldRater {
  return {
    specificationVersion: 'v1',
    raterId: 'sim-gold',
    async doRate(items) {
      return items.map(({ prompt, completion }) => {
        const { likert, flags } = goldLikert(prompt, completion);
        const { satisfiesConstraint, ...rest } = flags;
        // `satisfiesConstraint` is null for prompts without a constraint: leave it unreported.
        return { likert, flags: { ...rest, ...(satisfiesConstraint === null ? {} : { satisfiesConstraint }) } };
      });
    },
  };
}
