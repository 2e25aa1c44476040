import type { TokenBatch } from '@instructkit/core';
import { checkPositiveInteger, checkSequences } from './check-sequences';

/** Settings of {@link collatePrompts}. */
export interface CollatePromptsOptions {
  /** Id written into padding positions (masked out by `attentionMask`). */
  readonly padTokenId: number;
  /** Longest row in tokens; longer prompts keep their last `maxLength` tokens. Default: the longest prompt. */
  readonly maxLength?: number;
}

/**
 * Left-pads prompts into a {@link TokenBatch} for generation, so every row's next token
 * is appended at the same position.
 *
 * @throws InvalidArgumentError on empty input or bad ids.
 */
export function collatePrompts(prompts: readonly (readonly number[])[], options: CollatePromptsOptions): TokenBatch {
  checkSequences('prompts', prompts);
  checkPositiveInteger('maxLength', options.maxLength);
  const longest = Math.max(...prompts.map((prompt) => prompt.length));
  const length = Math.min(longest, options.maxLength ?? longest);
  const batchSize = prompts.length;
  const ids = new Int32Array(batchSize * length).fill(options.padTokenId);
  const attentionMask = new Uint8Array(batchSize * length);
  prompts.forEach((prompt, row) => {
    // Keep the end of an over-long prompt: generation continues from it.
    const kept = prompt.slice(Math.max(0, prompt.length - length));
    const offset = row * length + (length - kept.length);
    for (let index = 0; index < kept.length; index += 1) {
      ids[offset + index] = kept[index]!;
      attentionMask[offset + index] = 1;
    }
  });
  return { batchSize, length, ids, attentionMask };
}
