import path from 'node:path';
import { preferOnnx } from '../commands/training-engine';
import {
  createLocalGenerator,
  loadModelConfig,
  readSafetensors,
  type CausalLMV1,
  type GeneratorV1,
  type NamedTensors,
  type OptimizationSettings,
  type ScalarModelV1,
  type TrainableModelV1,
  type TransformerConfig,
} from '@instructkit/core';

/** A model the pipeline trains: trainable, configurable, disposable. */
export type PipelineTrainable = TrainableModelV1 & {
  configureTraining(settings: OptimizationSettings): void | Promise<void>;
  readonly step: number;
  dispose(): void;
};

/** A generator the pipeline releases when a stage ends. */
export type PipelineGenerator = GeneratorV1 & { dispose?(): void | Promise<void> };

/** An inference model for evaluation (generation, log-probs, perplexity). */
export type PipelineInferenceModel = CausalLMV1 & { dispose(): void | Promise<void> };

/** Names of the pipeline's engines. */
export const PIPELINE_ENGINES = ['auto', 'onnx', 'tfjs'] as const;

/** A pipeline engine name; `auto` picks `onnx` when onnxruntime-node loads, else `tfjs`. */
export type PipelineEngineName = (typeof PIPELINE_ENGINES)[number];

/**
 * What the pipeline needs from a model engine. Two exist: `onnx` (training on
 * `@instructkit/onnx-train`, generation and evaluation on onnxruntime-node through
 * `@instructkit/onnx`) and `tfjs` (everything on TensorFlow.js, for machines without
 * onnxruntime-node). Both read and write Hugging Face layout directories, so stages may be
 * resumed on either.
 */
export interface PipelineEngine {
  /** `onnx` or `tfjs`. */
  readonly name: 'onnx' | 'tfjs';
  /** A freshly initialised causal LM (pretraining from scratch). */
  createCausalLM(config: TransformerConfig, seed: number, modelId: string): Promise<PipelineTrainable & CausalLMV1>;
  /** A trainable causal LM from a directory; `dropout: 'off'` for PPO policies (ratio 1 before the first update). */
  loadCausalLM(directory: string, options: { modelId: string; dropout?: 'file' | 'off' }): Promise<PipelineTrainable & CausalLMV1>;
  /** A reward model to train: the trunk of a causal-LM directory with a fresh scalar head drawn from `seed`. */
  loadRewardModelForTraining(directory: string, seed: number): Promise<PipelineTrainable & ScalarModelV1>;
  /** A trained scalar model (reward or value) without dropout: `trainable` value models and frozen scorers alike. */
  loadScalarModel(directory: string, modelId: string): Promise<PipelineTrainable & ScalarModelV1>;
  /** A frozen model for evaluation and reference log-probs. */
  loadInferenceModel(directory: string, modelId: string): Promise<PipelineInferenceModel>;
  /** PPO's rollout generator: samples from the policy's current weights. */
  createRolloutGenerator(policy: PipelineTrainable & CausalLMV1): Promise<PipelineGenerator>;
  /** A generator over an evaluation model. */
  createGenerator(model: PipelineInferenceModel): PipelineGenerator;
}

const NO_DROPOUT = { embedding: 0, attention: 0, residual: 0 } as const;
/** The trainers call `configureTraining` with the real settings before the first step. */
const UNCONFIGURED: OptimizationSettings = { optimizer: { learningRate: 0 } };

/**
 * Picks the engine: `onnx` and `tfjs` by name; `auto` takes `onnx` when onnxruntime-node
 * loads on this machine and `tfjs` otherwise (and says why through `log`).
 */
export async function loadPipelineEngine(name: PipelineEngineName, options: { backend?: string; log?: (message: string) => void } = {}): Promise<PipelineEngine> {
  if (name === 'tfjs') return tfjsEngine(options.backend);
  if (name === 'onnx') return onnxEngine();
  // The same rule as the training commands': both ONNX packages import onnxruntime-node at load.
  const picked = await preferOnnx(onnxEngine, () => tfjsEngine(options.backend));
  if (picked.name === 'tfjs') options.log?.(`${picked.reason}; training and evaluating with tfjs`);
  return picked.value;
}

async function onnxEngine(): Promise<PipelineEngine> {
  const onnxTrain = await import('@instructkit/onnx-train');
  const onnx = await import('@instructkit/onnx');
  const read = async (directory: string) => ({ config: await loadModelConfig(directory), weights: (await readSafetensors(path.join(directory, 'model.safetensors'))).tensors });
  const trainable = (settings: Parameters<typeof onnxTrain.createOnnxTrainableModel>[0]) => onnxTrain.createOnnxTrainableModel(settings) as PipelineTrainable & CausalLMV1 & ScalarModelV1;
  const inference = async (config: TransformerConfig, weights: NamedTensors, modelId: string): Promise<PipelineInferenceModel> => {
    return onnx.createOrtCausalLMFromWeights({ config: { ...config, dropout: NO_DROPOUT }, weights, modelId });
  };
  return {
    name: 'onnx',
    createCausalLM: async (config, seed, modelId) => trainable({ config, seed, training: UNCONFIGURED, modelId }),
    async loadCausalLM(directory, options) {
      const { config, weights } = await read(directory);
      return trainable({ config: options.dropout === 'off' ? { ...config, dropout: NO_DROPOUT } : config, weights, training: UNCONFIGURED, modelId: options.modelId });
    },
    async loadRewardModelForTraining(directory, seed) {
      const { config, weights } = await read(directory);
      return trainable({ config, weights, head: 'scalar', seed, freshScoreHead: true, training: UNCONFIGURED, modelId: 'reward-model' });
    },
    async loadScalarModel(directory, modelId) {
      const { config, weights } = await read(directory);
      return trainable({ config: { ...config, dropout: NO_DROPOUT }, weights, head: 'scalar', training: UNCONFIGURED, modelId });
    },
    async loadInferenceModel(directory, modelId) {
      const { config, weights } = await read(directory);
      return inference(config, weights, modelId);
    },
    createRolloutGenerator: async (policy) => onnx.createOrtPolicyGenerator({ policy }),
    createGenerator: (model) => createLocalGenerator(model),
  };
}

async function tfjsEngine(backendName: string | undefined): Promise<PipelineEngine> {
  const tfjs = await import('@instructkit/tfjs');
  const backend = backendName ? { backend: backendName } : {};
  return {
    name: 'tfjs',
    createCausalLM: (config, seed, modelId) => tfjs.createCausalLM({ config, seed, modelId, ...backend }),
    loadCausalLM: (directory, options) => tfjs.loadCausalLM(directory, { ...backend, modelId: options.modelId, ...(options.dropout === 'off' ? { dropout: NO_DROPOUT } : {}) }),
    loadRewardModelForTraining: (directory, seed) => tfjs.loadScalarModel(directory, { initFrom: 'causal-lm', seed, ...backend, modelId: 'reward-model' }),
    loadScalarModel: (directory, modelId) => tfjs.loadScalarModel(directory, { initFrom: 'scalar', ...backend, modelId, dropout: NO_DROPOUT }),
    loadInferenceModel: (directory, modelId) => tfjs.loadCausalLM(directory, { ...backend, modelId, dropout: NO_DROPOUT }),
    createRolloutGenerator: async (policy) => createLocalGenerator(policy),
    createGenerator: (model) => createLocalGenerator(model),
  };
}
