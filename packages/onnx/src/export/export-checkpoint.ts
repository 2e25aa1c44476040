import { copyFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  CheckpointError,
  InvalidFileError,
  loadModelConfig,
  readSafetensors,
  toHuggingFaceConfig,
  writeFileAtomic,
  type NamedTensors,
  type TransformerConfig,
} from '@instructkit/core';
import { exportToOnnx, writeOnnxModel } from './export-onnx';
import type { WeightPrecision } from './gpt2-graph';

/** Settings of `exportCheckpointToOnnx`. */
export interface ExportCheckpointOptions {
  /** Hugging Face-layout model directory: `config.json` + `model.safetensors` (or a sharded index). */
  readonly modelDirectory: string;
  /** Directory to write `model.onnx`, `config.json` and the tokenizer files into (created). */
  readonly outDirectory: string;
  /** `lm` or `scalar`. Default: `scalar` when the weights hold `score.weight`, else `lm`. */
  readonly head?: 'lm' | 'scalar';
  /** Weight precision. Default: float32. */
  readonly precision?: WeightPrecision;
  /** `standard` ONNX ops or `onnxruntime` fused contrib ops (see `exportToOnnx`). Default: standard. */
  readonly operators?: 'standard' | 'onnxruntime';
  /** External data policy (see `exportToOnnx`). Default: auto. */
  readonly externalData?: 'auto' | 'always' | 'never';
}

/** What `exportCheckpointToOnnx` wrote. */
export interface ExportCheckpointResult {
  /** Paths of every file written, the model first. */
  readonly files: readonly string[];
  /** The exported head. */
  readonly head: 'lm' | 'scalar';
  /** The model's architecture. */
  readonly config: TransformerConfig;
}

/** Tokenizer files copied beside the model when the checkpoint has them. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json'];

/**
 * Reads all weights of a checkpoint directory: `model.safetensors`, or every shard listed by
 * `model.safetensors.index.json`.
 * @throws CheckpointError when neither exists.
 */
export async function readCheckpointWeights(directory: string): Promise<NamedTensors> {
  const single = path.join(directory, 'model.safetensors');
  if (existsSync(single)) return (await readSafetensors(single)).tensors;
  const indexFile = path.join(directory, 'model.safetensors.index.json');
  if (!existsSync(indexFile)) throw new CheckpointError(directory, 'no model.safetensors or model.safetensors.index.json');
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(await readFile(indexFile, 'utf8')) as typeof index;
  } catch (error) {
    throw new InvalidFileError(indexFile, `is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!index.weight_map || typeof index.weight_map !== 'object') throw new InvalidFileError(indexFile, 'weight_map is missing');
  const weights: NamedTensors = new Map();
  for (const shard of new Set(Object.values(index.weight_map))) {
    for (const [name, tensor] of (await readSafetensors(path.join(directory, shard))).tensors) weights.set(name, tensor);
  }
  return weights;
}

/**
 * Exports a checkpoint directory (Hugging Face layout, as InstructKit's trainers save it)
 * to an onnxruntime-ready directory: `model.onnx` (+ `model.onnx_data` above 2 GiB),
 * `config.json`, and the tokenizer files it finds.
 *
 * @example
 * await exportCheckpointToOnnx({ modelDirectory: 'runs/sft/final', outDirectory: 'runs/sft/onnx' });
 * @throws CheckpointError / InvalidFileError for a missing or malformed checkpoint;
 *   InvalidArgumentError when a weight does not match the config.
 */
export async function exportCheckpointToOnnx(options: ExportCheckpointOptions): Promise<ExportCheckpointResult> {
  const config = await loadModelConfig(options.modelDirectory);
  const weights = await readCheckpointWeights(options.modelDirectory);
  const head = options.head ?? (weights.has('score.weight') ? 'scalar' : 'lm');
  const exported = exportToOnnx({ config, weights, head, precision: options.precision, externalData: options.externalData, operators: options.operators });
  const files = [...(await writeOnnxModel(exported, path.join(options.outDirectory, 'model.onnx')))].reverse();
  const configPath = path.join(options.outDirectory, 'config.json');
  const originalConfig = path.join(options.modelDirectory, 'config.json');
  const extra = head === 'scalar' ? { architectures: ['GPT2ForSequenceClassification'], num_labels: 1 } : {};
  // Keep the checkpoint's own config.json when it has one: it may carry keys we do not model.
  await writeFileAtomic(
    configPath,
    existsSync(originalConfig) ? await readFile(originalConfig, 'utf8') : `${JSON.stringify(toHuggingFaceConfig(config, extra), null, 2)}\n`,
  );
  files.push(configPath);
  for (const name of TOKENIZER_FILES) {
    const source = path.join(options.modelDirectory, name);
    if (!existsSync(source)) continue;
    const target = path.join(options.outDirectory, name);
    await copyFile(source, target);
    files.push(target);
  }
  return { files, head, config };
}
