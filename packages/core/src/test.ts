/**
 * @packageDocumentation
 * Mock models that record their calls, for users' own tests (`@instructkit/core/test`).
 * They implement core's contracts exactly, with behaviour given by plain functions, so a
 * test of a trainer, a sampler or an eval can check what was asked of the model.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CausalLMV1, DecodeSession, LogitsRequest, LogitsResult, LogprobsRequest, LogprobsResult, StartDecodingRequest, StartDecodingResult } from './causal-lm';
import { InvalidArgumentError } from './errors';
import type { TransformerConfig } from './model-config';
import type { RewardModelV1, ScoreRequest } from './reward-scorer';
import type { ScalarModelV1, ScalarRequest, ScalarResult } from './scalar-model';
import type { NamedTensors, TokenBatch } from './tensors';
import type { EvaluateResult, TrainableModelV1, TrainStepRequest, TrainStepResult } from './trainable-model';
import type { TrainingTask } from './training-task';

/** Next-token probabilities given the real (unpadded) tokens so far; `[vocabSize]`, summing to 1. */
export type NextTokenDistribution = (context: readonly number[]) => ArrayLike<number>;

/** Settings of `MockCausalLM`. */
export interface MockCausalLMSettings {
  /** Next-token distribution as a function of the context. */
  readonly distribution: NextTokenDistribution;
  /**
   * Overrides of the default config (vocab 8, context 64, gpt2 shape, EOS = the last id).
   * EOS follows an overridden `vocabSize` unless `eosTokenId` is given (pass `undefined` for none).
   */
  readonly config?: Partial<TransformerConfig>;
  /** Default: `mock-causal-lm`. */
  readonly modelId?: string;
}

/** One recorded call to a mock model. */
export type MockCall =
  | { readonly method: 'doLogprobs' | 'doLogits' | 'doStartDecoding' | 'doScore'; readonly batch: TokenBatch }
  | { readonly method: 'step'; readonly tokens: Int32Array }
  | { readonly method: 'doScoreTexts'; readonly prompts: readonly string[]; readonly completions: readonly string[] };

const DEFAULT_CONFIG: TransformerConfig = { architecture: 'gpt2', vocabSize: 8, contextLength: 64, hiddenSize: 8, numLayers: 1, numHeads: 1, eosTokenId: 7 };

function mockConfig(overrides: Partial<TransformerConfig> = {}): TransformerConfig {
  const vocabSize = overrides.vocabSize ?? DEFAULT_CONFIG.vocabSize;
  return { ...DEFAULT_CONFIG, eosTokenId: vocabSize - 1, ...overrides };
}

function rowsOf(batch: TokenBatch): number[][] {
  const rows: number[][] = [];
  for (let row = 0; row < batch.batchSize; row++) {
    const tokens: number[] = [];
    for (let column = 0; column < batch.length; column++) {
      if (batch.attentionMask[row * batch.length + column]) tokens.push(batch.ids[row * batch.length + column]!);
    }
    rows.push(tokens);
  }
  return rows;
}

/**
 * A table-driven `CausalLMV1`: logits are `log(distribution(context))` where the context
 * is the row's real tokens (padding removed), so padding side never matters. Records
 * every call in `calls` and counts open decode sessions.
 *
 * @example
 * const model = new MockCausalLM({ distribution: () => [0.5, 0.25, 0.25] , config: { vocabSize: 3, eosTokenId: 2 } });
 * await generate({ model, prompts: [Int32Array.from([0])] });
 * model.calls.map((call) => call.method); // ['doStartDecoding', 'step', …]
 */
export class MockCausalLM implements CausalLMV1 {
  /** Contract version. */
  readonly specificationVersion = 'v1' as const;
  /** Name in logs. */
  readonly modelId: string;
  /** The config (vocabulary size matters; the rest is descriptive). */
  readonly config: TransformerConfig;
  /** Every call, in order. */
  readonly calls: MockCall[] = [];
  /** Decode sessions started and not yet disposed. */
  openSessions = 0;
  private readonly distribution: NextTokenDistribution;

