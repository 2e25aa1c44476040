/**
 * A small seeded PRNG (mulberry32) whose whole state is one 32-bit integer. Local to
 * this package until `@instructkit/core` exports `createRng`; every draw the
 * generator makes goes through it, so the same seed gives the same bytes.
 */
export class SeededRandom {
  /** Current 32-bit state. */
  state: number;

  /** @param seed - Any integer (taken modulo 2^32). Default: 0. */
  constructor(seed = 0) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let mixed = this.state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** Integer in [low, high], both included. */
  range(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** True with probability `probability`. */
  chance(probability: number): boolean {
    return this.next() < probability;
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

  /** Standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Index drawn with probability proportional to `weights[index]`. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let target = this.next() * total;
    for (let index = 0; index < weights.length; index++) {
      target -= weights[index]!;
      if (target < 0) return index;
    }
    return weights.length - 1;
  }

  /** An independent generator derived from this one's next draw and a salt. */
  fork(salt: number): SeededRandom {
    return new SeededRandom((this.int(4294967296) ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  }
}
