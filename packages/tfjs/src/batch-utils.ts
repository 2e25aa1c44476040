import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type TokenBatch, type TransformerConfig } from '@instructkit/core';
import type { ForwardMode } from './model-family';

/**
 * Checks a batch's sizes, ids and mask against a config.
 * @throws {InvalidArgumentError} naming the field (`batch.ids[7]`) and what is wrong.
 */
export function validateBatch(batch: TokenBatch, config: TransformerConfig, field = 'batch'): void {
  const { batchSize, length, ids, attentionMask } = batch;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError(`${field}.batchSize`, `must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(length) || length < 1) throw new InvalidArgumentError(`${field}.length`, `must be a positive integer, got ${length}`);
  if (length > config.contextLength) {
    throw new InvalidArgumentError(`${field}.length`, `${length} exceeds the model's context length ${config.contextLength}`);
  }
  if (ids.length !== batchSize * length) throw new InvalidArgumentError(`${field}.ids`, `has ${ids.length} entries, expected batchSize·length = ${batchSize * length}`);
  if (attentionMask.length !== batchSize * length) {
    throw new InvalidArgumentError(`${field}.attentionMask`, `has ${attentionMask.length} entries, expected batchSize·length = ${batchSize * length}`);
  }
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index]!;
    if (!(id >= 0 && id < config.vocabSize)) throw new InvalidArgumentError(`${field}.ids[${index}]`, `token id ${id} is outside the vocabulary [0, ${config.vocabSize})`);
  }
}

/** Position ids `max(cumsum(mask) − 1, 0)` per row (Hugging Face convention), `[batch, length]`. */
export function positionIds(mask: Uint8Array, batchSize: number, length: number): Int32Array {
  const positions = new Int32Array(batchSize * length);
  for (let row = 0; row < batchSize; row++) {
    let count = 0;
    for (let index = 0; index < length; index++) {
      count += mask[row * length + index]! ? 1 : 0;
      positions[row * length + index] = Math.max(count - 1, 0);
    }
  }
  return positions;
}

/** Index of each row's last real token (the reward / EOS position); 0 for an all-padding row. */
export function lastTokenIndices(mask: Uint8Array, batchSize: number, length: number): Int32Array {
  const last = new Int32Array(batchSize);
  for (let row = 0; row < batchSize; row++) {
    for (let index = length - 1; index >= 0; index--) {
      if (mask[row * length + index]) {
        last[row] = index;
        break;
      }
    }
  }
  return last;
}

/** Non-pad tokens of a batch. */
export function countTokens(batch: TokenBatch): number {
  let count = 0;
  for (const value of batch.attentionMask) count += value ? 1 : 0;
  return count;
}

/** A 32-bit integer hash of integers (murmur3 finaliser over a running mix). */
export function hashIntegers(...values: number[]): number {
  let hash = 0x9e3779b9;
  for (const value of values) {
    hash = Math.imul(hash ^ (value >>> 0), 0x85ebca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 16;
  }
  return hash >>> 0;
}

/** Evaluation mode: dropout off. */
export const EVALUATION_MODE: ForwardMode = { training: false, dropout: (x) => x };

/**
 * A dropout keep-mask `[size]` holding `1 / (1 − rate)` for kept entries and 0 for dropped
 * ones, drawn on the host with mulberry32 from `seed`. Much faster than tfjs's seeded
 * `randomUniform` (seedrandom), and identical on every backend.
 */
export function dropoutMask(size: number, rate: number, seed: number): Float32Array {
  const mask = new Float32Array(size);
  const scale = 1 / (1 - rate);
  // Compare 32-bit integers: keep when u ≥ rate, u uniform in [0, 1).
  const threshold = Math.floor(rate * 4294967296);
  let state = seed >>> 0;
  for (let index = 0; index < size; index++) {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), state | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    if (((value ^ (value >>> 14)) >>> 0) >= threshold) mask[index] = scale;
  }
  return mask;
}

/**
 * Training mode with counter-based seeded dropout: the k-th dropout call of a forward
 * pass draws its mask from seed `hash(seed, step, microbatch, k)`, so the masks depend
 * only on (seed, step, microbatch) — which makes resuming from a checkpoint bitwise exact
 * without storing generator state.
 */
export function trainingMode(seed: number, step: number, microbatch: number): ForwardMode {
  let call = 0;
  return {
    training: true,
    dropout(x, rate) {
      if (rate <= 0) return x;
      call += 1;
      return tf.mul(x, tf.tensor(dropoutMask(x.size, rate, hashIntegers(seed, step, microbatch, call)), x.shape, 'float32'));
    },
  };
}
