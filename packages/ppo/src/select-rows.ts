import type { TokenBatch } from '@instructkit/core';

/**
 * Copies the given rows of a token batch and of per-row arrays shaped
 * `[batchSize, width]` (any width), keeping the batch length, so minibatches keep
 * the rollout's padding layout.
 */
export function selectRows(batch: TokenBatch, rows: readonly number[]): TokenBatch {
  const { length } = batch;
  const ids = new Int32Array(rows.length * length);
  const attentionMask = new Uint8Array(rows.length * length);
  rows.forEach((row, index) => {
    ids.set(batch.ids.subarray(row * length, (row + 1) * length), index * length);
    attentionMask.set(batch.attentionMask.subarray(row * length, (row + 1) * length), index * length);
  });
  return { batchSize: rows.length, length, ids, attentionMask };
}

/** Copies the given rows of a row-major `[batchSize, width]` array. */
export function selectRowValues<T extends Float32Array | Uint8Array>(values: T, width: number, rows: readonly number[]): T {
  const selected = new (values.constructor as new (size: number) => T)(rows.length * width);
  rows.forEach((row, index) => selected.set(values.subarray(row * width, (row + 1) * width), index * width));
  return selected;
}
