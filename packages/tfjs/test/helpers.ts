import type { TokenBatch, TransformerConfig } from '@instructkit/core';

/** A tiny GPT-2 for numeric checks: every test model is built from it. */
export function tinyConfig(overrides: Partial<TransformerConfig> = {}): TransformerConfig {
  return {
    architecture: 'gpt2',
    vocabSize: 13,
    contextLength: 12,
    hiddenSize: 8,
    numLayers: 2,
    numHeads: 2,
    dropout: { embedding: 0, attention: 0, residual: 0 },
    eosTokenId: 12,
    ...overrides,
  };
}

/** Deterministic pseudo-random integers (mulberry32). */
export function randomIntegers(seed: number): (limit: number) => number {
  let state = seed >>> 0;
  return (limit) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return Math.floor((((value ^ (value >>> 14)) >>> 0) / 4294967296) * limit);
  };
}

/** A batch with `padding[i]` pad tokens on the left (negative: on the right) of row i. */
export function randomBatch(seed: number, batchSize: number, length: number, vocabSize: number, padding: readonly number[] = [], padId = vocabSize - 1): TokenBatch {
  const next = randomIntegers(seed);
  const ids = new Int32Array(batchSize * length);
  const attentionMask = new Uint8Array(batchSize * length);
  for (let row = 0; row < batchSize; row++) {
    const pad = padding[row] ?? 0;
    for (let index = 0; index < length; index++) {
      const isPad = pad >= 0 ? index < pad : index >= length + pad;
      ids[row * length + index] = isPad ? padId : next(vocabSize - 1);
      attentionMask[row * length + index] = isPad ? 0 : 1;
    }
  }
  return { batchSize, length, ids, attentionMask };
}

/** `[batch, length − 1]` mask of actions whose target is a real token. */
export function realTargetMask(batch: TokenBatch): Uint8Array {
  const mask = new Uint8Array(batch.batchSize * (batch.length - 1));
  for (let row = 0; row < batch.batchSize; row++) {
    // An action counts when both its context position and its target are real tokens (core's contract).
    for (let step = 0; step < batch.length - 1; step++) {
      mask[row * (batch.length - 1) + step] = batch.attentionMask[row * batch.length + step]! & batch.attentionMask[row * batch.length + step + 1]!;
    }
  }
  return mask;
}
