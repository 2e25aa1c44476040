import * as tf from '@tensorflow/tfjs-core';
import {
  InvalidArgumentError,
  UnsupportedError,
  type TokenBatch,
  type TrainingTask,
  type TransformerConfig,
  type RankingTask,
} from '@instructkit/core';
import { countTokens, lastTokenIndices, validateBatch } from './batch-utils';
import type { ForwardMode } from './model-family';
import { embeddingLookup, matMul, softmaxEntropy, targetLogprobs } from './ops';

/** What an objective needs from a model: the trunk and its head. */
export interface ObjectiveModel {
  /** `causal-lm` models have an unembedding; `scalar` models a score head. */
  readonly kind: 'causal-lm' | 'scalar';
  /** Architecture. */
  readonly config: TransformerConfig;
  /** Trunk output flattened to `[batch·length, hidden]`. */
  hiddenStates(batch: TokenBatch, mode: ForwardMode): tf.Tensor2D;
  /** Logits `[n, vocab]` of hidden rows `[n, hidden]` (causal LMs). */
  logitsOfRows(rows: tf.Tensor2D): tf.Tensor2D;
  /** Scalar-head outputs `[n]` of hidden rows `[n, hidden]` (scalar models). */
  scoresOfRows(rows: tf.Tensor2D): tf.Tensor1D;
}

/** Loss of one task as tensors (inside the caller's tidy / gradient scope). */
export interface ObjectiveValue {
  /** Scalar loss to minimise. */
  readonly loss: tf.Scalar;
  /** Scalar metrics by name. */
  readonly metrics: Record<string, tf.Scalar>;
  /** Non-pad tokens processed. */
  readonly tokens: number;
}

/** What a `custom` task's loss function receives (payload of `{ kind: 'custom', name: 'tfjs-loss' }`). */
export interface TfjsLossContext {
  /** The tfjs-core namespace to build the loss with. */
  readonly tf: typeof tf;
  /** Whether dropout is active (training step) or not (evaluation). */
  readonly training: boolean;
  /** Trunk output `[batch, length, hidden]`. */
  hiddenStates(batch: TokenBatch): tf.Tensor3D;
  /** Logits `[batch, length, vocab]` (causal LMs only). */
  logits(batch: TokenBatch): tf.Tensor3D;
  /** Scalar head at every position `[batch, length]` (scalar models only). */
  scores(batch: TokenBatch): tf.Tensor2D;
}

/**
 * A research objective written with tfjs ops, passed as
 * `{ kind: 'custom', name: 'tfjs-loss', payload: fn }`. Returns a scalar loss (and scalar
 * metrics); gradients flow through everything it computes from the context.
 */
export type TfjsLossFunction = (context: TfjsLossContext) => { loss: tf.Scalar; metrics?: Record<string, tf.Scalar>; tokens?: number };

/** `custom` task name the tfjs engine understands. */
export const TFJS_LOSS_TASK = 'tfjs-loss';

function checkLength(array: ArrayLike<number>, expected: number, field: string): void {
  if (array.length !== expected) throw new InvalidArgumentError(field, `has ${array.length} entries, expected batchSize·(length − 1) = ${expected}`);
}

/** Host-side selection of actions (b, t) whose mask is set: hidden row b·length + t, target ids[b·length + t + 1]. */
function selectActions(batch: TokenBatch, mask: Uint8Array): { hiddenRows: Int32Array; actions: Int32Array; targets: Int32Array } {
  const { batchSize, length, ids } = batch;
  const hiddenRows: number[] = [];
  const actions: number[] = [];
  const targets: number[] = [];
  for (let row = 0; row < batchSize; row++) {
    for (let step = 0; step < length - 1; step++) {
      const action = row * (length - 1) + step;
      if (!mask[action]) continue;
      hiddenRows.push(row * length + step);
      actions.push(action);
      targets.push(ids[row * length + step + 1]!);
    }
  }
  return { hiddenRows: Int32Array.from(hiddenRows), actions: Int32Array.from(actions), targets: Int32Array.from(targets) };
}

