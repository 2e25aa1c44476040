import { InvalidArgumentError, type LanguageModelingTask } from '@instructkit/core';

/**
 * Builds a pretraining `LanguageModelingTask` from token sequences: right-padded,
 * every real next token is a target (PPO-ptx's pretraining term).
 *
 * @param sequences - Token ids; each needs at least two tokens to contribute a target.
 * @param padTokenId - Id written in padding.
 * @param maxLength - Sequences are cut to this many tokens (the model's context). Default: no cut.
 * @throws InvalidArgumentError when no sequence has two tokens.
 */
export function buildLanguageModelingTask(
  sequences: readonly ArrayLike<number>[],
  padTokenId: number,
  maxLength = Number.POSITIVE_INFINITY,
): LanguageModelingTask {
  const length = Math.min(maxLength, Math.max(0, ...sequences.map((sequence) => sequence.length)));
  if (length < 2) throw new InvalidArgumentError('pretrainingCorpus', 'needs sequences of at least 2 tokens');
  const batchSize = sequences.length;
  const ids = new Int32Array(batchSize * length).fill(padTokenId);
  const attentionMask = new Uint8Array(batchSize * length);
  const lossMask = new Uint8Array(batchSize * (length - 1));
  sequences.forEach((sequence, row) => {
    const used = Math.min(length, sequence.length);
    for (let t = 0; t < used; t++) ids[row * length + t] = sequence[t]!;
    attentionMask.fill(1, row * length, row * length + used);
    if (used > 1) lossMask.fill(1, row * (length - 1), row * (length - 1) + used - 1);
  });
  return { kind: 'language-modeling', batch: { batchSize, length, ids, attentionMask }, lossMask };
}
