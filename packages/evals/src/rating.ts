import type { RatingFlags } from '@instructkit/data';
import { bootstrapMeanInterval } from './confidence-interval';

/** The paper's metadata flags for a completion (InstructGPT Table 3), as named by `@instructkit/data`. */
export type RatingFlag = keyof RatingFlags;

/** What a rater says about one completion. */
export interface RatingResult {
  /** Overall quality on the paper's 1–7 Likert scale. */
  readonly likert: number;
  /** Flags that apply. Absent flags are false; `satisfiesConstraint` only counts when the prompt has a constraint. */
  readonly flags: Readonly<Partial<Record<RatingFlag, boolean>>>;
}

/**
 * Rates single completions: the sim task's gold labeler, a human in the labeling
 * app, or a model-based rater.
 */
export interface RaterV1 {
  /** Contract version. */
  readonly specificationVersion: 'v1';
  /** Name shown in reports. */
  readonly raterId: string;
  /** One rating per (prompt, completion), in order. */
  doRate(items: readonly { prompt: string; completion: string }[]): Promise<RatingResult[]>;
}

/** Likert and flag statistics of one model's completions. */
export interface RatingSummary {
  /** Mean Likert score. */
  readonly meanLikert: number;
  /** 95% bootstrap interval of the mean. */
  readonly ciLow: number;
  readonly ciHigh: number;
  /** Count of each Likert value 1..7 (index 0 is score 1). */
  readonly histogram: readonly number[];
  /** Fraction of completions with each flag set (over the items where the rater reported it). */
  readonly flagRates: Readonly<Partial<Record<RatingFlag, number>>>;
  /** Completions rated. */
  readonly n: number;
}

/**
 * Rates every completion and summarises: mean Likert with a bootstrap interval, the
 * 1–7 histogram, and each flag's rate.
 *
 * @param options.random Seeded uniform source for the bootstrap.
 */
export async function summarizeRatings(options: {
  rater: RaterV1;
  items: readonly { prompt: string; completion: string }[];
  random: () => number;
}): Promise<RatingSummary & { ratings: RatingResult[] }> {
  const ratings = await options.rater.doRate(options.items);
  const histogram = new Array<number>(7).fill(0);
  const flagCounts = new Map<RatingFlag, { set: number; reported: number }>();
  for (const rating of ratings) {
    const bucket = Math.min(7, Math.max(1, Math.round(rating.likert))) - 1;
    histogram[bucket]!++;
    for (const [flag, value] of Object.entries(rating.flags) as [RatingFlag, boolean | undefined][]) {
      if (value === undefined) continue;
      const entry = flagCounts.get(flag) ?? { set: 0, reported: 0 };
      entry.reported++;
      if (value) entry.set++;
      flagCounts.set(flag, entry);
    }
  }
  const interval = bootstrapMeanInterval(
    ratings.map((rating) => rating.likert),
    { random: options.random },
  );
  const flagRates: Partial<Record<RatingFlag, number>> = {};
  for (const [flag, { set, reported }] of flagCounts) flagRates[flag] = set / reported;
  return {
    meanLikert: interval.mean,
    ciLow: interval.ciLow,
    ciHigh: interval.ciHigh,
    histogram,
    flagRates,
    n: ratings.length,
    ratings,
  };
}
