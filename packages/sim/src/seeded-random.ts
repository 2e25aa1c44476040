import { createRng, type Rng } from '@instructkit/core';

/**
 * The sim generator's random source: core's seeded `createRng` (xoshiro128**) with the
 * draws a data generator needs (`pick`, `sample`, `weighted`, …). Every draw goes
 * through it, so the same seed gives the same bytes on every platform.
 */
export class SeededRandom {
  private readonly rng: Rng;

  /**
   * @param seed - Any integer (taken modulo 2^32). Default: 0.
   * @param stream - Independent stream for the same seed. Default: 0.
   */
  constructor(seed = 0, stream = 0) {
    this.rng = createRng(seed, stream);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.rng.next();
  }

  /** Integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.rng.next() * bound);
  }

  /** Integer in [low, high], both included. */
  range(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** True with probability `probability`. */
  chance(probability: number): boolean {
    return this.rng.next() < probability;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** `count` distinct elements in random order (partial Fisher–Yates). */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const chosen: T[] = [];
    for (let index = 0; index < count && pool.length > 0; index++) {
      const at = this.int(pool.length);
      chosen.push(pool[at]!);
      pool[at] = pool[pool.length - 1]!;
      pool.pop();
    }
    return chosen;
  }

  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[] {
    return this.sample(items, items.length);
  }

  /** Standard normal draw. */
  normal(): number {
    return this.rng.normal();
  }

  /** Index drawn with probability proportional to `weights[index]`. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let target = this.rng.next() * total;
    for (let index = 0; index < weights.length; index++) {
      target -= weights[index]!;
      if (target < 0) return index;
    }
    return weights.length - 1;
  }
}
