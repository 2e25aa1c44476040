import { InvalidArgumentError, type TokenBatch } from '@instructkit/core';

/** Which end of a row padding goes to. */
export type PaddingSide = 'left' | 'right';

/**
 * Pads token rows to a common length into a `TokenBatch`.
 *
 * @param rows - Unpadded token ids, at least one token each.
 * @param padTokenId - Id written at padded positions (masked out, so any valid id works).
 * @param side - Where padding goes. Default: `right`.
 * @throws InvalidArgumentError for an empty list or an empty row.
 */
export function padRows(rows: readonly ArrayLike<number>[], padTokenId: number, side: PaddingSide = 'right'): TokenBatch {
  if (rows.length === 0) throw new InvalidArgumentError('rows', 'expected at least one row');
  const length = Math.max(...rows.map((row) => row.length));
  const ids = new Int32Array(rows.length * length).fill(padTokenId);
  const attentionMask = new Uint8Array(rows.length * length);
  rows.forEach((row, index) => {
    if (row.length === 0) throw new InvalidArgumentError(`rows[${index}]`, 'is empty; a scored sequence needs at least one token');
    const offset = index * length + (side === 'left' ? length - row.length : 0);
    for (let position = 0; position < row.length; position++) {
      ids[offset + position] = row[position]!;
      attentionMask[offset + position] = 1;
    }
  });
  return { batchSize: rows.length, length, ids, attentionMask };
}