  /** @param settings - Distribution, config overrides, id. */
  constructor(settings: MockCausalLMSettings) {
    this.distribution = settings.distribution;
    this.config = mockConfig(settings.config);
    this.modelId = settings.modelId ?? 'mock-causal-lm';
  }

  /** log of the distribution for a context, checked for shape. */
  nextTokenLogits(context: readonly number[]): Float32Array {
    const probabilities = this.distribution(context);
    if (probabilities.length !== this.config.vocabSize) {
      throw new InvalidArgumentError('distribution', `returned ${probabilities.length} probabilities for a ${this.config.vocabSize}-token vocabulary`);
    }
    return Float32Array.from(probabilities, (probability) => Math.log(probability));
  }

  /** Log-probs (and entropy) from the table; entries whose target is padding stay 0. */
  async doLogprobs(request: LogprobsRequest): Promise<LogprobsResult> {
    const { batch } = request;
    this.calls.push({ method: 'doLogprobs', batch });
    const width = batch.length - 1;
    const logprobs = new Float32Array(batch.batchSize * Math.max(0, width));
    const entropy = request.includeEntropy ? new Float32Array(logprobs.length) : undefined;
    for (let row = 0; row < batch.batchSize; row++) {
      const context: number[] = [];
      for (let column = 0; column < width; column++) {
        const index = row * batch.length + column;
        if (batch.attentionMask[index]) context.push(batch.ids[index]!);
        const target = index + 1;
        if (!batch.attentionMask[target] || context.length === 0) continue;
        const logits = this.nextTokenLogits(context);
        logprobs[row * width + column] = logits[batch.ids[target]!]!;
        if (entropy) entropy[row * width + column] = -logits.reduce((sum, value) => sum + (Number.isFinite(value) ? Math.exp(value) * value : 0), 0);
      }
    }
    return entropy ? { logprobs, entropy } : { logprobs };
  }

  /** `log(distribution)` at every real position; padding positions stay 0. */
  async doLogits(request: LogitsRequest): Promise<LogitsResult> {
    const { batch } = request;
    this.calls.push({ method: 'doLogits', batch });
    const vocabSize = this.config.vocabSize;
    const logits = new Float32Array(batch.batchSize * batch.length * vocabSize);
    for (let row = 0; row < batch.batchSize; row++) {
      const context: number[] = [];
      for (let column = 0; column < batch.length; column++) {
        const index = row * batch.length + column;
        if (!batch.attentionMask[index]) continue;
        context.push(batch.ids[index]!);
        logits.set(this.nextTokenLogits(context), index * vocabSize);
      }
    }
    return { logits };
  }

  /** A session that appends each step's tokens to the rows' contexts; counted in `openSessions` until disposed. */
  async doStartDecoding(request: StartDecodingRequest): Promise<StartDecodingResult> {
    const { batch } = request;
    this.calls.push({ method: 'doStartDecoding', batch });
    const contexts = rowsOf(batch);
    const vocabSize = this.config.vocabSize;
    const logitsOf = () => {
      const logits = new Float32Array(contexts.length * vocabSize);
      contexts.forEach((context, row) => logits.set(this.nextTokenLogits(context), row * vocabSize));
      return logits;
    };
    this.openSessions++;
    let disposed = false;
    const session: DecodeSession = {
      batchSize: batch.batchSize,
      step: async (tokens: Int32Array) => {
        if (disposed) throw new InvalidArgumentError('session', 'was disposed');
        if (tokens.length !== batch.batchSize) throw new InvalidArgumentError('tokens', `has ${tokens.length} entries for ${batch.batchSize} rows`);
        this.calls.push({ method: 'step', tokens: Int32Array.from(tokens) });
        tokens.forEach((token, row) => contexts[row]!.push(token));
        return logitsOf();
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.openSessions--;
      },
    };
    return { logits: logitsOf(), session };
  }
}

