import { InvalidArgumentError } from '@instructkit/core';
import type { TokenEncoder } from './token-encoder';

/** Settings of {@link encodeScoredSequence}. */
export interface EncodeScoredSequenceSettings {
  /** Appended after the completion so the score is read at the EOS position. Default: none appended. */
  readonly eosTokenId?: number;
  /** Longest sequence in tokens; the prompt is cut from the left to fit. Default: unlimited. */
  readonly maxLength?: number;
}

/**
 * Token ids of prompt + completion (+ EOS), the sequence a reward model scores. When too long,
 * the oldest prompt tokens are dropped first: the score is read at the end, which must survive.
 * A completion that alone does not fit keeps its first `maxLength − 1` tokens and the EOS.
 *
 * @throws InvalidArgumentError when `maxLength` is below 2.
 */
export function encodeScoredSequence(
  tokenizer: TokenEncoder,
  prompt: string,
  completion: string,
  settings: EncodeScoredSequenceSettings = {},
): Int32Array {
  const promptIds = Array.from(tokenizer.encode(prompt));
  const completionIds = Array.from(tokenizer.encode(completion));
  if (settings.eosTokenId !== undefined) completionIds.push(settings.eosTokenId);
  const maxLength = settings.maxLength ?? Number.POSITIVE_INFINITY;
  if (!(maxLength >= 2)) throw new InvalidArgumentError('maxLength', `must be ≥ 2, got ${maxLength}`);
  if (completionIds.length > maxLength) {
    const kept = completionIds.slice(0, maxLength - (settings.eosTokenId !== undefined ? 1 : 0));
    if (settings.eosTokenId !== undefined) kept.push(settings.eosTokenId);
    return Int32Array.from(kept);
  }
  const keptPrompt = promptIds.slice(Math.max(0, promptIds.length + completionIds.length - maxLength));
  return Int32Array.from([...keptPrompt, ...completionIds]);
}
