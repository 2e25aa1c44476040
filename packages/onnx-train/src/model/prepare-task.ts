import * as ort from 'onnxruntime-node';
import { InvalidArgumentError, UnsupportedError, type TokenBatch, type TrainingTask } from '@instructkit/core';
import { batchInputNames, MASKED_SCORE } from './build-training-graph';
import type { Gpt2Dimensions, ModelHead } from './gpt2-parameters';
import type { TaskShape } from './task-shape';

/** A dropout mask the graph expects as a float input (0 where dropped, 1/(1 − p) where kept). */
export interface DropoutInput {
  /** Graph input name. */
  readonly name: string;
  /** Mask dimensions. */
  readonly shape: readonly number[];
  /** Drop probability. */
  readonly probability: number;
}

/** A task turned into graph feeds: its static shape, the feeds, and how to read metrics back. */
export interface PreparedTask {
  /** The compiled-graph bucket this task runs in. */
  readonly shape: TaskShape;
  /** Batch feeds (not parameters, not dropout masks). */
  readonly feeds: Record<string, ort.Tensor>;
  /** Dropout masks the `train` graph needs for this task's batches. */
  readonly dropout: readonly DropoutInput[];
  /** Non-pad tokens in the task's batches. */
  readonly tokens: number;
  /** Task metrics from the graph's outputs. */
  metrics(outputs: ort.InferenceSession.OnnxValueMapType): Record<string, number>;
}

function checkLength(array: ArrayLike<number>, expected: number, field: string): void {
  if (array.length !== expected) throw new InvalidArgumentError(field, `has ${array.length} entries, expected batchSize·(length − 1) = ${expected}`);
}

function validateBatch(batch: TokenBatch, dims: Gpt2Dimensions, field: string): void {
  const { batchSize, length, ids, attentionMask } = batch;
  if (!(Number.isInteger(batchSize) && batchSize > 0 && Number.isInteger(length) && length > 1)) {
    throw new InvalidArgumentError(field, `needs batchSize ≥ 1 and length ≥ 2, got ${batchSize}×${length}`);
  }
  if (length > dims.contextLength) throw new InvalidArgumentError(`${field}.length`, `${length} exceeds the context length ${dims.contextLength}`);
  if (ids.length !== batchSize * length) throw new InvalidArgumentError(`${field}.ids`, `has ${ids.length} entries, expected ${batchSize * length}`);
  if (attentionMask.length !== batchSize * length) {
    throw new InvalidArgumentError(`${field}.attentionMask`, `has ${attentionMask.length} entries, expected ${batchSize * length}`);
  }
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index]!;
    if (!(id >= 0 && id < dims.vocabSize)) throw new InvalidArgumentError(`${field}.ids[${index}]`, `token id ${id} is outside the vocabulary [0, ${dims.vocabSize})`);
  }
}

/** Real (attended) tokens of a batch. */
export function countTokens(batch: TokenBatch): number {
  let count = 0;
  for (const value of batch.attentionMask) count += value ? 1 : 0;
  return count;
}

/** Ids, position ids `max(cumsum(mask) − 1, 0)` (Hugging Face) and the additive causal + padding bias. */
function trunkFeeds(batch: TokenBatch, prefix: string): Record<string, ort.Tensor> {
  const { batchSize, length, ids, attentionMask } = batch;
  const names = batchInputNames(prefix);
  const tokenIds = new BigInt64Array(batchSize * length);
  const positions = new BigInt64Array(batchSize * length);
  const bias = new Float32Array(batchSize * length * length);
  for (let row = 0; row < batchSize; row++) {
    let count = 0;
    for (let index = 0; index < length; index++) {
      const flat = row * length + index;
      tokenIds[flat] = BigInt(ids[flat]!);
      count += attentionMask[flat] ? 1 : 0;
      positions[flat] = BigInt(Math.max(count - 1, 0));
    }
    for (let query = 0; query < length; query++) {
      const base = (row * length + query) * length;
      for (let key = 0; key < length; key++) bias[base + key] = key <= query && attentionMask[row * length + key] ? 0 : MASKED_SCORE;
    }
  }
  return {
    [names.ids]: new ort.Tensor('int64', tokenIds, [batchSize, length]),
    [names.positions]: new ort.Tensor('int64', positions, [batchSize, length]),
    [names.attentionBias]: new ort.Tensor('float32', bias, [batchSize, 1, length, length]),
  };
}

