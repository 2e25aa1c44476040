import { InvalidArgumentError, type ScalarModelV1 } from '@instructkit/core';
import { encodeScoredSequence } from './encode-scored-sequence';
import { padRows, type PaddingSide } from './pad-rows';
import type { TokenEncoder } from './token-encoder';

/** Settings of {@link scoreCompletions}. */
export interface ScoreCompletionsSettings {
  /** The reward model: a trunk with a scalar head. */
  readonly model: ScalarModelV1;
  /** Turns texts into the model's token ids. */
  readonly tokenizer: TokenEncoder;
  /** Prompt texts (rendered with the chat template, if any). */
  readonly prompts: readonly string[];
  /** `completions[i]` answers `prompts[i]`. */
  readonly completions: readonly string[];
  /** Sequences per forward pass. Default: 16. */
  readonly batchSize?: number;
  /** Padding side of the batches. Default: `right`. */
  readonly paddingSide?: PaddingSide;
  /** Longest sequence in tokens; prompts are cut from the left. Default: the model's context length. */
  readonly maxLength?: number;
  /** Appended after each completion; the score is read there. Default: `model.config.eosTokenId`; `null` appends nothing. */
  readonly eosTokenId?: number | null;
  /** Aborts between batches. */
  readonly signal?: AbortSignal;
}

/**
 * Raw reward-model scores of prompt–completion pairs, one per pair, read at each sequence's
 * last non-pad token (the appended EOS). Sequences are batched by similar length to waste
 * little on padding; results come back in input order.
 *
 * @throws InvalidArgumentError when the two lists differ in length or `batchSize` < 1.
 * @example
 * ```ts
 * const scores = await scoreCompletions({ model, tokenizer, prompts: ['Q: 2+2?'], completions: [' 4'] });
 * ```
 */
export async function scoreCompletions(settings: ScoreCompletionsSettings): Promise<number[]> {
  const { model, prompts, completions } = settings;
  if (prompts.length !== completions.length) {
    throw new InvalidArgumentError('completions', `has ${completions.length} entries for ${prompts.length} prompts`);
  }
  const batchSize = settings.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('batchSize', `must be an integer ≥ 1, got ${batchSize}`);
  const eosTokenId = settings.eosTokenId === null ? undefined : (settings.eosTokenId ?? model.config.eosTokenId);
  const padTokenId = model.config.padTokenId ?? model.config.eosTokenId ?? 0;
  const maxLength = settings.maxLength ?? model.config.contextLength;
  const sequences = prompts.map((prompt, index) =>
    encodeScoredSequence(settings.tokenizer, prompt, completions[index]!, { maxLength, ...(eosTokenId !== undefined ? { eosTokenId } : {}) }),
  );
  const order = sequences.map((_, index) => index).sort((a, b) => sequences[a]!.length - sequences[b]!.length);
  const scores = new Array<number>(sequences.length);
  for (let start = 0; start < order.length; start += batchSize) {
    settings.signal?.throwIfAborted();
    const indices = order.slice(start, start + batchSize);
    const batch = padRows(indices.map((index) => sequences[index]!), padTokenId, settings.paddingSide ?? 'right');
    const result = await model.doScore({ batch, positions: 'last' });
    indices.forEach((index, row) => {
      scores[index] = result.scores[row]!;
    });
  }
  return scores;
}
