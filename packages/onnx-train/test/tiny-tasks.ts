import type { TokenBatch, TrainingTask, TransformerConfig } from '@instructkit/core';
import { createRng } from '@instructkit/core';

/** A tiny GPT-2 for whole-graph checks (no dropout unless asked). */
export const tinyConfig = (dropout = 0): TransformerConfig => ({
  architecture: 'gpt2',
  vocabSize: 11,
  contextLength: 8,
  hiddenSize: 8,
  numLayers: 2,
  numHeads: 2,
  dropout: { embedding: dropout, attention: dropout, residual: dropout },
});

/** Rows of random tokens; row r has `padding[r]` pad tokens on the `side`. */
export function paddedBatch(batchSize: number, length: number, seed: number, padding: readonly number[] = [], side: 'left' | 'right' = 'right', vocabSize = 11): TokenBatch {
  const rng = createRng(seed);
  const ids = new Int32Array(batchSize * length);
  const attentionMask = new Uint8Array(batchSize * length);
  for (let row = 0; row < batchSize; row++) {
    const pads = padding[row] ?? 0;
    for (let index = 0; index < length; index++) {
      const isPad = side === 'right' ? index >= length - pads : index < pads;
      ids[row * length + index] = isPad ? 0 : rng.nextInt(vocabSize);
      attentionMask[row * length + index] = isPad ? 0 : 1;
    }
  }
  return { batchSize, length, ids, attentionMask };
}

/** `[batch, length − 1]` mask: actions whose target is a real token, from `start` on. */
export function actionMask(batch: TokenBatch, start = 0): Uint8Array {
  const mask = new Uint8Array(batch.batchSize * (batch.length - 1));
  for (let row = 0; row < batch.batchSize; row++) {
    for (let step = start; step < batch.length - 1; step++) mask[row * (batch.length - 1) + step] = batch.attentionMask[row * batch.length + step + 1]!;
  }
  return mask;
}

/** Seeded values in [−scale, scale). */
export function randomValues(count: number, seed: number, scale: number, offset = 0): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => offset + (rng.next() * 2 - 1) * scale);
}

/** One task of every kind on the tiny config (the `oldLogprobs` of the policy are given). */
export function tinyTasks(oldLogprobs: Float32Array): Record<string, TrainingTask> {
  const lmBatch = paddedBatch(3, 6, 1, [0, 2, 1]);
  const policyBatch = paddedBatch(2, 7, 2, [2, 0], 'left');
  const valueBatch = paddedBatch(2, 6, 3, [0, 1]);
  const rankingBatch = paddedBatch(5, 5, 4, [0, 1, 2, 0, 1], 'left');
  const policy: TrainingTask = {
    kind: 'ppo-policy',
    batch: policyBatch,
    actionMask: actionMask(policyBatch, 3),
    oldLogprobs,
    advantages: randomValues(2 * 6, 5, 1),
    clipRange: 0.2,
    entropyCoefficient: 0.05,
  };
  const languageModeling: TrainingTask = { kind: 'language-modeling', batch: lmBatch, lossMask: actionMask(lmBatch, 1) };
  return {
    'language-modeling': languageModeling,
    'ppo-policy': policy,
    'ppo-value': {
      kind: 'ppo-value',
      batch: valueBatch,
      actionMask: actionMask(valueBatch, 2),
      returns: randomValues(2 * 5, 6, 1),
      oldValues: randomValues(2 * 5, 7, 0.5),
      clipRange: 0.2,
    },
    ranking: {
      kind: 'ranking',
      batch: rankingBatch,
      groups: [
        { rows: [0, 1, 2], ranks: [1, 0, 2] },
        { rows: [3, 4], ranks: [0, 0] },
        { rows: [4, 3], ranks: [1, 0], margin: 0.5 },
      ],
    },
    'weighted-sum': {
      kind: 'weighted-sum',
      terms: [
        { name: 'policy', weight: 1, task: policy },
        { name: 'ptx', weight: 0.7, task: languageModeling },
      ],
    },
  };
}
