import type { Rng } from '@instructkit/core';
import { I32, MAX_PAGES, PAGE_BYTES, V128, i32x4, kernelModuleBytes, lazyKernelModule, op, sleb, v128, v128Load, v128Store, webAssembly } from '../wasm/encode-wasm';

/**
 * Fills a dropout keep-mask (`keepValue` = keep, 0 = drop) from four xoshiro128** streams
 * (Blackman & Vigna) seeded with sixteen words drawn from `rng`, so the masks are a pure function
 * of the training RNG state (saved in checkpoints). Each round advances the four streams once;
 * each 32-bit output decides two elements from its 16-bit halves — stream j the elements
 * 8k + j (low half) and 8k + 4 + j (high half) — so the drop probability is rounded to a
 * multiple of 1/65536 (0.1 → 0.100006). This is the scalar reference of the SIMD filler
 * (`createDropoutMaskBuffers`), which computes the four streams in the four lanes of one
 * vector and writes the same values. The training graphs take float masks holding the
 * inverted-dropout scale, `keepValue` = 1/(1 − p).
 *
 * @param keepValue - Value written for kept elements. Default: 1.
 */
export function fillDropoutMask(mask: Uint8Array | Float32Array, probability: number, rng: Rng, keepValue = 1): void {
  const seeds = drawSeeds(rng);
  const threshold = Math.round(probability * 65536);
  const length = mask.length;
  for (let lane = 0; lane < 4; lane++) {
    let s0 = seeds[lane]!;
    let s1 = seeds[4 + lane]!;
    let s2 = seeds[8 + lane]!;
    let s3 = seeds[12 + lane]!;
    for (let base = lane; base < length; base += 8) {
      // xoshiro128**, 32-bit arithmetic only.
      const product = Math.imul(s1, 5);
      const result = Math.imul((product << 7) | (product >>> 25), 9) >>> 0;
      const shifted = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= shifted;
      s3 = (s3 << 11) | (s3 >>> 21);
      mask[base] = (result & 0xffff) >= threshold ? keepValue : 0;
      if (base + 4 < length) mask[base + 4] = result >>> 16 >= threshold ? keepValue : 0;
    }
  }
}

/** Sixteen seed words, word-major as the SIMD kernel loads them: s0 of streams 0–3, then s1, s2, s3. */
function drawSeeds(rng: Rng): Uint32Array {
  const seeds = new Uint32Array(16);
  for (let lane = 0; lane < 4; lane++) {
    // A xoshiro state must not be all zeros.
    seeds[lane] = rng.nextUint32() | 1;
    for (let word = 1; word < 4; word++) seeds[4 * word + lane] = rng.nextUint32();
  }
  return seeds;
}

/** The dropout masks of one compiled objective, filled in place. */
export interface DropoutMaskBuffers {
  /** One float mask per requested size, in order (views that stay valid for the buffers' life). */
  readonly masks: readonly Float32Array[];
  /** Refills mask `index` as `fillDropoutMask` would. */
  fill(index: number, probability: number, rng: Rng, keepValue: number): void;
}

/**
 * `masks(offset, rounds, threshold, keepBits)`: from the four streams whose state lies word-major
 * at bytes 0–63, writes `rounds` × 8 floats from byte `offset` — the loop of `fillDropoutMask`,
 * four streams per vector.
 */
