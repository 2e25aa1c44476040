/**
 * @packageDocumentation
 * Contracts every InstructKit package shares: model interfaces, training tasks,
 * events, errors — and the backend-independent machinery engines reuse. No tfjs,
 * no onnxruntime in here.
 */
export { InstructKitError, InvalidRecordError, InvalidFileError, InvalidArgumentError, UnsupportedError, CheckpointError } from './errors';
export type { DType, HostTensor, NamedTensors, TokenBatch } from './tensors';
export type { TransformerConfig } from './model-config';
export type {
  CausalLMV1,
  DecodeSession,
  LogprobsRequest,
  LogprobsResult,
  LogitsRequest,
  LogitsResult,
  StartDecodingRequest,
  StartDecodingResult,
} from './causal-lm';
export type { ScalarModelV1, ScalarRequest, ScalarResult } from './scalar-model';
export type { GeneratorV1, GenerateRequest, GenerateResult, GeneratedSequence, SamplingOptions, FinishReason } from './generator';
export type { RewardModelV1, ScoreRequest } from './reward-scorer';
export type {
  TrainingTask,
  LanguageModelingTask,
  RankingTask,
  RankingGroup,
  PolicyTask,
  ValueTask,
  WeightedSumTask,
  CustomTask,
} from './training-task';
export type {
  TrainableModelV1,
  TrainStepRequest,
  TrainStepResult,
  EvaluateResult,
  AdamWSettings,
  LearningRateSchedule,
  OptimizationSettings,
} from './trainable-model';
export type { Stage, TrainingEvent, TrainingListener, MetricsRecord, MetricsSinkV1 } from './training-events';
export type { ChatMessage, CapturedPrompt, PromptSinkV1, LabelingAssignment, LabelingQueueV1 } from './serving';
