/**
 * Tiny exact engines for PPO's tests: a bigram policy (next-token logits are a row of
 * a V×V table chosen by the previous token) and a unigram value model (the value of a
 * state is a number per token). Both implement core's contracts with analytic
 * gradients and AdamW, so the trainer can be tested for learning in milliseconds
 * without tfjs. The gradients come from the reference losses, which are themselves
 * checked against finite differences.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  UnsupportedError,
  type CausalLMV1,
  type DecodeSession,
  type EvaluateResult,
  type GeneratorV1,
  type GeneratedSequence,
  type NamedTensors,
  type ScalarModelV1,
  type TokenBatch,
  type TrainableModelV1,
  type TrainingTask,
  type TrainStepResult,
  type TransformerConfig,
} from '@instructkit/core';
import { clippedPolicyLoss } from '../src/clipped-policy-loss';
import { clippedValueLoss } from '../src/clipped-value-loss';
import { SeededRandom } from '../src/seeded-random';

interface Optimizer {
  learningRate: number;
  maxGradNorm: number;
  step: number;
  firstMoment: Float64Array;
  secondMoment: Float64Array;
}

function adamStep(parameters: Float32Array, gradient: Float64Array, optimizer: Optimizer): number {
  let norm = 0;
  for (const value of gradient) norm += value * value;
  norm = Math.sqrt(norm);
  const scale = optimizer.maxGradNorm > 0 && norm > optimizer.maxGradNorm ? optimizer.maxGradNorm / norm : 1;
  optimizer.step++;
  const correction1 = 1 - 0.9 ** optimizer.step;
  const correction2 = 1 - 0.999 ** optimizer.step;
  for (let index = 0; index < parameters.length; index++) {
    const grad = gradient[index]! * scale;
    optimizer.firstMoment[index] = 0.9 * optimizer.firstMoment[index]! + 0.1 * grad;
    optimizer.secondMoment[index] = 0.999 * optimizer.secondMoment[index]! + 0.001 * grad * grad;
    const update = optimizer.firstMoment[index]! / correction1 / (Math.sqrt(optimizer.secondMoment[index]! / correction2) + 1e-8);
    parameters[index]! -= optimizer.learningRate * update;
  }
  return norm;
}

async function saveOptimizer(directory: string, optimizer: Optimizer): Promise<void> {
  await mkdir(directory, { recursive: true });
  const state = { step: optimizer.step, firstMoment: Array.from(optimizer.firstMoment), secondMoment: Array.from(optimizer.secondMoment) };
  await writeFile(path.join(directory, 'optimizer.json'), JSON.stringify(state));
}

async function loadOptimizer(directory: string, optimizer: Optimizer): Promise<void> {
  const state = JSON.parse(await readFile(path.join(directory, 'optimizer.json'), 'utf8'));
  optimizer.step = state.step;
  optimizer.firstMoment = Float64Array.from(state.firstMoment);
  optimizer.secondMoment = Float64Array.from(state.secondMoment);
}

function logSoftmax(logits: ArrayLike<number>, offset: number, size: number): Float64Array {
  let max = -Infinity;
  for (let index = 0; index < size; index++) max = Math.max(max, logits[offset + index]!);
  let total = 0;
  for (let index = 0; index < size; index++) total += Math.exp(logits[offset + index]! - max);
  const logNormaliser = max + Math.log(total);
  const result = new Float64Array(size);
  for (let index = 0; index < size; index++) result[index] = logits[offset + index]! - logNormaliser;
  return result;
}

/** A bigram policy: `CausalLMV1 & TrainableModelV1` with exact gradients. */
export type TabularPolicy = CausalLMV1 &
  TrainableModelV1 & {
    /** The live `[vocabSize, vocabSize]` logit table. */
    readonly table: Float32Array;
    /** Exact ∂loss/∂table of a task, for finite-difference checks. */
    gradientOf(task: TrainingTask): Float64Array;
  };

/** Settings of `createTabularPolicy`. */
export interface TabularPolicySettings {
  readonly vocabSize: number;
  readonly eosTokenId: number;
  /** `[vocabSize, vocabSize]` initial logits (row = previous token). */
  readonly table: Float32Array;
  readonly learningRate?: number;
  readonly maxGradNorm?: number;
  readonly modelId?: string;
}

