import type { NamedTensors } from './tensors';
import type { TrainingTask } from './training-task';

/** AdamW with decoupled weight decay (Loshchilov & Hutter) and bias correction. */
export interface AdamWSettings {
  /** Peak learning rate. */
  readonly learningRate: number;
  /** Default: 0.9. */
  readonly beta1?: number;
  /** Default: 0.999 (InstructGPT: 0.95). */
  readonly beta2?: number;
  /** Default: 1e-8. */
  readonly epsilon?: number;
  /** Decoupled weight decay, applied to matrices only (not biases, norms). Default: 0. */
  readonly weightDecay?: number;
}

/** Learning rate as a function of the optimizer step; see `learningRateAt`. */
export type LearningRateSchedule =
  | { readonly kind: 'constant'; readonly warmupSteps?: number }
  | { readonly kind: 'linear'; readonly warmupSteps?: number; readonly totalSteps: number; readonly finalRatio?: number }
  | { readonly kind: 'cosine'; readonly warmupSteps?: number; readonly totalSteps: number; readonly finalRatio?: number };

/** Everything about how parameters are updated. */
export interface OptimizationSettings {
  /** The optimizer. */
  readonly optimizer: AdamWSettings;
  /** Default: constant. */
  readonly schedule?: LearningRateSchedule;
  /** Clip the global gradient norm to this value; 0 or absent disables. */
  readonly maxGradNorm?: number;
  /** Seed of dropout masks; checkpointed with the model. Default: 0. */
  readonly seed?: number;
}

/** One optimizer step. */
export interface TrainStepRequest {
  /**
   * Micro-batches whose gradients are averaged (gradient accumulation) before one
   * optimizer step. Usually one.
   */
  readonly microbatches: readonly TrainingTask[];
}

/** What one optimizer step did. */
export interface TrainStepResult {
  /** Optimizer step count after this step (1 after the first). */
  readonly step: number;
  /** Loss averaged over the micro-batches, before the update. */
  readonly loss: number;
  /** Task metrics (`accuracy`, `clipFraction`, …), averaged over micro-batches. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Learning rate used for this step. */
  readonly learningRate: number;
  /** Tokens (non-pad) processed in this step. */
  readonly tokens: number;
}

/** Loss and metrics without an update (evaluation mode: no dropout). */
export interface EvaluateResult {
  /** Loss of the task. */
  readonly loss: number;
  /** Task metrics. */
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * A model an engine can train on core's engine-neutral tasks. The SFT, reward and
 * PPO packages build tasks; engines (tfjs today, a compiled ONNX engine next)
 * implement the step. Usually implemented together with `CausalLMV1` (policies) or
 * `ScalarModelV1` (reward and value models) by the same object.
 */
export interface TrainableModelV1 {
  /** Contract version. */
  readonly specificationVersion: 'v1';
  /** Engine name as logged, e.g. `tfjs-wasm`, `onnxruntime-cpu`. */
  readonly engine: string;
  /** Optimizer steps taken so far (restored by `doLoadTrainingState`). */
  readonly step: number;
  /** Computes gradients of the micro-batches and applies one optimizer step. */
  doTrainStep(request: TrainStepRequest): Promise<TrainStepResult>;
  /** Loss and metrics of a task in evaluation mode, without changing anything. */
  doEvaluate(task: TrainingTask): Promise<EvaluateResult>;
  /** Copies of the current parameters in Hugging Face naming. */
  doGetParameters(): Promise<NamedTensors>;
  /** Replaces parameters (same names and shapes); used for EMA and engine hand-offs. */
  doSetParameters(parameters: NamedTensors): Promise<void>;
  /** Writes optimizer moments, step, schedule position and RNG state into `directory`. */
  doSaveTrainingState(directory: string): Promise<void>;
  /** Restores what `doSaveTrainingState` wrote; the next step continues bit-for-bit. */
  doLoadTrainingState(directory: string): Promise<void>;
  /** Releases engine memory. */
  dispose(): void;
}