function pick(values: Float32Array, indices: Int32Array): tf.Tensor1D {
  const picked = new Float32Array(indices.length);
  for (let index = 0; index < indices.length; index++) picked[index] = values[indices[index]!]!;
  return tf.tensor1d(picked);
}

function requireKind(model: ObjectiveModel, kind: ObjectiveModel['kind'], task: string): void {
  if (model.kind !== kind) {
    throw new UnsupportedError(`task "${task}" needs a ${kind === 'causal-lm' ? 'causal LM (TfjsCausalLM)' : 'scalar model (TfjsScalarModel)'}, not a ${model.kind} model`);
  }
}

// A loss that touches the parameters with weight 0: keeps gradients defined for a batch with nothing selected.
function zeroLoss(hidden: tf.Tensor2D): tf.Scalar {
  return tf.mul(tf.sum(hidden), 0) as tf.Scalar;
}

function rowsOf(hidden: tf.Tensor2D, indices: Int32Array): tf.Tensor2D {
  return embeddingLookup(hidden, tf.tensor1d(indices, 'int32')) as tf.Tensor2D;
}

/**
 * Builds the loss of a core `TrainingTask` on a model, inside the caller's gradient scope.
 * @throws {InvalidArgumentError} for inconsistent task arrays (naming the field).
 * @throws {UnsupportedError} for a task the model kind cannot run or an unknown custom task.
 */
