/**
 * @packageDocumentation
 * The compiled training engine: InstructKit objectives as ONNX training graphs on
 * onnxruntime-node — a typed graph builder with build-time reverse-mode autodiff, GPT-2
 * written once in it, every core objective compiled into one forward + loss + backward
 * graph, and AdamW over flat Float32Array buffers.
 */
export { AutodiffGraph, broadcastShapes } from './graph/autodiff-graph';
export type { AutodiffModelOptions, GraphDType, GraphTensor } from './graph/autodiff-graph';
export { buildTrainingGraph } from './model/build-training-graph';
export type { BuildTrainingGraphSettings, TrainingGraph } from './model/build-training-graph';
export { gpt2Dimensions, gpt2ParameterSpecs, initializeGpt2Parameters } from './model/gpt2-parameters';
export type { Gpt2Dimensions, ModelHead, ParameterSpec } from './model/gpt2-parameters';
export { taskShapeKey } from './model/task-shape';
export { bucketTask, realTokens } from './model/bucket-task';
export type { TaskBuckets } from './model/bucket-task';
export type { TaskShape } from './model/task-shape';
export { flatAdamWStep, globalNorm } from './optimizer/flat-adamw';
export type { FlatSegment } from './optimizer/flat-adamw';
export { createTrainingSession, trainingExecutionProviders } from './runtime/create-training-session';
export type { TrainingSessionSettings } from './runtime/create-training-session';
export { createOnnxTrainableModel, OnnxTrainableModel } from './onnx-trainable-model';
export type { OnnxTrainableModelSettings } from './onnx-trainable-model';
export { measureTrainingThroughput, randomLanguageModelingTask, TRAINING_BENCHMARK_PRESETS } from './measure-training-throughput';
export type { TrainingBenchmarkPreset, TrainingThroughput } from './measure-training-throughput';
export { loadOnnxTrainableModel, saveOnnxTrainableModel } from './model-directory';
export type { LoadOnnxTrainableModelSettings } from './model-directory';
export { createOnnxTrainableModelInWorker, OnnxWorkerTrainableModel } from './worker/create-onnx-trainable-model-in-worker';
export type { OnnxWorkerModelSettings } from './worker/create-onnx-trainable-model-in-worker';
