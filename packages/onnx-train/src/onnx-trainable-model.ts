import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  CheckpointError,
  createRng,
  InvalidArgumentError,
  learningRateAt,
  readSafetensors,
  toFloat32,
  writeFileAtomic,
  writeSafetensors,
  type EvaluateResult,
  type NamedTensors,
  type OptimizationSettings,
  type Rng,
  type RngState,
  type TrainableModelV1,
  type TrainingTask,
  type CausalLMV1,
  type LogitsRequest,
  type LogitsResult,
  type LogprobsRequest,
  type LogprobsResult,
  type PolicyTask,
  type ScalarModelV1,
  type ScalarRequest,
  type ScalarResult,
  type StartDecodingRequest,
  type StartDecodingResult,
  type ValueTask,
  UnsupportedError,
  type TrainStepRequest,
  type TrainStepResult,
  type TransformerConfig,
  resolveAdamW,
  type ResolvedAdamW,
} from '@instructkit/core';
import { buildTrainingGraph, type TrainingGraph } from './model/build-training-graph';
import { gpt2Dimensions, gpt2ParameterSpecs, initializeGpt2Parameters, type Gpt2Dimensions, type ModelHead, type ParameterSpec } from './model/gpt2-parameters';
import { createDropoutMaskBuffers, type DropoutMaskBuffers } from './model/dropout-masks';
import { bucketTask, realTokens } from './model/bucket-task';
import { prepareTask, type DropoutInput, type PreparedTask } from './model/prepare-task';
import { taskShapeKey } from './model/task-shape';
import { flatAdamWStep, globalNorm } from './optimizer/flat-adamw';
import { createWasmAdamWBuffers, type WasmAdamWBuffers } from './optimizer/wasm-adamw';
import { createTrainingSession, trainingExecutionProviders, type TrainingSessionSettings } from './runtime/create-training-session';

/** Settings of `createOnnxTrainableModel`. */
export interface OnnxTrainableModelSettings {
  /** The architecture (GPT-2 today). */
  readonly config: TransformerConfig;
  /** Output head: `causal-lm` for policies and SFT, `scalar` for reward and value models. Default: `causal-lm`. */
  readonly head?: ModelHead;
  /** Seed of the Hugging Face-style random initialisation, when `weights` is absent. Default: 0. */
  readonly seed?: number;
  /**
   * Initial weights in Hugging Face GPT-2 naming (`h.0.attn.c_attn.weight`, with or without the
   * `transformer.` prefix; mask buffers are ignored), e.g. from `readSafetensors`. Default: random.
   */
  readonly weights?: NamedTensors;
  /** Optimizer, schedule, clipping and the dropout seed. */
  readonly training: OptimizationSettings;
  /** onnxruntime threads, spinning and providers. Default: 2 intra-op threads, no spinning, CPU. */
  readonly session?: TrainingSessionSettings;
  /** Identifier reported as `modelId`. Default: `onnx-gpt2`. */
  readonly modelId?: string;
  /**
   * With a `scalar` head and `weights` from a language model (no `score.*`): keep the
   * seeded fresh head instead of failing — how a reward model starts from an SFT checkpoint.
   * Default: false.
   */
  readonly freshScoreHead?: boolean;
  /**
   * Compiled sessions kept (one per objective, mode and bucketed batch shape); the least
   * recently used is released beyond this. Default: 16.
   */
  readonly sessionCacheSize?: number;
}

/**
 * Training batches are padded to these buckets (see `bucketTask`): lengths to a multiple of 16,
 * rows to a power of two up to 8 and to a multiple of 8 beyond, so that a batch of 4 (the 124m
 * benchmark, small reward-model batches) is not padded to 8 rows and twice the work.
 */
const LENGTH_BUCKET = 16;
const ROW_BUCKET = 8;

function rowBucket(rows: number): number {
  if (rows >= ROW_BUCKET) return ROW_BUCKET;
  let power = 1;
  while (power < rows) power *= 2;
  return power;
}