/** Creates a bigram policy. */
export function createTabularPolicy(settings: TabularPolicySettings): TabularPolicy {
  const { vocabSize } = settings;
  const table = Float32Array.from(settings.table);
  const config: TransformerConfig = {
    architecture: 'gpt2',
    vocabSize,
    contextLength: 64,
    hiddenSize: vocabSize,
    numLayers: 1,
    numHeads: 1,
    eosTokenId: settings.eosTokenId,
  };
  const optimizer: Optimizer = {
    learningRate: settings.learningRate ?? 0.05,
    maxGradNorm: settings.maxGradNorm ?? 1,
    step: 0,
    firstMoment: new Float64Array(table.length),
    secondMoment: new Float64Array(table.length),
  };

  function rowDistribution(previous: number): Float64Array {
    return logSoftmax(table, previous * vocabSize, vocabSize);
  }

  function logprobs(batch: TokenBatch): { logprobs: Float32Array; entropy: Float32Array } {
    const actions = batch.length - 1;
    const result = new Float32Array(batch.batchSize * actions);
    const entropy = new Float32Array(batch.batchSize * actions);
    for (let row = 0; row < batch.batchSize; row++) {
      for (let t = 0; t < actions; t++) {
        const here = row * batch.length + t;
        if (!batch.attentionMask[here] || !batch.attentionMask[here + 1]) continue;
        const distribution = rowDistribution(batch.ids[here]!);
        result[row * actions + t] = distribution[batch.ids[here + 1]!]!;
        let h = 0;
        for (const logp of distribution) h -= Math.exp(logp) * logp;
        entropy[row * actions + t] = h;
      }
    }
    return { logprobs: result, entropy };
  }

  /** Loss, gradient wrt the table, and metrics of a task. */
  function evaluate(task: TrainingTask): { loss: number; gradient: Float64Array; metrics: Record<string, number> } {
    const gradient = new Float64Array(table.length);
    // Chain rule through log p(b | a) = W[a, b] − logsumexp(W[a, ·]).
    const backward = (batch: TokenBatch, logprobGradient: ArrayLike<number>, entropyGradient?: ArrayLike<number>) => {
      const actions = batch.length - 1;
      for (let row = 0; row < batch.batchSize; row++) {
        for (let t = 0; t < actions; t++) {
          const upstream = logprobGradient[row * actions + t]!;
          const entropyUpstream = entropyGradient?.[row * actions + t] ?? 0;
          if (upstream === 0 && entropyUpstream === 0) continue;
          const previous = batch.ids[row * batch.length + t]!;
          const next = batch.ids[row * batch.length + t + 1]!;
          const distribution = rowDistribution(previous);
          let h = 0;
          for (const logp of distribution) h -= Math.exp(logp) * logp;
          for (let token = 0; token < vocabSize; token++) {
            const p = Math.exp(distribution[token]!);
            const dLogprob = (token === next ? 1 : 0) - p;
            const dEntropy = -p * (distribution[token]! + h);
            gradient[previous * vocabSize + token]! += upstream * dLogprob + entropyUpstream * dEntropy;
          }
        }
      }
    };
    switch (task.kind) {
      case 'language-modeling': {
        const { logprobs: values } = logprobs(task.batch);
        let count = 0;
        let loss = 0;
        for (let index = 0; index < task.lossMask.length; index++) {
          if (task.lossMask[index]) {
            count++;
            loss -= values[index]!;
          }
        }
        const upstream = Array.from(task.lossMask, (selected) => (selected ? -1 / count : 0));
        backward(task.batch, upstream);
        return { loss: loss / count, gradient, metrics: {} };
      }
      case 'ppo-policy': {
        const { logprobs: values, entropy } = logprobs(task.batch);
        const result = clippedPolicyLoss({
          logprobs: values,
          oldLogprobs: task.oldLogprobs,
          advantages: task.advantages,
          mask: task.actionMask,
          clipRange: task.clipRange,
        });
        let count = 0;
        let meanEntropy = 0;
        task.actionMask.forEach((selected, index) => {
          if (selected) {
            count++;
            meanEntropy += entropy[index]!;
          }
        });
        meanEntropy /= count;
        const coefficient = task.entropyCoefficient ?? 0;
        const entropyUpstream = Array.from(task.actionMask, (selected) => (selected ? -coefficient / count : 0));
        backward(task.batch, result.gradient, entropyUpstream);
        return {
          loss: result.loss - coefficient * meanEntropy,
          gradient,
          metrics: { clipFraction: result.clipFraction, approxKl: result.approxKl, entropy: meanEntropy },
        };
      }
      case 'weighted-sum': {
        let loss = 0;
        const metrics: Record<string, number> = {};
        for (const term of task.terms) {
          const part = evaluate(term.task);
          loss += term.weight * part.loss;
          part.gradient.forEach((value, index) => (gradient[index]! += term.weight * value));
          metrics[`${term.name}.loss`] = part.loss;
          for (const [name, value] of Object.entries(part.metrics)) metrics[`${term.name}.${name}`] = value;
        }
        return { loss, gradient, metrics };
      }
      default:
        throw new UnsupportedError(`tabular policy cannot train ${task.kind}`);
    }
  }

  return {
    specificationVersion: 'v1',
    modelId: settings.modelId ?? 'tabular-policy',
    engine: 'tabular-js',
    config,
    table,
    get step() {
      return optimizer.step;
    },
    async doLogprobs(request) {
      const { logprobs: values, entropy } = logprobs(request.batch);
      return request.includeEntropy ? { logprobs: values, entropy } : { logprobs: values };
    },
    async doLogits(request) {
      const { batch } = request;
      const logits = new Float32Array(batch.batchSize * batch.length * vocabSize);
      for (let position = 0; position < batch.batchSize * batch.length; position++) {
        logits.set(table.subarray(batch.ids[position]! * vocabSize, (batch.ids[position]! + 1) * vocabSize), position * vocabSize);
      }
      return { logits };
    },
    async doStartDecoding(request) {
      const { batch } = request;
      const rowLogits = (tokens: ArrayLike<number>) => {
        const logits = new Float32Array(tokens.length * vocabSize);
        for (let row = 0; row < tokens.length; row++) {
          logits.set(table.subarray(tokens[row]! * vocabSize, (tokens[row]! + 1) * vocabSize), row * vocabSize);
        }
        return logits;
      };
      const last = Array.from({ length: batch.batchSize }, (_, row) => batch.ids[row * batch.length + batch.length - 1]!);
      const session: DecodeSession = {
        batchSize: batch.batchSize,
        async step(tokens) {
          return rowLogits(tokens);
        },
        dispose() {},
      };
      return { logits: rowLogits(last), session };
    },
    async doTrainStep(request): Promise<TrainStepResult> {
      const gradient = new Float64Array(table.length);
      let loss = 0;
      const metrics: Record<string, number> = {};
      for (const task of request.microbatches) {
        const part = evaluate(task);
        loss += part.loss / request.microbatches.length;
        part.gradient.forEach((value, index) => (gradient[index]! += value / request.microbatches.length));
        for (const [name, value] of Object.entries(part.metrics)) metrics[name] = (metrics[name] ?? 0) + value / request.microbatches.length;
      }
      const gradNorm = adamStep(table, gradient, optimizer);
      return { step: optimizer.step, loss, metrics, gradNorm, learningRate: optimizer.learningRate, tokens: 0 };
    },
    async doEvaluate(task): Promise<EvaluateResult> {
      const { loss, metrics } = evaluate(task);
      return { loss, metrics };
    },
    gradientOf: (task: TrainingTask) => evaluate(task).gradient,
    async doGetParameters(): Promise<NamedTensors> {
      return new Map([['table.weight', { dtype: 'float32', shape: [vocabSize, vocabSize], data: Float32Array.from(table) }]]);
    },
    async doSetParameters(parameters) {
      table.set(parameters.get('table.weight')!.data as Float32Array);
    },
    doSaveTrainingState: (directory) => saveOptimizer(directory, optimizer),
    doLoadTrainingState: (directory) => loadOptimizer(directory, optimizer),
    dispose() {},
  };
}

