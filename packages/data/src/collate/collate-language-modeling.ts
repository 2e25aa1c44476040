import type { LanguageModelingTask, TokenBatch } from '@instructkit/core';
import { InvalidArgumentError } from '@instructkit/core';
import { checkPositiveInteger, checkSequences, type TokenMask } from './check-sequences';

/** Settings of {@link collateLanguageModeling}. */
export interface CollateLanguageModelingOptions {
  /** Id written into padding positions (masked out by `attentionMask`). */
  readonly padTokenId: number;
  /** Longest row in tokens; longer sequences lose their end. Default: the longest sequence. */
  readonly maxLength?: number;
  /**
   * Per-token masks, one per sequence and as long as it: 1 where the token is a target
   * of the loss (SFT: the assistant/completion tokens). Default: every token.
   */
  readonly lossMasks?: readonly TokenMask[];
}

/**
 * Right-pads token sequences into a {@link LanguageModelingTask} for pretraining or SFT.
 * `lossMask` is `[batchSize, length - 1]` in core's action alignment: entry t is 1
 * when token t+1 is a real token whose own per-token mask is 1, so the first token of
 * a row is never a target and padding never is.
 *
 * @param sequences - Token ids per example, each non-empty.
 * @param options - Pad id, length cap and per-token loss masks.
 * @returns `{ kind: 'language-modeling', batch, lossMask }`.
 * @throws InvalidArgumentError on empty input, bad ids, masks of the wrong length, or a length below 2.
 * @example
 * ```ts
 * const { ids, assistantMask } = tokenizer.renderChat(messages);
 * const task = collateLanguageModeling([ids], { padTokenId: 0, lossMasks: [assistantMask] });
 * ```
 */
export function collateLanguageModeling(sequences: readonly (readonly number[])[], options: CollateLanguageModelingOptions): LanguageModelingTask {
  checkSequences('sequences', sequences, options.lossMasks);
  checkPositiveInteger('maxLength', options.maxLength);
  const longest = Math.max(...sequences.map((sequence) => sequence.length));
  const length = Math.min(longest, options.maxLength ?? longest);
  if (length < 2) throw new InvalidArgumentError('sequences', 'language modeling needs rows of at least 2 tokens');
  const batchSize = sequences.length;
  const ids = new Int32Array(batchSize * length).fill(options.padTokenId);
  const attentionMask = new Uint8Array(batchSize * length);
  const lossMask = new Uint8Array(batchSize * (length - 1));
  sequences.forEach((sequence, row) => {
    const used = Math.min(sequence.length, length);
    const tokenMask = options.lossMasks?.[row];
    for (let position = 0; position < used; position += 1) {
      ids[row * length + position] = sequence[position]!;
      attentionMask[row * length + position] = 1;
      // Action position-1 predicts this token.
      if (position > 0 && (tokenMask === undefined || tokenMask[position] === 1)) lossMask[row * (length - 1) + position - 1] = 1;
    }
  });
  const batch: TokenBatch = { batchSize, length, ids, attentionMask };
  return { kind: 'language-modeling', batch, lossMask };
}