function dropoutInputs(dims: Gpt2Dimensions, prefix: string, batchSize: number, length: number): DropoutInput[] {
  const names = batchInputNames(prefix);
  const rows = batchSize * length;
  const inputs: DropoutInput[] = [];
  const { embedding, attention, residual } = dims.dropout;
  if (embedding > 0) inputs.push({ name: names.embeddingDropout, shape: [rows, dims.hiddenSize], probability: embedding });
  for (let layer = 0; layer < dims.numLayers; layer++) {
    if (attention > 0) inputs.push({ name: names.attentionDropout(layer), shape: [batchSize, dims.numHeads, length, length], probability: attention });
    if (residual > 0) {
      inputs.push({ name: names.attentionResidualDropout(layer), shape: [rows, dims.hiddenSize], probability: residual });
      inputs.push({ name: names.mlpResidualDropout(layer), shape: [rows, dims.hiddenSize], probability: residual });
    }
  }
  return inputs;
}

/** Per-position values `[batch·length, 1]` from `[batch, length − 1]` action arrays (core's alignment); the last position of each row is 0. */
function perPosition(values: ArrayLike<number>, batchSize: number, length: number, scale = 1): Float32Array {
  const result = new Float32Array(batchSize * length);
  for (let row = 0; row < batchSize; row++) {
    for (let step = 0; step < length - 1; step++) result[row * length + step] = values[row * (length - 1) + step]! * scale;
  }
  return result;
}

function targetsOf(batch: TokenBatch): BigInt64Array {
  const { batchSize, length, ids } = batch;
  const targets = new BigInt64Array(batchSize * length);
  for (let row = 0; row < batchSize; row++) {
    for (let step = 0; step < length - 1; step++) targets[row * length + step] = BigInt(ids[row * length + step + 1]!);
  }
  return targets;
}

function maskCount(mask: ArrayLike<number>): number {
  let count = 0;
  for (let index = 0; index < mask.length; index++) count += mask[index] ? 1 : 0;
  return count;
}

const column = (data: Float32Array | BigInt64Array, rows: number) =>
  data instanceof Float32Array ? new ort.Tensor('float32', data, [rows, 1]) : new ort.Tensor('int64', data, [rows, 1]);

