import type { LanguageModelingTask } from '@instructkit/core';
import { InvalidArgumentError } from '@instructkit/core';
import { checkSequences, type TokenMask } from './check-sequences';

/** Settings of {@link packSequences}. */
export interface PackSequencesOptions {
  /** Tokens per packed row. */
  readonly length: number;
  /** Token appended after every sequence (usually end-of-text). */
  readonly separatorId: number;
  /** Id of the padding at the end of rows that are not full. Default: `separatorId`. */
  readonly padTokenId?: number;
  /**
   * Per-token loss masks, one per sequence. The separator after a sequence inherits
   * the mask of the sequence's last token, so the end of an assistant answer is
   * learned. Default: every token.
   */
  readonly lossMasks?: readonly TokenMask[];
}

/** Result of {@link packSequences}: the task plus where each token came from. */
export interface PackedSequences {
  /** Language-modeling task over the packed rows (`lossMask` is `[rows, length - 1]`). */
  readonly task: LanguageModelingTask;
  /** `[rows, length]`: index of the input sequence each position holds, -1 for padding. */
  readonly segmentIds: Int32Array;
  /** How many sequences were cut to fit a row (their tail is lost). */
  readonly truncated: number;
}

/**
 * Packs SFT examples into rows of exactly `length` tokens (first-fit decreasing: the
 * longest example goes first into the first row with room), each followed by
 * `separatorId`; sequences are never split across rows, and ones too long for a row
 * are truncated. Loss masks travel with their tokens, and `segmentIds` lets an engine
 * keep attention within an example if it supports that.
 *
 * @throws InvalidArgumentError on bad input or a `length` below 2.
 */
export function packSequences(sequences: readonly (readonly number[])[], options: PackSequencesOptions): PackedSequences {
  checkSequences('sequences', sequences, options.lossMasks);
  const { length, separatorId } = options;
  if (!Number.isInteger(length) || length < 2) throw new InvalidArgumentError('length', `expected an integer ≥ 2, got ${length}`);
  let truncated = 0;
  const items = sequences.map((sequence, index) => {
    const mask = options.lossMasks?.[index];
    const tokens = [...sequence, separatorId];
    const tokenMask = mask === undefined ? tokens.map(() => 1) : [...mask, mask[mask.length - 1]!];
    if (tokens.length > length) {
      truncated += 1;
      tokens.length = length;
      tokenMask.length = length;
    }
    return { index, tokens, tokenMask };
  });
  const order = [...items].sort((left, right) => right.tokens.length - left.tokens.length || left.index - right.index);
  const rows: { used: number; items: typeof items }[] = [];
  for (const item of order) {
    let row = rows.find((candidate) => candidate.used + item.tokens.length <= length);
    if (!row) {
      row = { used: 0, items: [] };
      rows.push(row);
    }
    row.items.push(item);
    row.used += item.tokens.length;
  }
  const batchSize = rows.length;
  const ids = new Int32Array(batchSize * length).fill(options.padTokenId ?? separatorId);
  const attentionMask = new Uint8Array(batchSize * length);
  const segmentIds = new Int32Array(batchSize * length).fill(-1);
  const lossMask = new Uint8Array(batchSize * (length - 1));
  rows.forEach((row, rowIndex) => {
    let position = 0;
    for (const item of row.items) {
      item.tokens.forEach((token, offset) => {
        const at = rowIndex * length + position + offset;
        ids[at] = token;
        attentionMask[at] = 1;
        segmentIds[at] = item.index;
        if (position + offset > 0 && item.tokenMask[offset] === 1) lossMask[rowIndex * (length - 1) + position + offset - 1] = 1;
      });
      position += item.tokens.length;
    }
  });
  return { task: { kind: 'language-modeling', batch: { batchSize, length, ids, attentionMask }, lossMask }, segmentIds, truncated };
}
