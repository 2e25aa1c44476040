import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  EvaluateResult,
  LanguageModelingTask,
  NamedTensors,
  OptimizationSettings,
  TrainableModelV1,
  TrainingTask,
  TrainStepRequest,
  TrainStepResult,
  TransformerConfig,
} from '@instructkit/core';
import type { SftTokenizer } from '../src/index';

/** Characters a–z are ids 1–26, space 27; 0 is EOS (and padding). */
export const characterTokenizer: SftTokenizer = {
  encode: (text) => Array.from(text, (character) => (character === ' ' ? 27 : character.codePointAt(0)! - 96)),
  decode: (ids) => Array.from(ids, (id) => (id === 27 ? ' ' : id === 0 ? '' : String.fromCodePoint(id + 96))).join(''),
  eosTokenId: 0,
  toTokenizerJson: () => JSON.stringify({ model: { type: 'characters' } }),
};

export const bigramConfig: TransformerConfig = {
  architecture: 'gpt2',
  vocabSize: 28,
  contextLength: 24,
  hiddenSize: 4,
  numLayers: 1,
  numHeads: 1,
  eosTokenId: 0,
};

/**
 * A bigram language model trained by plain gradient descent on core's LanguageModelingTask:
 * logits of the next token = a row of a table selected by the current token. Small enough to
 * train in milliseconds, real enough that its loss falls only if the trainer feeds the right
 * targets. It records every task and the optimization settings it was configured with.
 */
export class BigramModel implements TrainableModelV1 {
  readonly specificationVersion = 'v1';
  readonly engine = 'bigram-js';
  readonly modelId = 'bigram';
  readonly config = bigramConfig;
  step = 0;
  table = new Float64Array(28 * 28);
  readonly tasks: LanguageModelingTask[] = [];
  readonly stepSizes: number[] = [];
  configured?: OptimizationSettings;
  constructor(readonly learningRate = 2) {}

  configureTraining(settings: OptimizationSettings): void {
    this.configured = settings;
  }

  private lossAndGradient(task: LanguageModelingTask, gradient?: Float64Array): { loss: number; targets: number } {
    const { batchSize, length, ids } = task.batch;
    let loss = 0;
    let targets = 0;
    const pending: [number, number][] = [];
    for (let row = 0; row < batchSize; row++) {
      for (let t = 0; t < length - 1; t++) {
        if (!task.lossMask[row * (length - 1) + t]) continue;
        pending.push([ids[row * length + t]!, ids[row * length + t + 1]!]);
      }
    }
    for (const [current, next] of pending) {
      const logits = this.table.subarray(current * 28, current * 28 + 28);
      const max = Math.max(...logits);
      const exps = Array.from(logits, (value) => Math.exp(value - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      loss -= Math.log(exps[next]! / sum);
      targets++;
      if (gradient) for (let token = 0; token < 28; token++) gradient[current * 28 + token]! += (exps[token]! / sum - (token === next ? 1 : 0)) / pending.length;
    }
    return { loss: targets ? loss / targets : 0, targets };
  }

  async doTrainStep(request: TrainStepRequest): Promise<TrainStepResult> {
    const gradient = new Float64Array(this.table.length);
    let loss = 0;
    let tokens = 0;
    for (const task of request.microbatches) {
      if (task.kind !== 'language-modeling') throw new Error('bigram trains language modeling only');
      this.tasks.push(task);
      const part = new Float64Array(this.table.length);
      const result = this.lossAndGradient(task, part);
      for (let index = 0; index < part.length; index++) gradient[index]! += part[index]! / request.microbatches.length;
      loss += result.loss / request.microbatches.length;
      tokens += task.batch.attentionMask.reduce((a, b) => a + b, 0);
    }
    this.stepSizes.push(request.microbatches.length);
    for (let index = 0; index < this.table.length; index++) this.table[index]! -= this.learningRate * gradient[index]!;
    this.step++;
    return { step: this.step, loss, metrics: {}, gradNorm: 0, learningRate: this.learningRate, tokens };
  }
  async doEvaluate(task: TrainingTask): Promise<EvaluateResult> {
    if (task.kind !== 'language-modeling') throw new Error('bigram evaluates language modeling only');
    return { loss: this.lossAndGradient(task).loss, metrics: {} };
  }
  async doGetParameters(): Promise<NamedTensors> {
    return new Map([['table', { dtype: 'float32', shape: [28, 28], data: Float32Array.from(this.table) }]]);
  }
  async doSetParameters(parameters: NamedTensors): Promise<void> {
    this.table = Float64Array.from(parameters.get('table')!.data as Float32Array);
  }
  async doSaveTrainingState(directory: string): Promise<void> {
    // Full precision, so a resume continues exactly (the safetensors copy is float32).
    await writeFile(path.join(directory, 'bigram.json'), JSON.stringify({ step: this.step, table: Array.from(this.table) }));
  }
  async doLoadTrainingState(directory: string): Promise<void> {
    const state = JSON.parse(await readFile(path.join(directory, 'bigram.json'), 'utf8'));
    this.step = state.step;
    this.table = Float64Array.from(state.table);
  }
  dispose(): void {}
}

/** Deterministic generator (LCG) for synthetic data. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Prompts "say X" answered by " X X X": a bigram can learn the completion pattern. */
export function echoRecords(count: number, seed: number): { prompt: string; completion: string }[] {
  const random = lcg(seed);
  return Array.from({ length: count }, () => {
    const letter = 'abcdefgh'[Math.floor(random() * 8)]!;
    return { prompt: `say ${letter}`, completion: ` ${letter}${letter}${letter}` };
  });
}
