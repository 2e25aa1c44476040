import type { TransformerConfig } from './model-config';
import type { TokenBatch } from './tensors';

/**
 * Request for a full-sequence forward pass. Position ids are derived from the
 * attention mask (`cumsum(mask) - 1`, clamped at 0, the Hugging Face convention), so
 * left- and right-padded batches give the same results for their real tokens.
 */
export interface LogprobsRequest {
  /** Sequences to score. */
  readonly batch: TokenBatch;
  /** Also return the full-vocabulary entropy at each position. Default: false. */
  readonly includeEntropy?: boolean;
}

/** Per-token log-probabilities of a batch under a causal LM. */
export interface LogprobsResult {
  /**
   * `[batchSize, length - 1]`: entry (b, t) is log p(ids[b, t+1] | ids[b, 0..t]).
   * Entries whose target (t+1) or context position (t) is padding are 0 — so the first
   * real token of a left-padded row, which has nothing real to be predicted from, is 0 too.
   */
  readonly logprobs: Float32Array;
  /** `[batchSize, length - 1]` entropy (nats) of the distribution at position t, when requested. */
  readonly entropy?: Float32Array;
}

/** Request for raw logits of every position. */
export interface LogitsRequest {
  /** Sequences to run. */
  readonly batch: TokenBatch;
}

/** Logits of every position, `[batchSize, length, vocabSize]`. */
export interface LogitsResult {
  /** Row-major `[batchSize, length, vocabSize]`. */
  readonly logits: Float32Array;
}

/**
 * An incremental decoding session holding a key/value cache. Created by
 * `CausalLMV1.doStartDecoding`; the caller must `dispose()` it.
 */
export interface DecodeSession {
  /** Rows in the session (fixed at creation). */
  readonly batchSize: number;
  /**
   * Appends one token per row and returns the next-token logits, `[batchSize, vocabSize]`.
   * Rows that already finished still receive a token (usually the pad id) and are ignored by the caller.
   */
  step(tokens: Int32Array): Promise<Float32Array>;
  /** Releases the cache (tensors, ORT values). Idempotent. */
  dispose(): void;
}

/** Request that starts incremental decoding from a (left-padded) prompt batch. */
export interface StartDecodingRequest {
  /** Prompts, left-padded so that every row's last real token is at the end. */
  readonly batch: TokenBatch;
  /** Upper bound of tokens that will be appended (lets engines preallocate the cache). */
  readonly maxNewTokens: number;
}

/** The prompt's last-position logits and the session to continue from. */
export interface StartDecodingResult {
  /** `[batchSize, vocabSize]` logits for the first new token. */
  readonly logits: Float32Array;
  /** Session positioned after the prompt. */
  readonly session: DecodeSession;
}

/**
 * A causal language model: scores token sequences and decodes incrementally.
 * Implemented by every inference engine (tfjs, onnxruntime, remote). The sampling
 * loop (`generate` in this package) is written once on top of it.
 */
export interface CausalLMV1 {
  /** Contract version; switch on it to narrow. */
  readonly specificationVersion: 'v1';
  /** Identifies the model in logs and reports (a path, a hub id, `policy@step-120`). */
  readonly modelId: string;
  /** Architecture of the model. */
  readonly config: TransformerConfig;
  /** Per-token log-probs of the given sequences. */
  doLogprobs(request: LogprobsRequest): Promise<LogprobsResult>;
  /** Logits of every position. Engines may throw `UnsupportedError` for large vocabularies. */
  doLogits(request: LogitsRequest): Promise<LogitsResult>;
  /** Runs the prompt and returns a session that decodes with a KV cache. */
  doStartDecoding(request: StartDecodingRequest): Promise<StartDecodingResult>;
}
