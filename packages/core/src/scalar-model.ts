import type { TransformerConfig } from './model-config';
import type { TokenBatch } from './tensors';

/** Request to a scalar-head model (reward or value). */
export interface ScalarRequest {
  /** Sequences (prompt + completion), padded on either side. */
  readonly batch: TokenBatch;
  /**
   * `last`: one score per row, read at the row's last non-pad token (the EOS position).
   * `all`: one value per token (what a PPO value model needs). Default: `last`.
   */
  readonly positions?: 'last' | 'all';
}

/** Scores from a scalar-head model. */
export interface ScalarResult {
  /** `[batchSize]` for `last`, `[batchSize, length]` for `all` (0 at padding). */
  readonly scores: Float32Array;
}

/**
 * A transformer trunk with a scalar head instead of the unembedding: reward models
 * and PPO value models.
 */
export interface ScalarModelV1 {
  /** Contract version. */
  readonly specificationVersion: 'v1';
  /** Identifies the model in logs and reports. */
  readonly modelId: string;
  /** Trunk architecture. */
  readonly config: TransformerConfig;
  /** Runs the trunk and head. */
  doScore(request: ScalarRequest): Promise<ScalarResult>;
}
