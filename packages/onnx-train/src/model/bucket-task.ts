import type { TokenBatch, TrainingTask } from '@instructkit/core';
import { countTokens } from './prepare-task';

/** How task shapes are rounded up so that batches of similar size share one compiled session. */
export interface TaskBuckets {
  /** Sequence length is rounded up to a multiple of this (never past `maxLength`). */
  readonly lengthMultiple: number;
  /** Rows are rounded up to a multiple of this. */
  readonly rowMultiple: number;
  /** The model's context length. */
  readonly maxLength: number;
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/**
 * Pads a task's batch to bucketed `[rows, length]`, so that a trainer whose batches vary in
 * length and row count (rankings of K = 4…9 completions, PPO responses, unpacked SFT) compiles a
 * handful of sessions instead of one per step — each compiled session holds its own graph and
 * memory. Padding changes no result: extra positions are masked (attention 0) at the end of
 * each row, where causal attention never reads them; extra rows hold one real token and carry
 * no loss weight, no action and no ranking pair; per-position arrays are extended with zeros.
 * Rows keep their indices, so ranking groups are unchanged.
 */
export function bucketTask(task: TrainingTask, buckets: TaskBuckets): TrainingTask {
  if (task.kind === 'custom') return task;
  if (task.kind === 'weighted-sum') return { ...task, terms: task.terms.map((term) => ({ ...term, task: bucketTask(term.task, buckets) })) };
  const { batchSize, length } = task.batch;
  const rows = roundUp(batchSize, Math.max(1, buckets.rowMultiple));
  const paddedLength = Math.max(length, Math.min(buckets.maxLength, roundUp(length, Math.max(1, buckets.lengthMultiple))));
  if (rows === batchSize && paddedLength === length) return task;
  const batch = padBatch(task.batch, rows, paddedLength);
  const actions = (values: ArrayLike<number>) => padActions(values, batchSize, length, rows, paddedLength);
  switch (task.kind) {
    case 'language-modeling':
      return { ...task, batch, lossMask: actions(task.lossMask) as typeof task.lossMask };
    case 'ppo-policy':
      return {
        ...task,
        batch,
        actionMask: actions(task.actionMask) as typeof task.actionMask,
        oldLogprobs: actions(task.oldLogprobs) as typeof task.oldLogprobs,
        advantages: actions(task.advantages) as typeof task.advantages,
      };
    case 'ppo-value':
      return {
        ...task,
        batch,
        actionMask: actions(task.actionMask) as typeof task.actionMask,
        returns: actions(task.returns) as typeof task.returns,
        oldValues: actions(task.oldValues) as typeof task.oldValues,
      };
    case 'ranking':
      return { ...task, batch };
  }
}

/** Real (attended) tokens of a task's batches: what throughput counts, padding excluded. */
export function realTokens(task: TrainingTask): number {
  if (task.kind === 'custom') return 0;
  if (task.kind === 'weighted-sum') return task.terms.reduce((sum, term) => sum + realTokens(term.task), 0);
  return countTokens(task.batch);
}

function padBatch(batch: TokenBatch, rows: number, length: number): TokenBatch {
  const ids = new Int32Array(rows * length);
  const attentionMask = new Uint8Array(rows * length);
  for (let row = 0; row < batch.batchSize; row++) {
    ids.set(batch.ids.subarray(row * batch.length, (row + 1) * batch.length), row * length);
    attentionMask.set(batch.attentionMask.subarray(row * batch.length, (row + 1) * batch.length), row * length);
  }
  // A padding row attends to one token of its own, so no softmax sees only masked keys.
  for (let row = batch.batchSize; row < rows; row++) attentionMask[row * length] = 1;
  return { batchSize: rows, length, ids, attentionMask };
}

/** `[rows, length - 1]` per-action arrays: the original entries, zeros elsewhere. */
function padActions(values: ArrayLike<number>, batchSize: number, length: number, rows: number, paddedLength: number): Float32Array | Uint8Array {
  const padded = values instanceof Uint8Array ? new Uint8Array(rows * (paddedLength - 1)) : new Float32Array(rows * (paddedLength - 1));
  for (let row = 0; row < batchSize; row++) {
    for (let action = 0; action < length - 1; action++) padded[row * (paddedLength - 1) + action] = values[row * (length - 1) + action]!;
  }
  return padded;
}
