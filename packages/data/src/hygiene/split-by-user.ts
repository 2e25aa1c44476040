import { InvalidArgumentError } from '@instructkit/core';
import type { Prompt } from '../records/prompt';
import { seededHash } from './seeded-hash';

/** Settings of {@link splitByUser}. */
export interface SplitByUserOptions<T> {
  /** Target share of items in each split; must sum to 1. Default: `{ train: 0.8, valid: 0.1, test: 0.1 }`. */
  readonly fractions?: { readonly train: number; readonly valid: number; readonly test: number };
  /** Seed of the assignment. Default: 0. */
  readonly seed?: number;
  /** User of an item. Default: a {@link Prompt}'s `userId`. */
  readonly userId?: (item: T) => string;
}

/** Result of {@link splitByUser}: the items of each split, in input order, plus who went where. */
export interface UserSplit<T> {
  readonly train: T[];
  readonly valid: T[];
  readonly test: T[];
  /** Split of each user id. */
  readonly assignment: Map<string, 'train' | 'valid' | 'test'>;
}

/**
 * Splits items into train / validation / test so that no user appears in two splits
 * (InstructGPT §3.2 splits by user id so that evaluation prompts come from users the
 * model never saw). Users are ordered by a seeded hash and filled into the splits by
 * item count, so the shares of items track `fractions` closely; the result depends
 * only on the set of items and the seed, not on their order.
 *
 * @throws InvalidArgumentError when fractions are negative or do not sum to 1.
 */
export function splitByUser<T = Prompt>(items: readonly T[], options: SplitByUserOptions<T> = {}): UserSplit<T> {
  const fractions = options.fractions ?? { train: 0.8, valid: 0.1, test: 0.1 };
  const total = fractions.train + fractions.valid + fractions.test;
  if ([fractions.train, fractions.valid, fractions.test].some((fraction) => !(fraction >= 0)) || Math.abs(total - 1) > 1e-9) {
    throw new InvalidArgumentError('fractions', `expected three non-negative shares summing to 1, got ${JSON.stringify(fractions)}`);
  }
  const seed = options.seed ?? 0;
  const userOf = options.userId ?? ((item: T) => (item as unknown as Prompt).userId);
  const counts = new Map<string, number>();
  for (const item of items) counts.set(userOf(item), (counts.get(userOf(item)) ?? 0) + 1);
  const users = [...counts.keys()].sort((left, right) => seededHash(seed, left) - seededHash(seed, right) || (left < right ? -1 : 1));
  const assignment = new Map<string, 'train' | 'valid' | 'test'>();
  const trainEnd = fractions.train * items.length;
  const validEnd = (fractions.train + fractions.valid) * items.length;
  let filled = 0;
  for (const user of users) {
    // Place each user by the midpoint of their items on the cumulative scale.
    const middle = filled + counts.get(user)! / 2;
    assignment.set(user, middle < trainEnd ? 'train' : middle < validEnd ? 'valid' : 'test');
    filled += counts.get(user)!;
  }
  const split: UserSplit<T> = { train: [], valid: [], test: [], assignment };
  for (const item of items) split[assignment.get(userOf(item))!].push(item);
  return split;
}