/** A value model whose value at a position is a learned number per token there. */
export type TabularValueModel = ScalarModelV1 & TrainableModelV1;

/** Creates the unigram value model, all values starting at `initial`. */
export function createTabularValueModel(vocabSize: number, options: { learningRate?: number; initial?: number } = {}): TabularValueModel {
  const weights = new Float32Array(vocabSize).fill(options.initial ?? 0);
  const optimizer: Optimizer = {
    learningRate: options.learningRate ?? 0.05,
    maxGradNorm: 0,
    step: 0,
    firstMoment: new Float64Array(vocabSize),
    secondMoment: new Float64Array(vocabSize),
  };
  const config: TransformerConfig = { architecture: 'gpt2', vocabSize, contextLength: 64, hiddenSize: 1, numLayers: 1, numHeads: 1 };
  function evaluate(task: TrainingTask) {
    if (task.kind !== 'ppo-value') throw new UnsupportedError(`tabular value model cannot train ${task.kind}`);
    const actions = task.batch.length - 1;
    const values = new Float32Array(task.batch.batchSize * actions);
    for (let row = 0; row < task.batch.batchSize; row++) {
      for (let t = 0; t < actions; t++) values[row * actions + t] = weights[task.batch.ids[row * task.batch.length + t]!]!;
    }
    const result = clippedValueLoss({ values, oldValues: task.oldValues, returns: task.returns, mask: task.actionMask, clipRange: task.clipRange });
    const gradient = new Float64Array(vocabSize);
    for (let row = 0; row < task.batch.batchSize; row++) {
      for (let t = 0; t < actions; t++) gradient[task.batch.ids[row * task.batch.length + t]!]! += result.gradient[row * actions + t]!;
    }
    return { loss: result.loss, gradient, metrics: { clipFraction: result.clipFraction } };
  }
  return {
    specificationVersion: 'v1',
    modelId: 'tabular-value',
    engine: 'tabular-js',
    config,
    get step() {
      return optimizer.step;
    },
    async doScore(request) {
      const { batch } = request;
      if (request.positions === 'all') {
        const scores = new Float32Array(batch.batchSize * batch.length);
        for (let index = 0; index < scores.length; index++) if (batch.attentionMask[index]) scores[index] = weights[batch.ids[index]!]!;
        return { scores };
      }
      const scores = new Float32Array(batch.batchSize);
      for (let row = 0; row < batch.batchSize; row++) {
        for (let t = 0; t < batch.length; t++) if (batch.attentionMask[row * batch.length + t]) scores[row] = weights[batch.ids[row * batch.length + t]!]!;
      }
      return { scores };
    },
    async doTrainStep(request) {
      const part = evaluate(request.microbatches[0]!);
      const gradNorm = adamStep(weights, part.gradient, optimizer);
      return { step: optimizer.step, loss: part.loss, metrics: part.metrics, gradNorm, learningRate: optimizer.learningRate, tokens: 0 };
    },
    async doEvaluate(task) {
      const { loss, metrics } = evaluate(task);
      return { loss, metrics };
    },
    async doGetParameters() {
      return new Map([['value.weight', { dtype: 'float32', shape: [vocabSize], data: Float32Array.from(weights) }]]);
    },
    async doSetParameters(parameters) {
      weights.set(parameters.get('value.weight')!.data as Float32Array);
    },
    doSaveTrainingState: (directory) => saveOptimizer(directory, optimizer),
    doLoadTrainingState: (directory) => loadOptimizer(directory, optimizer),
    dispose() {},
  };
}

