import type { TokenBatch } from './tensors';

/**
 * Alignment convention shared by every task and by `LogprobsResult`: "action" t
 * (t = 0 … length-2) is the token at position t+1, predicted from the state at
 * position t. Arrays described as `[batchSize, length - 1]` use that indexing.
 */

/**
 * Next-token cross-entropy, averaged over the target positions selected by
 * `lossMask` across the whole batch. Pretraining selects every real token; SFT
 * selects only completion (assistant) tokens.
 */
export interface LanguageModelingTask {
  readonly kind: 'language-modeling';
  /** Input sequences. */
  readonly batch: TokenBatch;
  /** `[batchSize, length - 1]`: 1 where action t (token t+1) contributes to the loss. */
  readonly lossMask: Uint8Array;
}

/** The completions of one prompt and their ranking, for `RankingTask`. */
export interface RankingGroup {
  /** Rows of the batch holding this prompt's completions (prompt + completion each). */
  readonly rows: readonly number[];
  /** Rank of each row, 0 = best; equal ranks are ties, whose pairs are dropped. */
  readonly ranks: readonly number[];
  /** Optional margin m subtracted inside the sigmoid: -log σ(r_w − r_l − m). Default: 0. */
  readonly margin?: number;
}

/**
 * InstructGPT Eq. 1: each prompt's C(K,2) comparisons form one batch element.
 * loss = mean over groups of −1/#pairs Σ_{rank(w) < rank(l)} log σ(r_w − r_l),
 * where r is the scalar head read at each row's last non-pad token. Every row is
 * forwarded exactly once per step. Metric `accuracy`: fraction of pairs with r_w > r_l.
 */
export interface RankingTask {
  readonly kind: 'ranking';
  /** All completions of all groups. */
  readonly batch: TokenBatch;
  /** One group per prompt; K may differ between groups (2 … 9). */
  readonly groups: readonly RankingGroup[];
}

/**
 * PPO clipped surrogate (Schulman et al. 2017) over response tokens:
 * ratio = exp(logπ − logπ_old); loss = mean_masked(max(−A·ratio, −A·clip(ratio, 1−ε, 1+ε)))
 * − entropyCoefficient · mean_masked(entropy). Metrics: `policyLoss`, `clipFraction`
 * (fraction of actions where the clipped term is the larger, i.e. clipping is active —
 * TRL's `pg_clipfrac`), `approxKl` (mean of ((ratio − 1) − log ratio)), `entropy`.
 */
export interface PolicyTask {
  readonly kind: 'ppo-policy';
  /** Query + response sequences. */
  readonly batch: TokenBatch;
  /** `[batchSize, length - 1]`: 1 on actions that are response tokens. */
  readonly actionMask: Uint8Array;
  /** `[batchSize, length - 1]`: log-probs of the actions when they were sampled. */
  readonly oldLogprobs: Float32Array;
  /** `[batchSize, length - 1]`: advantages (already whitened if desired). */
  readonly advantages: Float32Array;
  /** ε of the clipped ratio. Default: 0.2. */
  readonly clipRange?: number;
  /** Weight of the entropy bonus. Default: 0. */
  readonly entropyCoefficient?: number;
}

/**
 * PPO clipped value loss: 0.5 · mean_masked(max((V − R)², (clip(V, V_old ± ε) − R)²)).
 * The value of action t is the scalar head at position t. Metric: `clipFraction`.
 */
export interface ValueTask {
  readonly kind: 'ppo-value';
  /** Query + response sequences. */
  readonly batch: TokenBatch;
  /** `[batchSize, length - 1]`: 1 on actions that are response tokens. */
  readonly actionMask: Uint8Array;
  /** `[batchSize, length - 1]`: return targets R. */
  readonly returns: Float32Array;
  /** `[batchSize, length - 1]`: values when the rollout was made. */
  readonly oldValues: Float32Array;
  /** ε of the value clipping. Default: 0.2. */
  readonly clipRange?: number;
}

/** Σ weight_i · loss_i in one backward pass: PPO-ptx is policy + γ · language modeling. */
export interface WeightedSumTask {
  readonly kind: 'weighted-sum';
  /** The terms; metrics come back prefixed with each term's `name`. */
  readonly terms: readonly { readonly name: string; readonly weight: number; readonly task: TrainingTask }[];
}

/**
 * An engine-specific objective for research use, written in that engine's own
 * tensor language; engines that do not know `name` throw `UnsupportedError`.
 */
export interface CustomTask {
  readonly kind: 'custom';
  /** Identifier the engine recognises. */
  readonly name: string;
  /** Whatever that objective needs. */
  readonly payload: unknown;
}

/** An objective together with the batch it is computed on. Engines implement every kind but `custom`. */
export type TrainingTask =
  | LanguageModelingTask
  | RankingTask
  | PolicyTask
  | ValueTask
  | WeightedSumTask
  | CustomTask;
