import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointError,
  InvalidArgumentError,
  UnsupportedError,
  learningRateAt,
  readSafetensors,
  toFloat32,
  writeFileAtomic,
  writeSafetensors,
  type EvaluateResult,
  type NamedTensors,
  type OptimizationSettings,
  type TokenBatch,
  type TrainableModelV1,
  type TrainingTask,
  type TrainStepRequest,
  type TrainStepResult,
  type TransformerConfig,
  resolveAdamW,
  type ResolvedAdamW,
} from '@instructkit/core';
import { AdamW } from './adamw';
import { currentBackend } from './backends';
import { EVALUATION_MODE, hashIntegers, positionIds, trainingMode } from './batch-utils';
import { families } from './gpt2-family';
import type { ForwardMode, ModelFamily, ParameterSpec, TrunkOutput } from './model-family';
import { objectiveValue, type ObjectiveModel } from './objectives';

/** File names inside a training-state directory. */
export const TRAINING_STATE_FILE = 'training-state.json';
/** Optimizer moments, `exp_avg.<param>` / `exp_avg_sq.<param>` (PyTorch's names). */
export const OPTIMIZER_FILE = 'optimizer.safetensors';

interface TrainingStateJson {
  readonly format: 'instructkit-tfjs-training-state';
  readonly version: 1;
  readonly step: number;
  readonly optimization: OptimizationSettings;
  /** Dropout masks are a pure function of (seed, step, microbatch, call): this is the whole RNG state. */
  readonly rng: { readonly kind: 'counter-hash'; readonly seed: number; readonly step: number };
}

/** Resolves the block family of a config. @throws {UnsupportedError} for a family not implemented yet. */
export function familyOf(config: TransformerConfig): ModelFamily {
  const family = families[config.architecture];
  if (!family) throw new UnsupportedError(`architecture "${config.architecture}" is not implemented by the tfjs engine yet (available: ${Object.keys(families).join(', ')})`);
  return family;
}

/** Draws initial values for parameter specs, seeded per parameter. */
export function initialValues(specs: readonly ParameterSpec[], seed: number): tf.Tensor[] {
  return specs.map((spec, index) =>
    tf.tidy(() => {
      if (spec.init === 'zeros') return tf.zeros([...spec.shape]);
      if (spec.init === 'ones') return tf.ones([...spec.shape]);
      return tf.randomNormal([...spec.shape], 0, spec.std ?? 0.02, 'float32', hashIntegers(seed, index));
    }),
  );
}

/**
 * Shared machinery of {@link TfjsCausalLM} and {@link TfjsScalarModel}: parameters as
 * tfjs variables in Hugging Face naming, the trunk forward pass, and the
 * `TrainableModelV1` implementation (AdamW, schedules, clipping, accumulation, state I/O).
 */
export abstract class TfjsTransformer implements TrainableModelV1, ObjectiveModel {
  /** Contract version. */
  readonly specificationVersion = 'v1' as const;
  /** Identifies the model in logs (a directory, or `gpt2-tfjs` for a fresh one). */
  readonly modelId: string;
  /** Architecture. */
  readonly config: TransformerConfig;
  /** Engine name, `tfjs-<backend>` (e.g. `tfjs-wasm`). */
  readonly engine: string;
  /** `causal-lm` or `scalar`. */
  abstract readonly kind: 'causal-lm' | 'scalar';

  protected readonly family: ModelFamily;
  /** Parameter names in Hugging Face naming without the `transformer.` prefix, in a fixed order. */
  protected readonly parameterNames: readonly string[];
  /** The parameters, same order as `parameterNames`. */
  protected readonly variables: readonly tf.Variable[];
  protected readonly parameterMap: ReadonlyMap<string, tf.Variable>;

  private optimizer: AdamW | undefined;
  private optimization: OptimizationSettings | undefined;
  private adam: ResolvedAdamW | undefined;
  private stepCount = 0;
  private disposed = false;

