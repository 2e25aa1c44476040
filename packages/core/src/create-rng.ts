import { InvalidArgumentError } from './errors';

/** Serializable state of an `Rng`: four 32-bit words of xoshiro128**. */
export interface RngState {
  /** Algorithm tag, checked by `setState`. */
  readonly algorithm: 'xoshiro128**';
  /** The generator's four state words, unsigned 32-bit. */
  readonly state: readonly [number, number, number, number];
}

/**
 * A seeded pseudo-random generator (xoshiro128**, Blackman & Vigna). Only 32-bit
 * integer arithmetic is used, so a seed gives the same stream on every platform and
 * Node version. Not cryptographic.
 */
export interface Rng {
  /** Uniform double in [0, 1) with 53 random bits (consumes two 32-bit outputs). */
  next(): number;
  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (bias below 2^-21 for the largest n). */
  nextInt(n: number): number;
  /** Standard normal draw (Box–Muller; consumes two `next()` values, the second value of the pair is not cached). */
  normal(): number;
  /** Next raw unsigned 32-bit output. */
  nextUint32(): number;
  /** A copy of the state; `setState` on it resumes the exact stream (store it in checkpoints). */
  getState(): RngState;
  /** Restores a state from `getState`. @throws {InvalidArgumentError} a malformed state. */
  setState(state: RngState): void;
}

/** splitmix32: spreads a small seed over the full state, as the xoshiro authors recommend. */
function splitmix32(seed: number): () => number {
  let value = seed >>> 0;
  return () => {
    value = (value + 0x9e3779b9) >>> 0;
    let mixed = value;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
    return (mixed ^ (mixed >>> 16)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;

/**
 * Creates a seeded generator. `stream` selects an independent sequence for the same
 * seed (e.g. one per prompt, so results do not depend on how prompts are batched).
 *
 * @param seed - Any integer (taken modulo 2^32). Default: 0.
 * @param stream - Independent stream index, integer. Default: 0.
 * @throws {InvalidArgumentError} a non-integer seed or stream.
 * @example
 * const rng = createRng(42);
 * const saved = rng.getState();
 * const first = rng.next();
 * rng.setState(saved);
 * rng.next() === first; // true
 */
export function createRng(seed = 0, stream = 0): Rng {
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('seed', `must be an integer, got ${seed}`);
  if (!Number.isInteger(stream)) throw new InvalidArgumentError('stream', `must be an integer, got ${stream}`);
  // Mix seed and stream through splitmix so nearby seeds and streams give unrelated states.
  const seeder = splitmix32((splitmix32(seed % TWO_POW_32)() ^ Math.imul(stream % TWO_POW_32, 0x27d4eb2f)) >>> 0);
  const words = new Uint32Array([seeder(), seeder(), seeder(), seeder()]);
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0) words[0] = 1; // the all-zero state is a fixed point

  const nextUint32 = (): number => {
    const s0 = words[0]!;
    const s1 = words[1]!;
    const s2 = words[2]!;
    const s3 = words[3]!;
    const rotated = Math.imul(s1, 5);
    const result = Math.imul((rotated << 7) | (rotated >>> 25), 9) >>> 0;
    const shifted = (s1 << 9) >>> 0;
    let t2 = s2 ^ s0;
    let t3 = s3 ^ s1;
    const t1 = s1 ^ t2;
    const t0 = s0 ^ t3;
    t2 ^= shifted;
    t3 = (t3 << 11) | (t3 >>> 21);
    words[0] = t0;
    words[1] = t1;
    words[2] = t2;
    words[3] = t3;
    return result;
  };

  const next = (): number => {
    const high = nextUint32() >>> 5; // 27 bits
    const low = nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  };

  return {
    next,
    nextUint32,
    nextInt(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new InvalidArgumentError('n', `must be an integer in [1, 2^32], got ${n}`);
      return Math.floor(next() * n);
    },
    normal(): number {
      // 1 - u keeps the logarithm's argument in (0, 1].
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      return radius * Math.cos(2 * Math.PI * next());
    },
    getState(): RngState {
      return { algorithm: 'xoshiro128**', state: [words[0]!, words[1]!, words[2]!, words[3]!] };
    },
    setState(state: RngState): void {
      if (
        state?.algorithm !== 'xoshiro128**' ||
        !Array.isArray(state.state) ||
        state.state.length !== 4 ||
        !state.state.every((word) => Number.isInteger(word) && word >= 0 && word < TWO_POW_32) ||
        state.state.every((word) => word === 0)
      ) {
        throw new InvalidArgumentError('state', `is not an xoshiro128** state: ${JSON.stringify(state)}`);
      }
      words.set(state.state);
    },
  };
}
