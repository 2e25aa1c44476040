/**
 * @packageDocumentation
 * Contracts every InstructKit package shares: model interfaces, training tasks,
 * events, errors — and the backend-independent machinery engines reuse. No tfjs,
 * no onnxruntime in here.
 */
export { InstructKitError, InvalidRecordError, InvalidFileError, InvalidArgumentError, UnsupportedError, CheckpointError } from './errors';
export type { DType, HostTensor, NamedTensors, TokenBatch } from './tensors';
export type { TransformerConfig } from './model-config';
export { parseModelConfig, toHuggingFaceConfig, loadModelConfig } from './parse-model-config';
export { parseSafetensors, serializeSafetensors, readSafetensors, writeSafetensors, toFloat32, fromFloat32 } from './safetensors';
export type { SafetensorsContents } from './safetensors';
export { writeFileAtomic } from './write-file-atomic';
export { learningRateAt } from './learning-rate-at';
export { createRng } from './create-rng';
export { epochOrder } from './epoch-order';
export { resolveAdamW, type ResolvedAdamW } from './resolve-adamw';
export type { Rng, RngState } from './create-rng';
export {
  applyRepetitionPenalty,
  applyTemperature,
  applyTopK,
  applyTopP,
  softmax,
  logSoftmax,
  tokenLogprob,
  argmax,
  sampleFromLogits,
} from './logits-processors';
export { generate, createLocalGenerator } from './generate';
export type { GenerateSettings } from './generate';
export { createJsonlMetricsSink, readMetrics } from './metrics-jsonl';
export type { JsonlMetricsSink } from './metrics-jsonl';
export { openRunDirectory, checkpointDirectoryName } from './run-directory';
export type { RunDirectory, CheckpointEntry } from './run-directory';
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
export { runTrainingLoop, findLatestCheckpoint, saveTrainingCheckpoint, loadTrainingCheckpoint } from './training-loop';
export type { TrainingLoopSettings, TrainingLoopResult, BestCheckpointSelector, ResumableCheckpoint } from './training-loop';
