/**
 * How to pick each next token. Applied in this order: repetition penalty,
 * temperature, top-k, top-p, then a draw from the seeded RNG (or argmax when greedy).
 */
export interface SamplingOptions {
  /** Tokens to generate at most per row. Default: 64. */
  readonly maxNewTokens?: number;
  /** Softmax temperature; 0 means greedy. Default: 1. */
  readonly temperature?: number;
  /** Keep only the k most likely tokens; 0 disables. Default: 0. */
  readonly topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p; 1 disables. Default: 1. */
  readonly topP?: number;
  /** CTRL-style penalty (>1 discourages tokens already in the row). Default: 1 (off). */
  readonly repetitionPenalty?: number;
  /** Token ids that end a row (kept in the output). Default: the model's `eosTokenId`. */
  readonly eosTokenIds?: readonly number[];
  /** Token-id sequences that end a row when generated (kept in the output). Default: none. */
  readonly stopSequences?: readonly (readonly number[])[];
  /** Seed of the sampling RNG; same seed, model and prompts give the same tokens. Default: 0. */
  readonly seed?: number;
}

/** Why a row stopped. */
export type FinishReason = 'eos' | 'stop-sequence' | 'length';

/** One generated completion. */
export interface GeneratedSequence {
  /** The prompt's token ids (without padding). */
  readonly promptIds: Int32Array;
  /** Generated token ids, the EOS / stop tokens included when they ended the row. */
  readonly completionIds: Int32Array;
  /**
   * Log-probability of each generated token under the distribution it was sampled
   * from *before* temperature/top-k/top-p (the model's own distribution, what PPO needs).
   */
  readonly logprobs: Float32Array;
  /** Why generation stopped. */
  readonly finishReason: FinishReason;
}

/** A batch of prompts to complete. */
export interface GenerateRequest {
  /** Token ids of each prompt (unpadded; the generator pads). */
  readonly prompts: readonly Int32Array[];
  /** Sampling settings. */
  readonly sampling?: SamplingOptions;
  /** Rows decoded together. Default: all prompts at once. */
  readonly batchSize?: number;
  /** Aborts between decoding steps. */
  readonly signal?: AbortSignal;
}

/** Completions in prompt order. */
export interface GenerateResult {
  /** One entry per prompt. */
  readonly sequences: GeneratedSequence[];
}

/**
 * Anything that turns prompts into completions: the local sampling loop over a
 * `CausalLMV1`, an onnxruntime session, or a remote OpenAI-compatible server.
 * PPO's rollouts and the evals go through this contract, so engines are swappable.
 */
export interface GeneratorV1 {
  /** Contract version. */
  readonly specificationVersion: 'v1';
  /** Identifies the model that generates. */
  readonly modelId: string;
  /** Generates one completion per prompt. */
  doGenerate(request: GenerateRequest): Promise<GenerateResult>;
}