/**
 * The local sampling loop over a `CausalLMV1` (a stand-in for core's generator until it
 * lands): temperature sampling with a seeded RNG, stopping at EOS, recording the
 * model's own log-probs of the sampled tokens.
 */
export function createSamplingGenerator(model: CausalLMV1): GeneratorV1 {
  return {
    specificationVersion: 'v1',
    modelId: model.modelId,
    async doGenerate(request) {
      const sampling = request.sampling ?? {};
      const maxNewTokens = sampling.maxNewTokens ?? 64;
      const temperature = sampling.temperature ?? 1;
      const eos = new Set(sampling.eosTokenIds ?? [model.config.eosTokenId!]);
      const random = new SeededRandom(sampling.seed ?? 0);
      const vocabSize = model.config.vocabSize;
      const width = Math.max(...request.prompts.map((prompt) => prompt.length));
      const batchSize = request.prompts.length;
      const ids = new Int32Array(batchSize * width);
      const attentionMask = new Uint8Array(batchSize * width);
      request.prompts.forEach((prompt, row) => {
        ids.set(prompt, row * width + width - prompt.length);
        attentionMask.fill(1, row * width + width - prompt.length, (row + 1) * width);
      });
      const { logits: first, session } = await model.doStartDecoding({ batch: { batchSize, length: width, ids, attentionMask }, maxNewTokens });
      let logits = first;
      const completions: number[][] = request.prompts.map(() => []);
      const logprobs: number[][] = request.prompts.map(() => []);
      const finished: (false | 'eos' | 'length')[] = request.prompts.map(() => false);
      for (let step = 0; step < maxNewTokens; step++) {
        if (request.signal?.aborted) throw new Error('aborted');
        const next = new Int32Array(batchSize);
        for (let row = 0; row < batchSize; row++) {
          if (finished[row]) continue;
          const own = logSoftmax(logits, row * vocabSize, vocabSize);
          const scaled = logSoftmax(Array.from(own, (value) => value / temperature), 0, vocabSize);
          let draw = random.next();
          let token = vocabSize - 1;
          for (let candidate = 0; candidate < vocabSize; candidate++) {
            draw -= Math.exp(scaled[candidate]!);
            if (draw < 0) {
              token = candidate;
              break;
            }
          }
          next[row] = token;
          completions[row]!.push(token);
          logprobs[row]!.push(own[token]!);
          if (eos.has(token)) finished[row] = 'eos';
          else if (completions[row]!.length >= maxNewTokens) finished[row] = 'length';
        }
        if (finished.every(Boolean)) break;
        logits = await session.step(next);
      }
      session.dispose();
      const sequences: GeneratedSequence[] = request.prompts.map((prompt, row) => ({
        promptIds: prompt,
        completionIds: Int32Array.from(completions[row]!),
        logprobs: Float32Array.from(logprobs[row]!),
        finishReason: finished[row] === 'eos' ? 'eos' : 'length',
      }));
      return { sequences };
    },
  };
}