export function objectiveValue(model: ObjectiveModel, task: TrainingTask, mode: ForwardMode): ObjectiveValue {
  switch (task.kind) {
    case 'language-modeling': {
      requireKind(model, 'causal-lm', task.kind);
      const { batch } = task;
      validateBatch(batch, model.config, 'task.batch');
      checkLength(task.lossMask, batch.batchSize * (batch.length - 1), 'task.lossMask');
      const hidden = model.hiddenStates(batch, mode);
      const selection = selectActions(batch, task.lossMask);
      if (selection.hiddenRows.length === 0) return { loss: zeroLoss(hidden), metrics: {}, tokens: countTokens(batch) };
      const logits = model.logitsOfRows(rowsOf(hidden, selection.hiddenRows));
      const logprobs = targetLogprobs(logits, tf.tensor1d(selection.targets, 'int32'));
      return { loss: tf.neg(tf.mean(logprobs)) as tf.Scalar, metrics: {}, tokens: countTokens(batch) };
    }
    case 'ppo-policy': {
      requireKind(model, 'causal-lm', task.kind);
      const { batch } = task;
      validateBatch(batch, model.config, 'task.batch');
      const actionCount = batch.batchSize * (batch.length - 1);
      checkLength(task.actionMask, actionCount, 'task.actionMask');
      checkLength(task.oldLogprobs, actionCount, 'task.oldLogprobs');
      checkLength(task.advantages, actionCount, 'task.advantages');
      const clipRange = task.clipRange ?? 0.2;
      const entropyCoefficient = task.entropyCoefficient ?? 0;
      const hidden = model.hiddenStates(batch, mode);
      const selection = selectActions(batch, task.actionMask);
      if (selection.hiddenRows.length === 0) return { loss: zeroLoss(hidden), metrics: {}, tokens: countTokens(batch) };
      const logits = model.logitsOfRows(rowsOf(hidden, selection.hiddenRows));
      const logprobs = targetLogprobs(logits, tf.tensor1d(selection.targets, 'int32'));
      const logRatio = tf.sub(logprobs, pick(task.oldLogprobs, selection.actions));
      const ratio = tf.exp(logRatio);
      const advantages = pick(task.advantages, selection.actions);
      // Schulman et al. 2017, Eq. 7 (as a loss to minimise).
      const unclipped = tf.mul(tf.neg(advantages), ratio);
      const clipped = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - clipRange, 1 + clipRange));
      const policyLoss = tf.mean(tf.maximum(unclipped, clipped)) as tf.Scalar;
      const entropy = tf.mean(softmaxEntropy(logits)) as tf.Scalar;
      // Clone when there is no entropy term: the step disposes the loss and the metrics separately.
      const loss = entropyCoefficient === 0 ? tf.clone(policyLoss) : (tf.sub(policyLoss, tf.mul(entropy, entropyCoefficient)) as tf.Scalar);
      return {
        loss,
        metrics: {
          policyLoss,
          entropy,
          // Core's definition (TRL's pg_clipfrac): actions where the clipped term is the one that counts.
          clipFraction: tf.mean(tf.cast(tf.greater(clipped, unclipped), 'float32')) as tf.Scalar,
          approxKl: tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tf.Scalar,
        },
        tokens: countTokens(batch),
      };
    }
    case 'ppo-value': {
      requireKind(model, 'scalar', task.kind);
      const { batch } = task;
      validateBatch(batch, model.config, 'task.batch');
      const actionCount = batch.batchSize * (batch.length - 1);
      checkLength(task.actionMask, actionCount, 'task.actionMask');
      checkLength(task.returns, actionCount, 'task.returns');
      checkLength(task.oldValues, actionCount, 'task.oldValues');
      const clipRange = task.clipRange ?? 0.2;
      const hidden = model.hiddenStates(batch, mode);
      const selection = selectActions(batch, task.actionMask);
      if (selection.hiddenRows.length === 0) return { loss: zeroLoss(hidden), metrics: {}, tokens: countTokens(batch) };
      const values = model.scoresOfRows(rowsOf(hidden, selection.hiddenRows));
      const returns = pick(task.returns, selection.actions);
      const oldValues = pick(task.oldValues, selection.actions);
      const clippedValues = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clipRange, clipRange));
      const unclippedError = tf.square(tf.sub(values, returns));
      const clippedError = tf.square(tf.sub(clippedValues, returns));
      return {
        loss: tf.mul(tf.mean(tf.maximum(unclippedError, clippedError)), 0.5) as tf.Scalar,
        metrics: { clipFraction: tf.mean(tf.cast(tf.greater(clippedError, unclippedError), 'float32')) as tf.Scalar },
        tokens: countTokens(batch),
      };
    }
    case 'ranking':
      requireKind(model, 'scalar', task.kind);
      return rankingObjective(model, task, mode);
    case 'weighted-sum': {
      if (task.terms.length === 0) throw new InvalidArgumentError('task.terms', 'must hold at least one term');
      let loss: tf.Scalar | undefined;
      const metrics: Record<string, tf.Scalar> = {};
      let tokens = 0;
      for (const term of task.terms) {
        const value = objectiveValue(model, term.task, mode);
        const weighted = tf.mul(value.loss, term.weight) as tf.Scalar;
        loss = loss ? (tf.add(loss, weighted) as tf.Scalar) : weighted;
        metrics[`${term.name}.loss`] = value.loss;
        for (const [name, metric] of Object.entries(value.metrics)) metrics[`${term.name}.${name}`] = metric;
        tokens += value.tokens;
      }
      return { loss: loss!, metrics, tokens };
    }
    case 'custom': {
      if (task.name !== TFJS_LOSS_TASK || typeof task.payload !== 'function') {
        throw new UnsupportedError(`custom task "${task.name}" is not known to the tfjs engine; use { kind: 'custom', name: '${TFJS_LOSS_TASK}', payload: (context) => ({ loss }) }`);
      }
      const lossFunction = task.payload as TfjsLossFunction;
      let tokens = 0;
      const hidden3d = (batch: TokenBatch) => {
        validateBatch(batch, model.config, 'batch');
        tokens += countTokens(batch);
        return tf.reshape(model.hiddenStates(batch, mode), [batch.batchSize, batch.length, model.config.hiddenSize]) as tf.Tensor3D;
      };
      const result = lossFunction({
        tf,
        training: mode.training,
        hiddenStates: hidden3d,
        logits: (batch) => {
          requireKind(model, 'causal-lm', 'custom logits');
          const hidden = tf.reshape(hidden3d(batch), [-1, model.config.hiddenSize]) as tf.Tensor2D;
          return tf.reshape(model.logitsOfRows(hidden), [batch.batchSize, batch.length, model.config.vocabSize]) as tf.Tensor3D;
        },
        scores: (batch) => {
          requireKind(model, 'scalar', 'custom scores');
          const hidden = tf.reshape(hidden3d(batch), [-1, model.config.hiddenSize]) as tf.Tensor2D;
          return tf.reshape(model.scoresOfRows(hidden), [batch.batchSize, batch.length]) as tf.Tensor2D;
        },
      });
      return { loss: result.loss, metrics: result.metrics ?? {}, tokens: result.tokens ?? tokens };
    }
    default:
      throw new UnsupportedError(`unknown task kind ${JSON.stringify((task as { kind: unknown }).kind)}`);
  }
}