/** Settings of `MockScalarModel`. */
export interface MockScalarModelSettings {
  /** Value of a prefix of real tokens (the score read at its last token). */
  readonly value: (context: readonly number[]) => number;
  /** Overrides of the default config. */
  readonly config?: Partial<TransformerConfig>;
  /** Default: `mock-scalar-model`. */
  readonly modelId?: string;
}

/**
 * A `ScalarModelV1` whose score at each position is `value(real tokens up to it)`.
 * `last` reads it at each row's last real token; `all` gives every position (0 at padding).
 */
export class MockScalarModel implements ScalarModelV1 {
  /** Contract version. */
  readonly specificationVersion = 'v1' as const;
  /** Name in logs. */
  readonly modelId: string;
  /** The config. */
  readonly config: TransformerConfig;
  /** Every call, in order. */
  readonly calls: MockCall[] = [];
  private readonly value: (context: readonly number[]) => number;

  /** @param settings - Value function, config overrides, id. */
  constructor(settings: MockScalarModelSettings) {
    this.value = settings.value;
    this.config = mockConfig(settings.config);
    this.modelId = settings.modelId ?? 'mock-scalar-model';
  }

  /** Scores from `value`, at the last real token or at every token. */
  async doScore(request: ScalarRequest): Promise<ScalarResult> {
    const { batch } = request;
    this.calls.push({ method: 'doScore', batch });
    if (request.positions === 'all') {
      const scores = new Float32Array(batch.batchSize * batch.length);
      for (let row = 0; row < batch.batchSize; row++) {
        const context: number[] = [];
        for (let column = 0; column < batch.length; column++) {
          const index = row * batch.length + column;
          if (!batch.attentionMask[index]) continue;
          context.push(batch.ids[index]!);
          scores[index] = this.value(context);
        }
      }
      return { scores };
    }
    return { scores: Float32Array.from(rowsOf(batch), (context) => this.value(context)) };
  }
}

/**
 * A function-backed `RewardModelV1`: `score(prompt, completion)` per pair; records calls.
 *
 * @example
 * const reward = new MockRewardModel((prompt, completion) => completion.length);
 */
export class MockRewardModel implements RewardModelV1 {
  /** Contract version. */
  readonly specificationVersion = 'v1' as const;
  /** Name in logs. */
  readonly modelId: string;
  /** Every call, in order. */
  readonly calls: MockCall[] = [];

  /**
   * @param score - Reward of a completion for its prompt.
   * @param modelId - Name in logs. Default: `mock-reward-model`.
   */
  constructor(
    private readonly score: (prompt: string, completion: string) => number,
    modelId = 'mock-reward-model',
  ) {
    this.modelId = modelId;
  }

  /** One `score(prompt, completion)` per pair. */
  async doScore(request: ScoreRequest): Promise<number[]> {
    if (request.prompts.length !== request.completions.length) {
      throw new InvalidArgumentError('completions', `has ${request.completions.length} entries for ${request.prompts.length} prompts`);
    }
    request.signal?.throwIfAborted();
    this.calls.push({ method: 'doScoreTexts', prompts: [...request.prompts], completions: [...request.completions] });
    return request.prompts.map((prompt, index) => this.score(prompt, request.completions[index]!));
  }
}

/** Settings of `MockTrainableModel`. */
export interface MockTrainableModelSettings {
  /** Loss of optimizer step n (1-based), or a list read in order (the last entry repeats). Default: `1 / n`. */
  readonly losses?: readonly number[] | ((step: number) => number);
  /** Metrics returned by every step and evaluation. Default: `{}`. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Initial parameters. Default: one float32 tensor `w` of shape [2] = [0, 0]. */
  readonly parameters?: NamedTensors;
  /** Learning rate reported by each step. Default: 1e-3. */
  readonly learningRate?: number;
  /** Default: `mock`. */
  readonly engine?: string;
}

/**
 * A `TrainableModelV1` that records the tasks it is given and returns scripted losses;
 * each step adds the step number to every float32 parameter, so parameter changes are
 * visible. Training state (step) round-trips through `mock-training-state.json`.
 */
