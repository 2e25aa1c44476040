import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadModelConfig, readSafetensors, toHuggingFaceConfig, writeFileAtomic, writeSafetensors, type OptimizationSettings } from '@instructkit/core';
import { createOnnxTrainableModel, type OnnxTrainableModel } from './onnx-trainable-model';
import type { ModelHead } from './model/gpt2-parameters';
import type { TrainingSessionSettings } from './runtime/create-training-session';

/** Settings of `loadOnnxTrainableModel`. */
export interface LoadOnnxTrainableModelSettings {
  /** Optimizer, schedule, clipping and dropout seed. */
  readonly training: OptimizationSettings;
  /**
   * `causal-lm` (policies, SFT) or `scalar` (reward and value models). A `scalar` model loaded
   * from a language-model directory gets a fresh `score` head drawn from `seed`. Default: `causal-lm`.
   */
  readonly head?: ModelHead;
  /** Seed of a fresh score head. Default: 0. */
  readonly seed?: number;
  /** onnxruntime settings. Default: 2 threads, no spinning, CPU. */
  readonly session?: TrainingSessionSettings;
}

/**
 * Loads a Hugging Face layout directory (`config.json` + `model.safetensors`, ours, the tfjs
 * engine's, or a GPT-2 checkpoint) into the ONNX training engine.
 *
 * @throws {InvalidFileError} unreadable config or weights.
 * @throws {InvalidArgumentError} weights that do not match the config.
 * @example
 * const policy = await loadOnnxTrainableModel('runs/sft/final', { training: { optimizer: { learningRate: 1e-5 } } });
 */
export async function loadOnnxTrainableModel(directory: string, settings: LoadOnnxTrainableModelSettings): Promise<OnnxTrainableModel> {
  const config = await loadModelConfig(directory);
  const { tensors } = await readSafetensors(path.join(directory, 'model.safetensors'));
  return createOnnxTrainableModel({
    config,
    weights: tensors,
    head: settings.head ?? 'causal-lm',
    seed: settings.seed ?? 0,
    training: settings.training,
    freshScoreHead: true,
    modelId: directory,
    ...(settings.session ? { session: settings.session } : {}),
  });
}

/**
 * Writes the model's current parameters as a Hugging Face directory: `config.json`
 * (`GPT2LMHeadModel`, or `GPT2ForSequenceClassification` with one label for a scalar head)
 * and `model.safetensors` (float32, no `transformer.` prefix) — loadable by the tfjs engine,
 * `@instructkit/onnx`'s exporter and `transformers`.
 */
export async function saveOnnxTrainableModel(model: OnnxTrainableModel, directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const extra = model.head === 'scalar' ? { architectures: ['GPT2ForSequenceClassification'], num_labels: 1 } : {};
  await writeFileAtomic(path.join(directory, 'config.json'), `${JSON.stringify(toHuggingFaceConfig(model.config, extra), null, 2)}\n`);
  await writeSafetensors(path.join(directory, 'model.safetensors'), await model.doGetParameters(), { format: 'pt' });
}