/** Mean of `values[i]` over positions where `weights[i] > 0` (0 when none). */
function maskedMean(values: (index: number) => number, weights: Float32Array): number {
  let sum = 0;
  let count = 0;
  for (let index = 0; index < weights.length; index++) {
    if (weights[index]! > 0) {
      sum += values(index);
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Turns a core `TrainingTask` into feeds of the compiled objective, following core's
 * conventions: masked means over selected actions, C(K,2) ranking pairs per group
 * (ties dropped, each group weighted equally), weighted sums with per-term metrics.
 *
 * @throws {InvalidArgumentError} inconsistent task arrays (naming the field) or a task the head cannot run.
 * @throws {UnsupportedError} `custom` tasks (this engine knows none).
 */
export function prepareTask(task: TrainingTask, dims: Gpt2Dimensions, head: ModelHead, prefix = ''): PreparedTask {
  const names = batchInputNames(prefix);
  if (task.kind === 'custom') throw new UnsupportedError(`custom task "${task.name}" is not known to the ONNX training engine; use the tfjs engine for engine-specific objectives`);
  if (task.kind === 'weighted-sum') {
    if (task.terms.length === 0) throw new InvalidArgumentError('task.terms', 'must hold at least one term');
    const parts = task.terms.map((term, index) => prepareTask(term.task, dims, head, `${prefix}t${index}.`));
    const feeds: Record<string, ort.Tensor> = {};
    parts.forEach((part, index) => {
      Object.assign(feeds, part.feeds);
      feeds[batchInputNames(`${prefix}t${index}.`).termWeight] = new ort.Tensor('float32', Float32Array.of(task.terms[index]!.weight), []);
    });
    return {
      shape: { kind: 'weighted-sum', terms: parts.map((part) => part.shape) },
      feeds,
      dropout: parts.flatMap((part) => part.dropout),
      tokens: parts.reduce((sum, part) => sum + part.tokens, 0),
      metrics(outputs) {
        const metrics: Record<string, number> = {};
        parts.forEach((part, index) => {
          const termName = task.terms[index]!.name;
          metrics[`${termName}.loss`] = (outputs[batchInputNames(`${prefix}t${index}.`).loss]!.data as Float32Array)[0]!;
          for (const [name, value] of Object.entries(part.metrics(outputs))) metrics[`${termName}.${name}`] = value;
        });
        return metrics;
      },
    };
  }
  const needsScalar = task.kind === 'ranking' || task.kind === 'ppo-value';
  if (needsScalar !== (head === 'scalar')) {
    throw new InvalidArgumentError('task.kind', `${task.kind} needs a ${needsScalar ? 'scalar model' : 'causal LM'}; this model has a ${head} head`);
  }
  const { batch } = task;
  validateBatch(batch, dims, 'task.batch');
  const { batchSize, length } = batch;
  const rows = batchSize * length;
  const actionCount = batchSize * (length - 1);
  const feeds = trunkFeeds(batch, prefix);
  const dropout = dropoutInputs(dims, prefix, batchSize, length);
  const tokens = countTokens(batch);
  switch (task.kind) {
    case 'language-modeling': {
      checkLength(task.lossMask, actionCount, 'task.lossMask');
      const count = maskCount(task.lossMask);
      feeds[names.targets] = column(targetsOf(batch), rows);
      feeds[names.weights] = column(perPosition(task.lossMask, batchSize, length, count === 0 ? 0 : 1 / count), rows);
      return { shape: { kind: task.kind, batchSize, length }, feeds, dropout, tokens, metrics: () => ({}) };
    }
    case 'ppo-policy': {
      checkLength(task.actionMask, actionCount, 'task.actionMask');
      checkLength(task.oldLogprobs, actionCount, 'task.oldLogprobs');
      checkLength(task.advantages, actionCount, 'task.advantages');
      const count = maskCount(task.actionMask);
      const clipRange = task.clipRange ?? 0.2;
      const weights = perPosition(task.actionMask, batchSize, length, count === 0 ? 0 : 1 / count);
      const oldLogprobs = perPosition(task.oldLogprobs, batchSize, length);
      feeds[names.targets] = column(targetsOf(batch), rows);
      feeds[names.weights] = column(weights, rows);
      feeds[names.oldLogprobs] = column(oldLogprobs, rows);
      feeds[names.advantages] = column(perPosition(task.advantages, batchSize, length), rows);
      feeds[names.clipRange] = new ort.Tensor('float32', Float32Array.of(clipRange), []);
      feeds[names.entropyCoefficient] = new ort.Tensor('float32', Float32Array.of(task.entropyCoefficient ?? 0), []);
      return {
        shape: { kind: task.kind, batchSize, length },
        feeds,
        dropout,
        tokens,
        metrics(outputs) {
          const logprobs = outputs[names.logprobs]!.data as Float32Array;
          const entropy = outputs[names.entropy]!.data as Float32Array;
          const logRatio = (index: number) => logprobs[index]! - oldLogprobs[index]!;
          let surrogate = 0;
          const advantages = feeds[names.advantages]!.data as Float32Array;
          for (let index = 0; index < rows; index++) {
            if (!(weights[index]! > 0)) continue;
            const ratio = Math.exp(logRatio(index));
            const clipped = Math.min(Math.max(ratio, 1 - clipRange), 1 + clipRange);
            surrogate += weights[index]! * Math.max(-advantages[index]! * ratio, -advantages[index]! * clipped);
          }
          return {
            policyLoss: surrogate,
            entropy: maskedMean((index) => entropy[index]!, weights),
            // Core's definition (TRL's pg_clipfrac): the clipped term is the larger one.
            clipFraction: maskedMean((index) => {
              const ratio = Math.exp(logRatio(index));
              const clipped = Math.min(Math.max(ratio, 1 - clipRange), 1 + clipRange);
              return -advantages[index]! * clipped > -advantages[index]! * ratio ? 1 : 0;
            }, weights),
            approxKl: maskedMean((index) => Math.exp(logRatio(index)) - 1 - logRatio(index), weights),
          };
        },
      };
    }
    case 'ppo-value': {
      checkLength(task.actionMask, actionCount, 'task.actionMask');
      checkLength(task.returns, actionCount, 'task.returns');
      checkLength(task.oldValues, actionCount, 'task.oldValues');
      const count = maskCount(task.actionMask);
      const clipRange = task.clipRange ?? 0.2;
      const weights = perPosition(task.actionMask, batchSize, length, count === 0 ? 0 : 1 / count);
      const returns = perPosition(task.returns, batchSize, length);
      const oldValues = perPosition(task.oldValues, batchSize, length);
      feeds[names.weights] = column(weights, rows);
      feeds[names.returns] = column(returns, rows);
      feeds[names.oldValues] = column(oldValues, rows);
      feeds[names.clipRange] = new ort.Tensor('float32', Float32Array.of(clipRange), []);
      return {
        shape: { kind: task.kind, batchSize, length },
        feeds,
        dropout,
        tokens,
        metrics(outputs) {
          const values = outputs[names.values]!.data as Float32Array;
          return {
            clipFraction: maskedMean((index) => {
              const value = values[index]!;
              const clippedValue = oldValues[index]! + Math.min(Math.max(value - oldValues[index]!, -clipRange), clipRange);
              return (clippedValue - returns[index]!) ** 2 > (value - returns[index]!) ** 2 ? 1 : 0;
            }, weights),
          };
        },
      };
    }
    case 'ranking': {
      if (task.groups.length === 0) throw new InvalidArgumentError('task.groups', 'must hold at least one group');
      const groupPairs = task.groups.map((group, groupIndex) => {
        const field = `task.groups[${groupIndex}]`;
        if (group.rows.length < 2) throw new InvalidArgumentError(`${field}.rows`, `needs at least 2 completions, got ${group.rows.length}`);
        if (group.ranks.length !== group.rows.length) throw new InvalidArgumentError(`${field}.ranks`, `has ${group.ranks.length} entries for ${group.rows.length} rows`);
        group.rows.forEach((row, index) => {
          if (!Number.isInteger(row) || row < 0 || row >= batchSize) throw new InvalidArgumentError(`${field}.rows[${index}]`, `row ${row} is outside the batch of ${batchSize}`);
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
        return { pairs, margin: group.margin ?? 0 };
      });
      const groupsWithPairs = groupPairs.filter((group) => group.pairs.length > 0).length;
      // Zero-weight pairs (row 0 against itself) pad the count to a power of two ≥ 8, so batches
      // with different numbers of pairs share a compiled session; a batch without a single strict
      // preference still compiles.
      const realPairs = groupPairs.reduce((sum, group) => sum + group.pairs.length, 0);
      const pairCount = Math.max(8, 2 ** Math.ceil(Math.log2(Math.max(1, realPairs))));
      const winners = new BigInt64Array(pairCount);
      const losers = new BigInt64Array(pairCount);
      const pairWeights = new Float32Array(pairCount);
      const margins = new Float32Array(pairCount);
      let pairIndex = 0;
      for (const group of groupPairs) {
        for (const [winner, loser] of group.pairs) {
          winners[pairIndex] = BigInt(winner);
          losers[pairIndex] = BigInt(loser);
          pairWeights[pairIndex] = 1 / (group.pairs.length * groupsWithPairs);
          margins[pairIndex] = group.margin;
          pairIndex++;
        }
      }
      const lastIndex = new BigInt64Array(batchSize);
      for (let row = 0; row < batchSize; row++) {
        let last = 0;
        for (let index = length - 1; index >= 0; index--) {
          if (batch.attentionMask[row * length + index]) {
            last = index;
            break;
          }
        }
        lastIndex[row] = BigInt(row * length + last);
      }
      feeds[names.lastIndex] = new ort.Tensor('int64', lastIndex, [batchSize]);
      feeds[names.pairWinners] = new ort.Tensor('int64', winners, [pairCount]);
      feeds[names.pairLosers] = new ort.Tensor('int64', losers, [pairCount]);
      feeds[names.pairWeights] = new ort.Tensor('float32', pairWeights, [pairCount]);
      feeds[names.pairMargins] = new ort.Tensor('float32', margins, [pairCount]);
      return {
        shape: { kind: task.kind, batchSize, length, pairs: pairCount },
        feeds,
        dropout,
        tokens,
        metrics(outputs): Record<string, number> {
          if (pairIndex === 0) return {};
          const rewards = outputs[names.rewards]!.data as Float32Array;
          let correct = 0;
          for (let pair = 0; pair < pairIndex; pair++) correct += rewards[Number(winners[pair])]! > rewards[Number(losers[pair])]! ? 1 : 0;
          return { accuracy: correct / pairIndex };
        },
      };
    }
    default:
      throw new UnsupportedError(`unknown task kind ${JSON.stringify((task as { kind: unknown }).kind)}`);
  }
}