export class MockTrainableModel implements TrainableModelV1 {
  /** Contract version. */
  readonly specificationVersion = 'v1' as const;
  /** Engine name. */
  readonly engine: string;
  /** Optimizer steps taken. */
  step = 0;
  /** Every `doTrainStep` request, in order. */
  readonly trainRequests: TrainStepRequest[] = [];
  /** Every `doEvaluate` task, in order. */
  readonly evaluatedTasks: TrainingTask[] = [];
  /** True after `dispose()`. */
  disposed = false;
  private parameters: NamedTensors;
  private readonly settings: MockTrainableModelSettings;

  /** @param settings - Scripted losses, metrics, initial parameters. */
  constructor(settings: MockTrainableModelSettings = {}) {
    this.settings = settings;
    this.engine = settings.engine ?? 'mock';
    this.parameters = copyTensors(settings.parameters ?? new Map([['w', { dtype: 'float32', shape: [2], data: new Float32Array(2) }]]));
  }

  private lossAt(step: number): number {
    const { losses } = this.settings;
    if (typeof losses === 'function') return losses(step);
    if (losses && losses.length > 0) return losses[Math.min(step, losses.length) - 1]!;
    return 1 / step;
  }

  /** Records the request, adds the new step number to every float32 parameter, returns the scripted loss. */
  async doTrainStep(request: TrainStepRequest): Promise<TrainStepResult> {
    if (this.disposed) throw new InvalidArgumentError('model', 'was disposed');
    if (request.microbatches.length === 0) throw new InvalidArgumentError('microbatches', 'is empty');
    this.trainRequests.push(request);
    this.step++;
    for (const tensor of this.parameters.values()) {
      if (tensor.data instanceof Float32Array) for (let index = 0; index < tensor.data.length; index++) tensor.data[index]! += this.step;
    }
    const tokens = request.microbatches.reduce((sum, task) => sum + ('batch' in task ? task.batch.attentionMask.reduce((count, bit) => count + bit, 0) : 0), 0);
    return { step: this.step, loss: this.lossAt(this.step), metrics: { ...this.settings.metrics }, gradNorm: 1, learningRate: this.settings.learningRate ?? 1e-3, tokens };
  }

  /** Records the task; returns the current step's scripted loss. */
  async doEvaluate(task: TrainingTask): Promise<EvaluateResult> {
    this.evaluatedTasks.push(task);
    return { loss: this.lossAt(Math.max(1, this.step)), metrics: { ...this.settings.metrics } };
  }

  /** Copies of the parameters. */
  async doGetParameters(): Promise<NamedTensors> {
    return copyTensors(this.parameters);
  }

  /** Replaces the parameters (same names and shapes). */
  async doSetParameters(parameters: NamedTensors): Promise<void> {
    for (const [name, tensor] of this.parameters) {
      const replacement = parameters.get(name);
      if (!replacement) throw new InvalidArgumentError(`parameters['${name}']`, 'is missing');
      if (replacement.shape.join(',') !== tensor.shape.join(',')) {
        throw new InvalidArgumentError(`parameters['${name}'].shape`, `[${replacement.shape.join(', ')}] differs from [${tensor.shape.join(', ')}]`);
      }
    }
    this.parameters = copyTensors(parameters);
  }

  /** Writes `mock-training-state.json` with the step. */
  async doSaveTrainingState(directory: string): Promise<void> {
    await mkdir(directory, { recursive: true });
    await writeFile(path.join(directory, 'mock-training-state.json'), JSON.stringify({ step: this.step }));
  }

  /** Reads the step back. */
  async doLoadTrainingState(directory: string): Promise<void> {
    const state = JSON.parse(await readFile(path.join(directory, 'mock-training-state.json'), 'utf8')) as { step: number };
    this.step = state.step;
  }

  /** Marks the model disposed; later steps throw. */
  dispose(): void {
    this.disposed = true;
  }
}

function copyTensors(tensors: NamedTensors): NamedTensors {
  return new Map([...tensors].map(([name, tensor]) => [name, { dtype: tensor.dtype, shape: [...tensor.shape], data: tensor.data.slice() }]));
}
