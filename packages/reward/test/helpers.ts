import type { ScalarModelV1, ScalarRequest, ScalarResult, TokenBatch, TransformerConfig } from '@instructkit/core';
import type { TokenEncoder } from '../src/index';

/** One token per character: code point − 96 (so 'a' = 1), enough for tests. */
export const characterTokenizer: TokenEncoder = {
  encode: (text: string) => Array.from(text, (character) => character.codePointAt(0)! - 96),
};

export const tinyConfig: TransformerConfig = {
  architecture: 'gpt2',
  vocabSize: 40,
  contextLength: 32,
  hiddenSize: 8,
  numLayers: 1,
  numHeads: 2,
  eosTokenId: 0,
};

/** Real tokens of each row of a batch, honouring the mask (not the padding side). */
export function realTokens(batch: TokenBatch): number[][] {
  return Array.from({ length: batch.batchSize }, (_, row) => {
    const tokens: number[] = [];
    for (let position = 0; position < batch.length; position++) {
      if (batch.attentionMask[row * batch.length + position]) tokens.push(batch.ids[row * batch.length + position]!);
    }
    return tokens;
  });
}

/** A scalar model scoring a row as the sum of a weight per real token; it records every batch. */
export class TokenSumScalarModel implements ScalarModelV1 {
  readonly specificationVersion = 'v1';
  readonly modelId = 'token-sum';
  readonly config = tinyConfig;
  readonly batches: TokenBatch[] = [];
  constructor(readonly weightOf: (token: number) => number = (token) => token) {}
  async doScore(request: ScalarRequest): Promise<ScalarResult> {
    this.batches.push(request.batch);
    return { scores: Float32Array.from(realTokens(request.batch), (tokens) => tokens.reduce((sum, token) => sum + this.weightOf(token), 0)) };
  }
}

import type { EvaluateResult, NamedTensors, RankingTask, TrainableModelV1, TrainingTask, TrainStepRequest, TrainStepResult } from '@instructkit/core';
import { rankingLoss } from '../src/index';

/**
 * A reward model small enough to train by hand: score = Σ weight[token] over real tokens,
 * trained by plain gradient descent on Eq. 1. Records every task it is given, so tests can
 * count forwards. It stands in for an engine while the trainer's data flow is tested.
 */
export class LinearRankingModel extends TokenSumScalarModel implements TrainableModelV1 {
  readonly engine = 'linear-js';
  step = 0;
  readonly weights = new Float64Array(tinyConfig.vocabSize);
  readonly tasks: TrainingTask[] = [];
  constructor(readonly learningRate = 0.5) {
    super();
    (this as { weightOf: (token: number) => number }).weightOf = (token) => this.weights[token]!;
  }
  private rowScores(task: RankingTask): number[] {
    return realTokens(task.batch).map((tokens) => tokens.reduce((sum, token) => sum + this.weights[token]!, 0));
  }
  async doTrainStep(request: TrainStepRequest): Promise<TrainStepResult> {
    const gradient = new Float64Array(this.weights.length);
    let loss = 0;
    let accuracy = 0;
    for (const task of request.microbatches) {
      if (task.kind !== 'ranking') throw new Error('expected a ranking task');
      this.tasks.push(task);
      const scores = this.rowScores(task);
      const result = rankingLoss(scores, task.groups);
      loss += result.loss / request.microbatches.length;
      accuracy += result.accuracy / request.microbatches.length;
      const rows = realTokens(task.batch);
      for (const group of task.groups) {
        let pairs = 0;
        for (const w of group.ranks) for (const l of group.ranks) if (w < l) pairs++;
        for (let i = 0; i < group.rows.length; i++) {
          for (let j = 0; j < group.rows.length; j++) {
            if (!(group.ranks[i]! < group.ranks[j]!)) continue;
            const difference = scores[group.rows[i]!]! - scores[group.rows[j]!]!;
            // d/dd of −log σ(d) is −σ(−d); spread over the tokens of each row.
            const slope = -1 / (1 + Math.exp(difference)) / pairs / task.groups.length / request.microbatches.length;
            for (const token of rows[group.rows[i]!]!) gradient[token]! += slope;
            for (const token of rows[group.rows[j]!]!) gradient[token]! -= slope;
          }
        }
      }
    }
    for (let index = 0; index < this.weights.length; index++) this.weights[index]! -= this.learningRate * gradient[index]!;
    this.step++;
    return { step: this.step, loss, metrics: { accuracy }, gradNorm: 0, learningRate: this.learningRate, tokens: 0 };
  }
  async doEvaluate(task: TrainingTask): Promise<EvaluateResult> {
    if (task.kind !== 'ranking') throw new Error('expected a ranking task');
    const result = rankingLoss(this.rowScores(task), task.groups);
    return { loss: result.loss, metrics: { accuracy: result.accuracy } };
  }
  async doGetParameters(): Promise<NamedTensors> {
    return new Map([['weights', { dtype: 'float32', shape: [this.weights.length], data: Float32Array.from(this.weights) }]]);
  }
  async doSetParameters(): Promise<void> {}
  async doSaveTrainingState(directory: string): Promise<void> {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${directory}/linear.json`, JSON.stringify({ step: this.step, weights: Array.from(this.weights) }));
  }
  async doLoadTrainingState(directory: string): Promise<void> {
    const { readFile } = await import('node:fs/promises');
    const state = JSON.parse(await readFile(`${directory}/linear.json`, 'utf8'));
    this.step = state.step;
    this.weights.set(state.weights);
  }
  dispose(): void {}
}
