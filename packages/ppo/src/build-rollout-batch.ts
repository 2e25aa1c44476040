import { InvalidArgumentError, type TokenBatch } from '@instructkit/core';

/** The token ids of one episode: a prompt and the response sampled for it. */
export interface Episode {
  /** Prompt token ids, unpadded. */
  readonly promptIds: Int32Array;
  /** Response token ids, unpadded (EOS included when the response ended with it). */
  readonly completionIds: Int32Array;
}

/** Episodes laid out as one padded batch, with the masks PPO needs. */
export interface RolloutBatch {
  /**
   * `[batchSize, promptWidth + responseWidth]`: each row is left padding, the prompt,
   * the response, right padding — so every prompt ends at column `promptWidth − 1`
   * and every response starts at column `promptWidth`.
   */
  readonly batch: TokenBatch;
  /** Width of the left-padded prompt block. */
  readonly promptWidth: number;
  /** `[batchSize, length − 1]`: 1 on actions whose target is a response token. */
  readonly actionMask: Uint8Array;
  /** `[batchSize]`: action index of each row's last response token (where the RM score lands). */
  readonly lastActionIndex: Int32Array;
  /** `[batchSize]`: response tokens per row. */
  readonly responseLengths: Int32Array;
}

/**
 * Lays out episodes with left-padded prompts and right-padded responses (InstructGPT
 * and TRL's layout). Response token j of row b sits at column `promptWidth + j`, so
 * under core's alignment convention it is action `promptWidth + j − 1`.
 *
 * @param episodes - One per row; every response must hold at least one token.
 * @param padTokenId - Id written in padding (masked out everywhere).
 * @throws InvalidArgumentError for an empty batch, an empty prompt or an empty response.
 * @example
 * const rollout = buildRolloutBatch(generated.sequences, config.padTokenId ?? config.eosTokenId ?? 0);
 */
export function buildRolloutBatch(episodes: readonly Episode[], padTokenId: number): RolloutBatch {
  if (episodes.length === 0) throw new InvalidArgumentError('episodes', 'is empty');
  let promptWidth = 0;
  let responseWidth = 0;
  episodes.forEach((episode, row) => {
    if (episode.promptIds.length === 0) throw new InvalidArgumentError(`episodes[${row}].promptIds`, 'is empty');
    if (episode.completionIds.length === 0) throw new InvalidArgumentError(`episodes[${row}].completionIds`, 'is empty');
    promptWidth = Math.max(promptWidth, episode.promptIds.length);
    responseWidth = Math.max(responseWidth, episode.completionIds.length);
  });
  const batchSize = episodes.length;
  const length = promptWidth + responseWidth;
  const ids = new Int32Array(batchSize * length).fill(padTokenId);
  const attentionMask = new Uint8Array(batchSize * length);
  const actionMask = new Uint8Array(batchSize * (length - 1));
  const lastActionIndex = new Int32Array(batchSize);
  const responseLengths = new Int32Array(batchSize);
  episodes.forEach((episode, row) => {
    const start = row * length + promptWidth - episode.promptIds.length;
    ids.set(episode.promptIds, start);
    ids.set(episode.completionIds, row * length + promptWidth);
    attentionMask.fill(1, start, row * length + promptWidth + episode.completionIds.length);
    const firstAction = row * (length - 1) + promptWidth - 1;
    actionMask.fill(1, firstAction, firstAction + episode.completionIds.length);
    lastActionIndex[row] = promptWidth - 2 + episode.completionIds.length;
    responseLengths[row] = episode.completionIds.length;
  });
  return {
    batch: { batchSize, length, ids, attentionMask },
    promptWidth,
    actionMask,
    lastActionIndex,
    responseLengths,
  };
}

/**
 * Places per-response-token numbers (e.g. the generator's log-probs, one per
 * completion token) at their action positions in a `[batchSize, length − 1]` array.
 *
 * @throws InvalidArgumentError when a row's array length differs from its response length.
 */
export function scatterResponseValues(rollout: RolloutBatch, perRow: readonly ArrayLike<number>[]): Float32Array {
  const actions = rollout.batch.length - 1;
  const scattered = new Float32Array(rollout.batch.batchSize * actions);
  perRow.forEach((values, row) => {
    if (values.length !== rollout.responseLengths[row]) {
      throw new InvalidArgumentError(`values[${row}]`, `has ${values.length} entries for ${rollout.responseLengths[row]} response tokens`);
    }
    for (let j = 0; j < values.length; j++) scattered[row * actions + rollout.promptWidth - 1 + j] = values[j]!;
  });
  return scattered;
}