const STATE_FILE = 'onnx-training-state.json';
const MOMENTS_FILE = 'onnx-optimizer.safetensors';

interface CompiledObjective {
  readonly graph: TrainingGraph;
  readonly session: ort.InferenceSession;
  /** Reused dropout mask buffers of this bucket (inverted-dropout scales), made by the first step. */
  masks?: DropoutMaskBuffers;
}

/**
 * The compiled training engine: a GPT-2 whose objectives run as ONNX training graphs
 * (forward, loss and generated backward in one onnxruntime session per objective and
 * batch shape), with AdamW over flat Float32Array buffers. Implements core's
 * `TrainableModelV1`, so SFT, reward and PPO run on it unchanged.
 */
export class OnnxTrainableModel implements TrainableModelV1, CausalLMV1, ScalarModelV1 {
  readonly specificationVersion = 'v1' as const;
  /** Engine name as logged. */
  readonly engine: string;
  /** Model identifier. */
  readonly modelId: string;
  /** The architecture. */
  readonly config: TransformerConfig;
  /** Output head. */
  readonly head: ModelHead;
  /** Parameter layout in the flat buffers (Hugging Face order). */
  readonly parameterSpecs: readonly ParameterSpec[];
  /** Live parameters, all back to back (float32). Read-only for callers. */
  readonly parameters: Float32Array;
  private readonly dims: Gpt2Dimensions;
  private readonly gradients: Float32Array;
  private readonly wasmBuffers: WasmAdamWBuffers | undefined;
  private readonly firstMoments: Float32Array;
  private readonly secondMoments: Float32Array;
  private readonly parameterFeeds: Record<string, ort.Tensor>;
  private readonly gradientFetches: Record<string, ort.Tensor>;
  private scratch: Float32Array | undefined;
  private scratchFetches: Record<string, ort.Tensor> | undefined;
  private readonly objectives = new Map<string, Promise<CompiledObjective>>();
  private optimizer: ResolvedAdamW;
  private training: OptimizationSettings;
  private readonly sessionSettings: TrainingSessionSettings;
  private readonly sessionCacheSize: number;
  private readonly rng: Rng;
  private currentStep = 0;
  private disposed = false;

  /** Use `createOnnxTrainableModel`. */
  constructor(settings: OnnxTrainableModelSettings) {
    this.config = settings.config;
    this.dims = gpt2Dimensions(settings.config);
    this.head = settings.head ?? 'causal-lm';
    this.modelId = settings.modelId ?? 'onnx-gpt2';
    this.training = settings.training;
    this.optimizer = resolveAdamW(settings.training.optimizer);
    // Providers are resolved once, so every session of this model (and its engine name) agrees.
    const executionProviders = trainingExecutionProviders(settings.session);
    this.sessionSettings = { ...settings.session, executionProviders };
    this.sessionCacheSize = settings.sessionCacheSize ?? 16;
    this.engine = executionProviders[0] === 'cuda' ? 'onnxruntime-cuda' : 'onnxruntime-cpu';
    this.parameterSpecs = gpt2ParameterSpecs(settings.config, this.head);
    const total = this.parameterSpecs.reduce((sum, spec) => sum + spec.size, 0);
    // The buffers live in a WebAssembly memory where one can hold them, for the SIMD AdamW step.
    this.wasmBuffers = createWasmAdamWBuffers(total);
    const initial = initializeGpt2Parameters(this.parameterSpecs, this.dims.numLayers, settings.seed ?? 0);
    this.parameters = this.wasmBuffers ? this.wasmBuffers.parameters : initial;
    if (this.wasmBuffers) this.parameters.set(initial);
    if (settings.weights) this.setParameters(settings.weights, 'weights', settings.freshScoreHead ?? false);
    this.gradients = this.wasmBuffers?.gradients ?? new Float32Array(total);
    this.firstMoments = this.wasmBuffers?.firstMoments ?? new Float32Array(total);
    this.secondMoments = this.wasmBuffers?.secondMoments ?? new Float32Array(total);
    // The feeds are views of the live buffer: an update in place is what the next run sees.
    this.parameterFeeds = Object.fromEntries(
      this.parameterSpecs.map((spec) => [spec.name, new ort.Tensor('float32', this.parameters.subarray(spec.offset, spec.offset + spec.size), [...spec.shape])]),
    );
    this.gradientFetches = this.viewsAsOutputs(this.gradients);
    this.rng = createRng(settings.training.seed ?? 0);
    const maxGradNorm = settings.training.maxGradNorm ?? 0;
    if (!(maxGradNorm >= 0)) throw new InvalidArgumentError('training.maxGradNorm', `must be ≥ 0, got ${maxGradNorm}`);
  }

