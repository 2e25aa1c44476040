/**
 * A small seeded PRNG (mulberry32) whose whole state is one 32-bit integer, so PPO
 * checkpoints can store it and a resumed run draws the same prompts and minibatches.
 */
export class SeededRandom {
  /** Current 32-bit state; save it and pass it back to the constructor to resume. */
  state: number;

  /** @param seed - Any integer. Default: 0. */
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
  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** A new array with `0 … count-1` in random order (Fisher–Yates). */
  permutation(count: number): number[] {
    const order = Array.from({ length: count }, (_, index) => index);
    for (let index = count - 1; index > 0; index--) {
      const other = this.nextInt(index + 1);
      [order[index], order[other]] = [order[other]!, order[index]!];
    }
    return order;
  }
}