/** InstructGPT Eq. 1 over every C(K,2) comparison of every group, each row forwarded once. */
function rankingObjective(model: ObjectiveModel, task: RankingTask, mode: ForwardMode): ObjectiveValue {
  const { batch } = task;
  validateBatch(batch, model.config, 'task.batch');
  if (task.groups.length === 0) throw new InvalidArgumentError('task.groups', 'must hold at least one group');
  const winners: number[] = [];
  const losers: number[] = [];
  const weights: number[] = [];
  const margins: number[] = [];
  const groupsWithPairs = task.groups.filter((group) => {
    let pairs = 0;
    for (let first = 0; first < group.rows.length; first++) {
      for (let second = first + 1; second < group.rows.length; second++) if (group.ranks[first] !== group.ranks[second]) pairs += 1;
    }
    return pairs > 0;
  }).length;
  task.groups.forEach((group, groupIndex) => {
    const field = `task.groups[${groupIndex}]`;
    if (group.rows.length < 2) throw new InvalidArgumentError(`${field}.rows`, `needs at least 2 completions, got ${group.rows.length}`);
    if (group.ranks.length !== group.rows.length) {
      throw new InvalidArgumentError(`${field}.ranks`, `has ${group.ranks.length} entries for ${group.rows.length} rows`);
    }
    group.rows.forEach((row, index) => {
      if (!Number.isInteger(row) || row < 0 || row >= batch.batchSize) {
        throw new InvalidArgumentError(`${field}.rows[${index}]`, `row ${row} is outside the batch of ${batch.batchSize}`);
      }
    });
    const pairs: [number, number][] = [];
    for (let first = 0; first < group.rows.length; first++) {
      for (let second = first + 1; second < group.rows.length; second++) {
        const firstRank = group.ranks[first]!;
        const secondRank = group.ranks[second]!;
        if (firstRank === secondRank) continue; // ties carry no preference
        pairs.push(firstRank < secondRank ? [group.rows[first]!, group.rows[second]!] : [group.rows[second]!, group.rows[first]!]);
      }
    }
    for (const [winner, loser] of pairs) {
      winners.push(winner);
      losers.push(loser);
      weights.push(1 / (pairs.length * groupsWithPairs));
      margins.push(group.margin ?? 0);
    }
  });
  const hidden = model.hiddenStates(batch, mode);
  if (winners.length === 0) return { loss: zeroLoss(hidden), metrics: {}, tokens: countTokens(batch) };
  const last = lastTokenIndices(batch.attentionMask, batch.batchSize, batch.length);
  const rowIndices = last.map((index, row) => row * batch.length + index);
  const rewards = model.scoresOfRows(rowsOf(hidden, rowIndices));
  // r_w − r_l for every pair as one matmul with a ±1 pair matrix (no gather, whose gradient wasm lacks).
  const pairMatrix = new Float32Array(winners.length * batch.batchSize);
  winners.forEach((winner, pair) => {
    pairMatrix[pair * batch.batchSize + winner] += 1;
    pairMatrix[pair * batch.batchSize + losers[pair]!] -= 1;
  });
  const differences = tf.reshape(matMul(tf.tensor2d(pairMatrix, [winners.length, batch.batchSize]), tf.reshape(rewards, [batch.batchSize, 1])), [winners.length]);
  // −log σ(d − m) = softplus(−(d − m)).
  const losses = tf.softplus(tf.neg(tf.sub(differences, tf.tensor1d(margins))));
  return {
    loss: tf.sum(tf.mul(losses, tf.tensor1d(weights))) as tf.Scalar,
    metrics: { accuracy: tf.mean(tf.cast(tf.greater(differences, 0), 'float32')) as tf.Scalar },
    tokens: countTokens(batch),
  };
}