  /**
   * Replaces the optimization settings (the tfjs engine's `configureTraining`, so command
   * code drives both engines alike). Moments, step and the dropout RNG are kept.
   * @throws {InvalidArgumentError} invalid optimizer settings.
   */
  configureTraining(settings: OptimizationSettings): void {
    this.optimizer = resolveAdamW(settings.optimizer);
    if (!((settings.maxGradNorm ?? 0) >= 0)) throw new InvalidArgumentError('training.maxGradNorm', `must be ≥ 0, got ${settings.maxGradNorm}`);
    this.training = settings;
  }

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.currentStep;
  }

  /** Number of parameters. */
  get parameterCount(): number {
    return this.parameters.length;
  }

  /** Number of compiled sessions held (one per objective, mode and batch shape). */
  get sessionCount(): number {
    return this.objectives.size;
  }

  /** The task padded to its shape bucket (train and evaluate only: their outputs are reductions). */
  private bucketed(task: TrainingTask): TrainingTask {
    if (task.kind === 'custom') return task;
    // Each term of a weighted sum gets the bucket of its own row count.
    if (task.kind === 'weighted-sum') return { ...task, terms: task.terms.map((term) => ({ ...term, task: this.bucketed(term.task) })) };
    return bucketTask(task, { lengthMultiple: LENGTH_BUCKET, rowMultiple: rowBucket(task.batch.batchSize), maxLength: this.config.contextLength });
  }

  private objective(mode: 'train' | 'evaluate', task: ReturnType<typeof prepareTask>): Promise<CompiledObjective> {
    const key = `${mode}:${taskShapeKey(task.shape)}`;
    let compiled = this.objectives.get(key);
    if (compiled) {
      // Most recently used last: the Map's order is the eviction order.
      this.objectives.delete(key);
      this.objectives.set(key, compiled);
    } else {
      const limit = Math.max(1, this.sessionCacheSize);
      while (this.objectives.size >= limit) {
        const [oldestKey, oldest] = this.objectives.entries().next().value as [string, Promise<CompiledObjective>];
        this.objectives.delete(oldestKey);
        void oldest.then((objective) => objective.session.release()).catch(() => undefined);
      }
      compiled = (async () => {
        const graph = buildTrainingGraph({ config: this.config, head: this.head, shape: task.shape, mode });
        const session = await createTrainingSession(graph.modelBytes, this.sessionSettings);
        return { graph, session };
      })();
      this.objectives.set(key, compiled);
      compiled.catch(() => this.objectives.delete(key));
    }
    return compiled;
  }

  private fillDropout(compiled: CompiledObjective, inputs: readonly DropoutInput[], feeds: Record<string, ort.Tensor>): void {
    // A bucket's dropout inputs are the same on every step (its shape fixes them).
    compiled.masks ??= createDropoutMaskBuffers(inputs.map((input) => input.shape.reduce((total, dimension) => total * dimension, 1)));
    inputs.forEach((input, index) => {
      // Kept elements hold the inverted-dropout scale, so the graph applies dropout with one Mul.
      compiled.masks!.fill(index, input.probability, this.rng, Math.fround(1 / (1 - input.probability)));
      feeds[input.name] = new ort.Tensor('float32', compiled.masks!.masks[index]!, [...input.shape]);
    });
  }

  private viewsAsOutputs(buffer: Float32Array): Record<string, ort.Tensor> {
    return Object.fromEntries(
      this.parameterSpecs.map((spec) => [`grad.${spec.name}`, new ort.Tensor('float32', buffer.subarray(spec.offset, spec.offset + spec.size), [...spec.shape])]),
    );
  }

  /** The second gradient buffer, allocated on the first accumulated step. */
  private scratchGradients(): Float32Array {
    if (!this.scratch) {
      this.scratch = new Float32Array(this.parameters.length);
      this.scratchFetches = this.viewsAsOutputs(this.scratch);
    }
    return this.scratch;
  }

  private checkAlive(): void {
    if (this.disposed) throw new InvalidArgumentError('model', 'has been disposed');
  }

  /**
   * Computes the gradients of each micro-batch, averages them, clips the global norm,
   * and applies one AdamW step with the scheduled learning rate.
   * @throws {InvalidArgumentError} an empty request or an inconsistent task.
   */
  async doTrainStep(request: TrainStepRequest): Promise<TrainStepResult> {
    this.checkAlive();
    const { microbatches } = request;
    if (microbatches.length === 0) throw new InvalidArgumentError('request.microbatches', 'must hold at least one task');
    const prepared = microbatches.map((task) => ({ ...prepareTask(this.bucketed(task), this.dims, this.head), tokens: realTokens(task) }));
    const scale = 1 / microbatches.length;
    let loss = 0;
    let tokens = 0;
    const metricSums: Record<string, number> = {};
    let sumOfSquares = NaN;
    for (let index = 0; index < prepared.length; index++) {
      const task = prepared[index]!;
      const compiled = await this.objective('train', task);
      const feeds: Record<string, ort.Tensor> = { ...this.parameterFeeds, ...task.feeds };
      this.fillDropout(compiled, task.dropout, feeds);
      // onnxruntime writes the first micro-batch's gradients straight into the flat buffer and
      // later ones into a scratch buffer that is added in: no per-step gradient allocation.
      const target = index === 0 ? this.gradients : this.scratchGradients();
      const fetches: Record<string, ort.Tensor | null> = { ...(index === 0 ? this.gradientFetches : this.scratchFetches!) };
      for (const name of compiled.graph.valueOutputs) fetches[name] = null;
      const normOutput = compiled.graph.gradientSumOfSquaresOutput;
      if (normOutput) fetches[normOutput] = null;
      const outputs = await compiled.session.run(feeds, fetches as ort.InferenceSession.FetchesType);
      if (normOutput) {
        sumOfSquares = (outputs[normOutput]!.data as Float32Array)[0]!;
        outputs[normOutput]!.dispose();
      }
      if (index > 0) for (let element = 0; element < target.length; element++) this.gradients[element]! += target[element]!;
      loss += (outputs.loss!.data as Float32Array)[0]! * scale;
      tokens += task.tokens;
      for (const [name, value] of Object.entries(task.metrics(outputs))) metricSums[name] = (metricSums[name] ?? 0) + value * scale;
      for (const name of compiled.graph.valueOutputs) outputs[name]!.dispose();
    }
    // The buffer holds the sum over micro-batches; their mean is folded into the AdamW pass. One
    // micro-batch's norm comes from the graph; a sum of several needs a pass over the buffer.
    const gradNorm = (prepared.length === 1 && Number.isFinite(sumOfSquares) ? Math.sqrt(sumOfSquares) : globalNorm(this.gradients)) * scale;
    const maxGradNorm = this.training.maxGradNorm ?? 0;
    // torch.nn.utils.clip_grad_norm_ scaling, applied inside the AdamW pass.
    const clipScale = maxGradNorm > 0 && gradNorm > maxGradNorm ? maxGradNorm / (gradNorm + 1e-6) : 1;
    const learningRate = learningRateAt(this.training.schedule ?? { kind: 'constant' }, this.currentStep, this.optimizer.learningRate);
    this.currentStep += 1;
    if (this.wasmBuffers) this.wasmBuffers.step(this.parameterSpecs, this.optimizer, learningRate, this.currentStep, clipScale * scale);
    else flatAdamWStep(this.parameters, this.gradients, this.firstMoments, this.secondMoments, this.parameterSpecs, this.optimizer, learningRate, this.currentStep, clipScale * scale);
    return { step: this.currentStep, loss, metrics: metricSums, gradNorm, learningRate, tokens };
  }

  /** Loss and metrics of a task without dropout and without an update. */
  async doEvaluate(task: TrainingTask): Promise<EvaluateResult> {
    const prepared = prepareTask(this.bucketed(task), this.dims, this.head);
    const outputs = await this.runEvaluation(prepared);
    const result = { loss: (outputs.loss!.data as Float32Array)[0]!, metrics: prepared.metrics(outputs) };
    for (const tensor of Object.values(outputs)) tensor.dispose();
    return result;
  }

  /**
   * The loss and the gradient of one task at the current parameters, without an update
   * (dropout applies when the config has it, drawing from the training RNG). For checks
   * against other engines and finite differences.
   */
  async computeGradients(task: TrainingTask): Promise<{ loss: number; gradients: NamedTensors }> {
    this.checkAlive();
    const prepared = prepareTask(task, this.dims, this.head);
    const compiled = await this.objective('train', prepared);
    const feeds: Record<string, ort.Tensor> = { ...this.parameterFeeds, ...prepared.feeds };
    this.fillDropout(compiled, prepared.dropout, feeds);
    const outputs = await compiled.session.run(feeds);
    const gradients: NamedTensors = new Map();
    compiled.graph.parameters.forEach((spec, position) => {
      const data = Float32Array.from(outputs[compiled.graph.gradientOutputs[position]!]!.data as Float32Array);
      gradients.set(spec.name, { dtype: 'float32', shape: [...spec.shape], data });
    });
    return { loss: (outputs.loss!.data as Float32Array)[0]!, gradients };
  }

  /**
   * Per-token log-probs from the live parameters (evaluation mode): no export or copy
   * between PPO iterations. Entries whose target is padding are 0.
   * @throws {InvalidArgumentError} on a scalar-head model.
   */
  async doLogprobs(request: LogprobsRequest): Promise<LogprobsResult> {
    const { batch } = request;
    const actions = batch.batchSize * Math.max(batch.length - 1, 0);
    const task: PolicyTask = {
      kind: 'ppo-policy',
      batch,
      actionMask: new Uint8Array(actions),
      oldLogprobs: new Float32Array(actions),
      advantages: new Float32Array(actions),
    };
    const outputs = await this.runEvaluation(prepareTask(task, this.dims, this.head));
    const logprobs = new Float32Array(actions);
    const entropy = request.includeEntropy ? new Float32Array(actions) : undefined;
    const perPositionLogprobs = outputs.logprobs!.data as Float32Array;
    const perPositionEntropy = outputs.entropy!.data as Float32Array;
    for (let row = 0; row < batch.batchSize; row++) {
      for (let step = 0; step < batch.length - 1; step++) {
        const action = row * (batch.length - 1) + step;
        const position = row * batch.length + step;
        if (batch.attentionMask[position + 1]) logprobs[action] = perPositionLogprobs[position]!;
        if (entropy) entropy[action] = perPositionEntropy[position]!;
      }
    }
    for (const tensor of Object.values(outputs)) tensor.dispose();
    return entropy ? { logprobs, entropy } : { logprobs };
  }

  /** Not provided by the training engine: use `@instructkit/onnx` (`createOrtCausalLMFromWeights`) for logits and decoding. */
  async doLogits(_request: LogitsRequest): Promise<LogitsResult> {
    throw new UnsupportedError('the ONNX training engine returns log-probs, not full logits; export with @instructkit/onnx for logits and decoding');
  }

  /** Not provided by the training engine: use `@instructkit/onnx` for KV-cache decoding. */
  async doStartDecoding(_request: StartDecodingRequest): Promise<StartDecodingResult> {
    throw new UnsupportedError('the ONNX training engine has no KV-cache decoder; generate with @instructkit/onnx (createOrtCausalLMFromWeights) from doGetParameters()');
  }

  /**
   * Scalar-head scores from the live parameters (evaluation mode): at each row's last real
   * token, or at every token (0 at padding).
   * @throws {InvalidArgumentError} on a causal-LM model.
   */
  async doScore(request: ScalarRequest): Promise<ScalarResult> {
    const { batch } = request;
    const actions = batch.batchSize * Math.max(batch.length - 1, 0);
    const task: ValueTask = {
      kind: 'ppo-value',
      batch,
      actionMask: new Uint8Array(actions),
      returns: new Float32Array(actions),
      oldValues: new Float32Array(actions),
    };
    const outputs = await this.runEvaluation(prepareTask(task, this.dims, this.head));
    const values = outputs.values!.data as Float32Array;
    let scores: Float32Array;
    if ((request.positions ?? 'last') === 'all') {
      scores = new Float32Array(batch.batchSize * batch.length);
      for (let index = 0; index < scores.length; index++) scores[index] = batch.attentionMask[index] ? values[index]! : 0;
    } else {
      scores = new Float32Array(batch.batchSize);
      for (let row = 0; row < batch.batchSize; row++) {
        let last = 0;
        for (let index = batch.length - 1; index >= 0; index--) {
          if (batch.attentionMask[row * batch.length + index]) {
            last = index;
            break;
          }
        }
        scores[row] = values[row * batch.length + last]!;
      }
    }
    for (const tensor of Object.values(outputs)) tensor.dispose();
    return { scores };
  }

  private async runEvaluation(prepared: PreparedTask): Promise<ort.InferenceSession.OnnxValueMapType> {
    this.checkAlive();
    const compiled = await this.objective('evaluate', prepared);
    return compiled.session.run({ ...this.parameterFeeds, ...prepared.feeds });
  }

  /** Copies of the parameters in Hugging Face GPT-2 naming (no `transformer.` prefix). */
  async doGetParameters(): Promise<NamedTensors> {
    const result: NamedTensors = new Map();
    for (const spec of this.parameterSpecs) {
      result.set(spec.name, { dtype: 'float32', shape: [...spec.shape], data: this.parameters.slice(spec.offset, spec.offset + spec.size) });
    }
    return result;
  }

  /** Replaces every parameter (same names and shapes; any float dtype). */
  async doSetParameters(parameters: NamedTensors): Promise<void> {
    this.checkAlive();
    this.setParameters(parameters, 'parameters');
  }

  private setParameters(parameters: NamedTensors, field: string, keepMissingScoreHead = false): void {
    const byName = new Map<string, NamedTensors extends Map<string, infer T> ? T : never>();
    for (const [name, tensor] of parameters) {
      const bare = name.startsWith('transformer.') ? name.slice('transformer.'.length) : name;
      if (/\.attn\.(masked_)?bias$/.test(bare)) continue; // causal-mask buffers, not parameters
      // A tied or dropped unembedding: Hugging Face files may still carry lm_head.weight.
      if (bare === 'lm_head.weight' && !this.parameterSpecs.some((spec) => spec.name === 'lm_head.weight')) continue;
      byName.set(bare, tensor);
    }
    for (const spec of this.parameterSpecs) {
      const tensor = byName.get(spec.name);
      if (!tensor && keepMissingScoreHead && spec.name.startsWith('score.')) continue;
      if (!tensor) throw new InvalidArgumentError(`${field}`, `missing ${spec.name}`);
      if (tensor.shape.length !== spec.shape.length || tensor.shape.some((dimension, index) => dimension !== spec.shape[index])) {
        throw new InvalidArgumentError(`${field}.${spec.name}`, `has shape [${tensor.shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
      }
      this.parameters.set(toFloat32(tensor), spec.offset);
      byName.delete(spec.name);
    }
    if (byName.size > 0) throw new InvalidArgumentError(field, `unexpected tensors: ${[...byName.keys()].slice(0, 5).join(', ')}`);
  }

  /** Writes AdamW moments, the step and the dropout RNG state into `directory`. */
  async doSaveTrainingState(directory: string): Promise<void> {
    await mkdir(directory, { recursive: true });
    await writeSafetensors(
      path.join(directory, MOMENTS_FILE),
      new Map([
        ['first_moments', { dtype: 'float32', shape: [this.firstMoments.length], data: this.firstMoments }],
        ['second_moments', { dtype: 'float32', shape: [this.secondMoments.length], data: this.secondMoments }],
      ]),
      { format: 'instructkit-onnx-train' },
    );
    const state = { engine: 'onnx-train', step: this.currentStep, parameterCount: this.parameters.length, rng: this.rng.getState() };
    await writeFileAtomic(path.join(directory, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  }

  /**
   * Restores what `doSaveTrainingState` wrote; with the same parameters, the next step is bit-identical.
   * @throws {CheckpointError} missing files or a state of another model size.
   */
  async doLoadTrainingState(directory: string): Promise<void> {
    const statePath = path.join(directory, STATE_FILE);
    let state: { step: number; parameterCount: number; rng: RngState };
    try {
      state = JSON.parse(await readFile(statePath, 'utf8'));
    } catch (error) {
      throw new CheckpointError(statePath, `cannot be read (${(error as Error).message})`, { cause: error });
    }
    if (state.parameterCount !== this.parameters.length) {
      throw new CheckpointError(statePath, `holds the state of ${state.parameterCount} parameters; this model has ${this.parameters.length}`);
    }
    const { tensors } = await readSafetensors(path.join(directory, MOMENTS_FILE));
    const first = tensors.get('first_moments');
    const second = tensors.get('second_moments');
    if (!first || !second) throw new CheckpointError(path.join(directory, MOMENTS_FILE), 'lacks first_moments or second_moments');
    this.firstMoments.set(toFloat32(first));
    this.secondMoments.set(toFloat32(second));
    this.currentStep = state.step;
    this.rng.setState(state.rng);
  }

  /** Releases every cached onnxruntime session. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const compiled of this.objectives.values()) void compiled.then((objective) => objective.session.release()).catch(() => undefined);
    this.objectives.clear();
  }
}

/**
 * Creates a GPT-2 trainable on the compiled ONNX engine.
 *
 * @param settings - Architecture, head, initial weights or seed, optimization settings.
 * @throws {InvalidArgumentError} a non-GPT-2 config, invalid optimizer settings, or weights that do not match.
 * @example
 * const model = createOnnxTrainableModel({
 *   config: parseModelConfig(JSON.parse(await readFile('gpt2/config.json', 'utf8'))),
 *   weights: (await readSafetensors('gpt2/model.safetensors')).tensors,
 *   training: { optimizer: { learningRate: 1e-4, weightDecay: 0.01 }, maxGradNorm: 1 },
 * });
 * const { loss } = await model.doTrainStep({ microbatches: [{ kind: 'language-modeling', batch, lossMask }] });
 */
export function createOnnxTrainableModel(settings: OnnxTrainableModelSettings): OnnxTrainableModel {
  return new OnnxTrainableModel(settings);
}