  protected constructor(config: TransformerConfig, modelId: string, specs: readonly ParameterSpec[], values: readonly tf.Tensor[]) {
    this.config = config;
    this.modelId = modelId;
    this.family = familyOf(config);
    this.engine = `tfjs-${currentBackend() ?? tf.getBackend()}`;
    this.parameterNames = specs.map((spec) => spec.name);
    this.variables = values.map((value) => {
      const variable = tf.variable(value, true);
      value.dispose();
      return variable;
    });
    this.parameterMap = new Map(this.parameterNames.map((name, index) => [name, this.variables[index]!]));
  }

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.stepCount;
  }

  /** Whether `configureTraining` (or `doLoadTrainingState`) has set up an optimizer. */
  get isTrainingConfigured(): boolean {
    return this.optimizer !== undefined;
  }

  /** Number of scalar parameters. */
  get parameterCount(): number {
    return this.variables.reduce((total, variable) => total + variable.size, 0);
  }

  /**
   * Sets the optimizer, schedule, clipping and dropout seed used by `doTrainStep`.
   * Calling it again keeps the optimizer moments and the step count (hyper-parameters may change).
   * @throws {InvalidArgumentError} for out-of-range settings.
   */
  configureTraining(settings: OptimizationSettings): void {
    this.assertLive();
    this.adam = resolveAdamW(settings.optimizer);
    if (settings.maxGradNorm !== undefined && !(settings.maxGradNorm >= 0)) {
      throw new InvalidArgumentError('maxGradNorm', `must be ≥ 0, got ${settings.maxGradNorm}`);
    }
    // Fail early on a bad schedule rather than at the first step.
    learningRateAt(settings.schedule ?? { kind: 'constant' }, 0, this.adam.learningRate);
    this.optimization = settings;
    this.optimizer ??= new AdamW(this.variables);
  }

  /** Trunk output `[batch·length, hidden]` for a full-sequence pass. */
  hiddenStates(batch: TokenBatch, mode: ForwardMode): tf.Tensor2D {
    const output = this.runTrunk(batch, mode, false);
    return tf.reshape(output.hidden, [batch.batchSize * batch.length, this.config.hiddenSize]) as tf.Tensor2D;
  }

  /** Runs the family's trunk on a batch (positions from the mask, keys masked by it). */
  protected runTrunk(batch: TokenBatch, mode: ForwardMode, returnCache: boolean): TrunkOutput {
    this.assertLive();
    const ids = tf.tensor2d(batch.ids, [batch.batchSize, batch.length], 'int32');
    return this.family.trunk(
      this.parameterMap,
      this.config,
      {
        ids,
        batchSize: batch.batchSize,
        length: batch.length,
        positions: positionIds(batch.attentionMask, batch.batchSize, batch.length),
        keyMask: batch.attentionMask,
      },
      mode,
      returnCache,
    );
  }

  /** Logits `[n, vocab]` of hidden rows `[n, hidden]`; throws on scalar models. */
  abstract logitsOfRows(rows: tf.Tensor2D): tf.Tensor2D;
  /** Scalar-head outputs `[n]` of hidden rows `[n, hidden]`; throws on causal LMs. */
  abstract scoresOfRows(rows: tf.Tensor2D): tf.Tensor1D;

  /**
   * Averages the gradients of the micro-batches, clips their global norm, and applies
   * one AdamW step at the schedule's learning rate.
   * @throws {InvalidArgumentError} before `configureTraining`, or for an empty request / bad task.
   */
  async doTrainStep(request: TrainStepRequest): Promise<TrainStepResult> {
    this.assertLive();
    if (!this.optimizer || !this.optimization || !this.adam) {
      throw new InvalidArgumentError('configureTraining', 'call model.configureTraining(settings) before doTrainStep');
    }
    const count = request.microbatches.length;
    if (count === 0) throw new InvalidArgumentError('microbatches', 'must hold at least one task');
    const seed = this.optimization.seed ?? 0;
    let accumulated: tf.Tensor[] | undefined;
    let lossSum = 0;
    let tokens = 0;
    const metricSums: Record<string, number> = {};
    for (let index = 0; index < count; index++) {
      const mode = trainingMode(seed, this.stepCount, index);
      let metricTensors: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const objective = objectiveValue(this, request.microbatches[index]!, mode);
        metricTensors = Object.fromEntries(Object.entries(objective.metrics).map(([name, metric]) => [name, tf.keep(metric)]));
        tokens += objective.tokens;
        return objective.loss;
      }, this.variables as tf.Variable[]);
      lossSum += (await value.data())[0]!;
      value.dispose();
      for (const [name, metric] of Object.entries(metricTensors)) {
        metricSums[name] = (metricSums[name] ?? 0) + (await metric.data())[0]!;
        metric.dispose();
      }
      const gradients = this.variables.map((variable) => grads[variable.name] ?? tf.zerosLike(variable));
      if (!accumulated) {
        accumulated = gradients;
      } else {
        accumulated = accumulated.map((sum, position) => {
          const next = tf.add(sum, gradients[position]!);
          sum.dispose();
          gradients[position]!.dispose();
          return next;
        });
      }
    }
    const gradients = accumulated!;
    const maxGradNorm = this.optimization.maxGradNorm ?? 0;
    const squaredNorm = tf.tidy(() => tf.addN(gradients.map((gradient) => tf.sum(tf.square(gradient)))));
    const gradNorm = Math.sqrt((await squaredNorm.data())[0]!) / count;
    squaredNorm.dispose();
    // Mean over micro-batches, then clip (torch.nn.utils.clip_grad_norm_ scaling: max / (norm + 1e-6)).
    const clipScale = maxGradNorm > 0 && gradNorm > maxGradNorm ? maxGradNorm / (gradNorm + 1e-6) : 1;
    const scale = clipScale / count;
    const scaled = scale === 1 ? gradients : gradients.map((gradient) => {
      const next = tf.mul(gradient, scale);
      gradient.dispose();
      return next;
    });
    const learningRate = learningRateAt(this.optimization.schedule ?? { kind: 'constant' }, this.stepCount, this.adam.learningRate);
    this.stepCount += 1;
    this.optimizer.apply(this.variables, scaled, this.adam, learningRate, this.stepCount);
    for (const gradient of scaled) gradient.dispose();
    const metrics = Object.fromEntries(Object.entries(metricSums).map(([name, sum]) => [name, sum / count]));
    return { step: this.stepCount, loss: lossSum / count, metrics, gradNorm, learningRate, tokens };
  }

  /** Loss and metrics of a task without dropout or updates. */
  async doEvaluate(task: TrainingTask): Promise<EvaluateResult> {
    this.assertLive();
    let names: string[] = [];
    const scalars = tf.tidy(() => {
      const objective = objectiveValue(this, task, EVALUATION_MODE);
      names = Object.keys(objective.metrics);
      return [objective.loss, ...Object.values(objective.metrics)];
    });
    const values = await Promise.all(scalars.map(async (scalar) => (await scalar.data())[0]!));
    tf.dispose(scalars);
    return { loss: values[0]!, metrics: Object.fromEntries(names.map((name, index) => [name, values[index + 1]!])) };
  }

  /** Copies of the parameters (float32) in Hugging Face naming without the `transformer.` prefix. */
  async doGetParameters(): Promise<NamedTensors> {
    this.assertLive();
    const parameters: NamedTensors = new Map();
    for (let index = 0; index < this.variables.length; index++) {
      const variable = this.variables[index]!;
      parameters.set(this.parameterNames[index]!, { dtype: 'float32', shape: [...variable.shape], data: (await variable.data()) as Float32Array });
    }
    return parameters;
  }

  /**
   * Replaces every parameter. Accepts names with or without the `transformer.` prefix.
   * @throws {InvalidArgumentError} a missing parameter or a shape mismatch (named).
   */
  async doSetParameters(parameters: NamedTensors): Promise<void> {
    this.assertLive();
    const normalized = new Map<string, NamedTensors extends Map<string, infer T> ? T : never>();
    for (const [name, tensor] of parameters) normalized.set(name.startsWith('transformer.') ? name.slice('transformer.'.length) : name, tensor);
    const updates = this.parameterNames.map((name, index) => {
      const tensor = normalized.get(name);
      if (!tensor) throw new InvalidArgumentError(`parameters.${name}`, 'is missing');
      const expected = this.variables[index]!.shape;
      if (tensor.shape.length !== expected.length || tensor.shape.some((size, axis) => size !== expected[axis])) {
        throw new InvalidArgumentError(`parameters.${name}`, `has shape [${tensor.shape.join(', ')}], expected [${expected.join(', ')}]`);
      }
      return toFloat32(tensor);
    });
    updates.forEach((values, index) => {
      const variable = this.variables[index]!;
      tf.tidy(() => variable.assign(tf.tensor(values, variable.shape, 'float32')));
    });
  }

  /** Writes `training-state.json` (step, settings, RNG) and `optimizer.safetensors` (AdamW moments). */
  async doSaveTrainingState(directory: string): Promise<void> {
    this.assertLive();
    if (!this.optimizer || !this.optimization) throw new InvalidArgumentError('configureTraining', 'nothing to save: the model was never configured for training');
    const moments: NamedTensors = new Map();
    for (let index = 0; index < this.variables.length; index++) {
      const name = this.parameterNames[index]!;
      const first = this.optimizer.firstMoments[index]!;
      const second = this.optimizer.secondMoments[index]!;
      moments.set(`exp_avg.${name}`, { dtype: 'float32', shape: [...first.shape], data: (await first.data()) as Float32Array });
      moments.set(`exp_avg_sq.${name}`, { dtype: 'float32', shape: [...second.shape], data: (await second.data()) as Float32Array });
    }
    await writeSafetensors(path.join(directory, OPTIMIZER_FILE), moments, { format: 'instructkit-adamw' });
    const state: TrainingStateJson = {
      format: 'instructkit-tfjs-training-state',
      version: 1,
      step: this.stepCount,
      optimization: this.optimization,
      rng: { kind: 'counter-hash', seed: this.optimization.seed ?? 0, step: this.stepCount },
    };
    await writeFileAtomic(path.join(directory, TRAINING_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  }

  /**
   * Restores what {@link doSaveTrainingState} wrote (and configures training with the saved settings).
   * @throws {CheckpointError} missing/corrupt files or moments that do not match the parameters.
   */
  async doLoadTrainingState(directory: string): Promise<void> {
    this.assertLive();
    const stateFile = path.join(directory, TRAINING_STATE_FILE);
    let state: TrainingStateJson;
    try {
      state = JSON.parse(await readFile(stateFile, 'utf8')) as TrainingStateJson;
    } catch (error) {
      throw new CheckpointError(stateFile, `cannot be read as JSON (${(error as Error).message})`, { cause: error });
    }
    if (state.format !== 'instructkit-tfjs-training-state' || !Number.isInteger(state.step) || state.step < 0) {
      throw new CheckpointError(stateFile, 'is not an InstructKit tfjs training state (format/step)');
    }
    const optimizerFile = path.join(directory, OPTIMIZER_FILE);
    let moments: NamedTensors;
    try {
      moments = (await readSafetensors(optimizerFile)).tensors;
    } catch (error) {
      throw new CheckpointError(optimizerFile, `cannot be read (${(error as Error).message})`, { cause: error });
    }
    this.configureTraining(state.optimization);
    const optimizer = this.optimizer!;
    this.parameterNames.forEach((name, index) => {
      for (const [prefix, target] of [
        ['exp_avg', optimizer.firstMoments[index]!],
        ['exp_avg_sq', optimizer.secondMoments[index]!],
      ] as const) {
        const tensor = moments.get(`${prefix}.${name}`);
        if (!tensor) throw new CheckpointError(optimizerFile, `${prefix}.${name}: missing`);
        if (tensor.shape.join(',') !== target.shape.join(',')) {
          throw new CheckpointError(optimizerFile, `${prefix}.${name}: shape [${tensor.shape.join(', ')}] does not match the parameter [${target.shape.join(', ')}]`);
        }
        tf.tidy(() => target.assign(tf.tensor(toFloat32(tensor), target.shape, 'float32')));
      }
    });
    this.stepCount = state.step;
  }

  /** Releases parameters and optimizer moments. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer?.dispose();
    for (const variable of this.variables) variable.dispose();
  }

  /** @throws {UnsupportedError} after `dispose()`. */
  protected assertLive(): void {
    if (this.disposed) throw new UnsupportedError(`model ${this.modelId} was disposed`);
  }

  /**
   * The live parameter variables by Hugging Face name (no `transformer.` prefix). Mutating
   * them changes the model; for copies use `doGetParameters`.
   */
  namedVariables(): ReadonlyMap<string, tf.Variable> {
    return this.parameterMap;
  }
}
