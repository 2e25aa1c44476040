/**
 * @packageDocumentation
 * Export InstructKit models to ONNX and generate with onnxruntime-node.
 */
export { exportToOnnx, writeOnnxModel } from './export/export-onnx';
export type { ExportToOnnxOptions, ExportedOnnxModel } from './export/export-onnx';
export { buildGpt2Graph } from './export/gpt2-graph';
export type { Gpt2Graph, Gpt2GraphOptions, WeightPrecision } from './export/gpt2-graph';
export { GraphBuilder, float16BitsToFloat32, float32ToFloat16Bits } from './graph/graph-builder';
export type { Dim, ModelOptions, SymbolicTensor } from './graph/graph-builder';
export { encodeModelProto, decodeModelSummary, ONNX_DATA_TYPE } from './proto/onnx-proto';
export type {
  AttributeValue,
  DecodedModelSummary,
  ElementType,
  ExternalLocation,
  InitializerSpec,
  ModelSpec,
  NodeSpec,
  TensorData,
  ValueInfoSpec,
} from './proto/onnx-proto';
export { createOrtCausalLM, createOrtCausalLMFromWeights, findOnnxModelFile, OrtCausalLM } from './runtime/ort-causal-lm';
export type { DecodingGraph, LiveWeightsMode, OrtCausalLMFromWeightsSettings, OrtCausalLMSettings } from './runtime/ort-causal-lm';
export { readDecoderLayout, configFromLayout } from './runtime/decoder-layout';
export type { DecoderLayout } from './runtime/decoder-layout';
export { selectExecutionProviders, spinningHelps, toSessionOptions } from './runtime/session-settings';
export type { ExecutionProviderName, OrtSessionSettings } from './runtime/session-settings';
export { createOrtScalarModel, OrtScalarModel } from './runtime/ort-scalar-model';
export type { OrtScalarModelSettings } from './runtime/ort-scalar-model';
export { exportCheckpointToOnnx, readCheckpointWeights } from './export/export-checkpoint';
export type { ExportCheckpointOptions, ExportCheckpointResult } from './export/export-checkpoint';
export { loadOnnxCausalLMIfExported } from './runtime/load-if-exported';
export { createOrtPolicyGenerator } from './runtime/create-ort-policy-generator';
export type { OrtPolicyGenerator, OrtPolicyGeneratorSettings, TrainedPolicy } from './runtime/create-ort-policy-generator';
