import { InvalidArgumentError } from '@instructkit/core';
import type { Prompt } from '../records/prompt';
import { seededHash } from './seeded-hash';

/** Settings of {@link capPerUser}. */
export interface CapPerUserOptions<T> {
  /** Most items kept per user. Default: 200 (InstructGPT §3.2). */
  readonly maxPerUser?: number;
  /** Seed of the choice. Default: 0. */
  readonly seed?: number;
  /** User of an item. Default: a {@link Prompt}'s `userId`. */
  readonly userId?: (item: T) => string;
  /** Stable identity of an item, hashed to choose. Default: a {@link Prompt}'s `id`. */
  readonly itemId?: (item: T) => string;
}

/**
 * Keeps at most `maxPerUser` prompts per user (InstructGPT §3.2 limits each user to
 * 200 prompts). Which ones is decided by a seeded hash of each item's id, so the
 * choice is deterministic for a seed and does not depend on input order; the kept
 * items stay in input order.
 *
 * @throws InvalidArgumentError when `maxPerUser` is not a non-negative integer.
 */
export function capPerUser<T = Prompt>(items: readonly T[], options: CapPerUserOptions<T> = {}): T[] {
  const maxPerUser = options.maxPerUser ?? 200;
  if (!Number.isInteger(maxPerUser) || maxPerUser < 0) throw new InvalidArgumentError('maxPerUser', `expected a non-negative integer, got ${maxPerUser}`);
  const seed = options.seed ?? 0;
  const userOf = options.userId ?? ((item: T) => (item as unknown as Prompt).userId);
  const idOf = options.itemId ?? ((item: T) => (item as unknown as Prompt).id);
  const byUser = new Map<string, number[]>();
  items.forEach((item, index) => {
    const user = userOf(item);
    const indices = byUser.get(user);
    if (indices) indices.push(index);
    else byUser.set(user, [index]);
  });
  const keep = new Uint8Array(items.length);
  for (const indices of byUser.values()) {
    if (indices.length <= maxPerUser) {
      for (const index of indices) keep[index] = 1;
      continue;
    }
    const ranked = indices
      .map((index) => ({ index, hash: seededHash(seed, idOf(items[index]!)), id: idOf(items[index]!) }))
      // Ties (equal hashes) fall back to the id, so the choice never depends on position.
      .sort((left, right) => left.hash - right.hash || (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
    for (const { index } of ranked.slice(0, maxPerUser)) keep[index] = 1;
  }
  return items.filter((_, index) => keep[index] === 1);
}
