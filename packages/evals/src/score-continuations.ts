import { InvalidArgumentError, type CausalLMV1 } from '@instructkit/core';

/** The part of a tokenizer the evals need. */
export interface TextEncoderLike {
  /** Token ids of a text (no special tokens added). */
  encode(text: string): number[];
}

/** Log-likelihood of one continuation given its context. */
export interface ContinuationScore {
  /** Σ log p(continuation token | everything before it), in nats. */
  readonly logprob: number;
  /** Number of continuation tokens scored. */
  readonly tokens: number;
  /** Continuation length in characters (for length-normalised scores). */
  readonly characters: number;
}

/**
 * Scores continuations under a causal LM, the way lm-evaluation-harness does for
 * multiple-choice tasks: context and continuation are encoded separately, joined, the
 * context is truncated from the left to fit the model, and only continuation tokens count.
 *
 * @param options.batchSize Sequences per forward pass. Default: 16.
 * @throws InvalidArgumentError when a continuation encodes to no tokens or alone exceeds the context.
 */
export async function scoreContinuations(options: {
  model: CausalLMV1;
  tokenizer: TextEncoderLike;
  items: readonly { context: string; continuation: string }[];
  batchSize?: number;
}): Promise<ContinuationScore[]> {
  const { model, tokenizer, items } = options;
  const batchSize = options.batchSize ?? 16;
  const maxLength = model.config.contextLength;
  const padId = model.config.padTokenId ?? model.config.eosTokenId ?? 0;
  const encoded = items.map(({ context, continuation }, index) => {
    const continuationIds = tokenizer.encode(continuation);
    if (continuationIds.length === 0) {
      throw new InvalidArgumentError(`items[${index}].continuation`, 'encodes to no tokens');
    }
    if (continuationIds.length >= maxLength) {
      throw new InvalidArgumentError(`items[${index}].continuation`, `has ${continuationIds.length} tokens; the model's context is ${maxLength}`);
    }
    let contextIds = tokenizer.encode(context);
    // Keep at least one context token so the first continuation token has something to be predicted from.
    if (contextIds.length === 0) contextIds = [model.config.bosTokenId ?? model.config.eosTokenId ?? 0];
    const room = maxLength - continuationIds.length;
    if (contextIds.length > room) contextIds = contextIds.slice(contextIds.length - room);
    return { contextIds, continuationIds, characters: continuation.length };
  });
  const scores: ContinuationScore[] = [];
  for (let start = 0; start < encoded.length; start += batchSize) {
    const chunk = encoded.slice(start, start + batchSize);
    const length = Math.max(...chunk.map((row) => row.contextIds.length + row.continuationIds.length));
    const ids = new Int32Array(chunk.length * length).fill(padId);
    const attentionMask = new Uint8Array(chunk.length * length);
    chunk.forEach((row, b) => {
      const sequence = [...row.contextIds, ...row.continuationIds];
      ids.set(sequence, b * length);
      attentionMask.fill(1, b * length, b * length + sequence.length);
    });
    const { logprobs } = await model.doLogprobs({ batch: { batchSize: chunk.length, length, ids, attentionMask } });
    chunk.forEach((row, b) => {
      let sum = 0;
      // Action t predicts token t + 1: continuation tokens occupy positions contextLength … end.
      const first = row.contextIds.length - 1;
      for (let t = first; t < first + row.continuationIds.length; t++) sum += logprobs[b * (length - 1) + t]!;
      scores.push({ logprob: sum, tokens: row.continuationIds.length, characters: row.characters });
    });
  }
  return scores;
}

/**
 * Perplexity of a model on a corpus: exp of the mean next-token negative
 * log-likelihood over every predicted token, texts split into windows of the model's
 * context length. The alignment tax compares it across base, SFT and PPO models.
 */
export async function corpusPerplexity(options: {
  model: CausalLMV1;
  tokenizer: TextEncoderLike;
  texts: readonly string[];
  batchSize?: number;
}): Promise<{ perplexity: number; meanNll: number; tokens: number }> {
  const { model, tokenizer } = options;
  const window = model.config.contextLength;
  const padId = model.config.padTokenId ?? model.config.eosTokenId ?? 0;
  const windows: number[][] = [];
  for (const text of options.texts) {
    const ids = tokenizer.encode(text);
    for (let start = 0; start + 1 < ids.length; start += window - 1) windows.push(ids.slice(start, start + window));
  }
  const batchSize = options.batchSize ?? 16;
  let nll = 0;
  let tokens = 0;
  for (let start = 0; start < windows.length; start += batchSize) {
    const chunk = windows.slice(start, start + batchSize);
    const length = Math.max(...chunk.map((row) => row.length));
    const ids = new Int32Array(chunk.length * length).fill(padId);
    const attentionMask = new Uint8Array(chunk.length * length);
    chunk.forEach((row, b) => {
      ids.set(row, b * length);
      attentionMask.fill(1, b * length, b * length + row.length);
    });
    const { logprobs } = await model.doLogprobs({ batch: { batchSize: chunk.length, length, ids, attentionMask } });
    chunk.forEach((row, b) => {
      for (let t = 0; t < row.length - 1; t++) nll -= logprobs[b * (length - 1) + t]!;
      tokens += row.length - 1;
    });
  }
  const meanNll = tokens > 0 ? nll / tokens : Number.NaN;
  return { perplexity: Math.exp(meanNll), meanNll, tokens };
}