function maskModuleBytes(): Uint8Array {
  const [offset, rounds, threshold, keepBits] = [0, 1, 2, 3];
  const [cursor, end] = [4, 5];
  const [s0, s1, s2, s3, product, result, thresholds, keeps, lowBits, five, nine, shifted] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  const get = (local: number) => [op.localGet, local];
  const set = (local: number) => [op.localSet, local];
  const constant = (value: number) => [op.i32Const, ...sleb(value)];
  const rotateLeft = (local: number, bits: number) => [...get(local), ...constant(bits), ...i32x4.shl, ...get(local), ...constant(32 - bits), ...i32x4.shrU, ...v128.or];
  const xorInto = (target: number, source: number) => [...get(target), ...get(source), ...v128.xor, ...set(target)];
  const decide = (value: number[]) => [...value, ...get(thresholds), ...i32x4.geU, ...get(keeps), ...v128.and];
  const body = [
    ...[s0, s1, s2, s3].flatMap((local, word) => [...constant(16 * word), ...v128Load, ...set(local)]),
    ...get(threshold), ...i32x4.splat, ...set(thresholds),
    ...get(keepBits), ...i32x4.splat, ...set(keeps),
    ...constant(0xffff), ...i32x4.splat, ...set(lowBits),
    ...constant(5), ...i32x4.splat, ...set(five),
    ...constant(9), ...i32x4.splat, ...set(nine),
    ...get(offset), ...set(cursor),
    ...get(offset), ...get(rounds), ...constant(32), op.i32Mul, op.i32Add, ...set(end),
    op.block, 0x40,
    op.loop, 0x40,
    ...get(cursor), ...get(end), op.i32GeU, op.brIf, 1,
    ...get(s1), ...get(five), ...i32x4.mul, ...set(product),
    ...rotateLeft(product, 7), ...get(nine), ...i32x4.mul, ...set(result),
    ...get(s1), ...constant(9), ...i32x4.shl, ...set(shifted),
    ...xorInto(s2, s0), ...xorInto(s3, s1), ...xorInto(s1, s2), ...xorInto(s0, s3), ...xorInto(s2, shifted),
    ...rotateLeft(s3, 11), ...set(s3),
    ...get(cursor), ...decide([...get(result), ...get(lowBits), ...v128.and]), ...v128Store,
    ...get(cursor), ...constant(16), op.i32Add, ...decide([...get(result), ...constant(16), ...i32x4.shrU]), ...v128Store,
    ...get(cursor), ...constant(32), op.i32Add, ...set(cursor),
    op.br, 0,
    op.end,
    op.end,
  ];
  return kernelModuleBytes('masks', [I32, I32, I32, I32], [I32, I32, ...new Array<number>(12).fill(V128)], body);
}

// Null without WebAssembly SIMD in this runtime: the JavaScript filler is used.
const maskModule = lazyKernelModule(maskModuleBytes);

/**
 * Float dropout masks of the given sizes in one WebAssembly memory, filled eight elements per
 * SIMD round (5–6× the scalar loop), or plain arrays filled by `fillDropoutMask` where
 * WebAssembly SIMD is missing or the masks exceed its 4 GiB. Either way the values are those of
 * `fillDropoutMask`.
 */
export function createDropoutMaskBuffers(sizes: readonly number[]): DropoutMaskBuffers {
  const module = maskModule();
  // Bytes 0–63 hold the stream states; each mask is padded to whole rounds of 8 floats.
  const capacities = sizes.map((size) => Math.ceil(size / 8) * 8);
  const totalBytes = 64 + 4 * capacities.reduce((sum, capacity) => sum + capacity, 0);
  const pages = Math.ceil(totalBytes / PAGE_BYTES);
  if (module && webAssembly && pages <= MAX_PAGES) {
    try {
      const memory = new webAssembly.Memory({ initial: pages, maximum: pages });
      const fill = new webAssembly.Instance(module, { env: { memory } }).exports.masks as (offset: number, rounds: number, threshold: number, keepBits: number) => void;
      const seeds = new Uint32Array(memory.buffer, 0, 16);
      const keepBits = new Float32Array(1);
      const keepBitsView = new Int32Array(keepBits.buffer);
      const offsets: number[] = [];
      let next = 64;
      const masks = sizes.map((size, index) => {
        offsets.push(next);
        const mask = new Float32Array(memory.buffer, next, size);
        next += 4 * capacities[index]!;
        return mask;
      });
      return {
        masks,
        fill(index, probability, rng, keepValue) {
          seeds.set(drawSeeds(rng));
          keepBits[0] = keepValue;
          fill(offsets[index]!, capacities[index]! / 8, Math.round(probability * 65536), keepBitsView[0]!);
        },
      };
    } catch {
      // Fall through to plain arrays.
    }
  }
  const masks = sizes.map((size) => new Float32Array(size));
  return { masks, fill: (index, probability, rng, keepValue) => fillDropoutMask(masks[index]!, probability, rng, keepValue) };
}
