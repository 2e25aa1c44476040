import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointError,
  InvalidFileError,
  loadModelConfig,
  parseModelConfig,
  readSafetensors,
  toFloat32,
  toHuggingFaceConfig,
  writeFileAtomic,
  writeSafetensors,
  type HostTensor,
  type NamedTensors,
  type TransformerConfig,
} from '@instructkit/core';
import { currentBackend, selectBackend } from './backends';
import { hashIntegers } from './batch-utils';
import type { ParameterSpec } from './model-family';
import { TfjsCausalLM } from './tfjs-causal-lm';
import { scoreHeadSpecs, TfjsScalarModel } from './tfjs-scalar-model';
import { familyOf, initialValues } from './tfjs-transformer';

/** Weights file of a model directory (Hugging Face layout). */
export const WEIGHTS_FILE = 'model.safetensors';
/** Config file of a model directory. */
export const CONFIG_FILE = 'config.json';

/** Settings of `createCausalLM` / `createScalarModel`. */
export interface CreateModelSettings {
  /** Architecture (validated like a `config.json`). */
  readonly config: TransformerConfig;
  /** Seed of the initial weights; same seed, same weights on the same backend. Default: 0. */
  readonly seed?: number;
  /** Backend to select first (see `selectBackend`). Default: the current one, or the best installed. */
  readonly backend?: string;
  /** Name in logs. Default: `gpt2-tfjs` (the architecture). */
  readonly modelId?: string;
}

/** Settings of `loadCausalLM`. */
export interface LoadModelSettings {
  /** Backend to select first. Default: the current one, or the best installed. */
  readonly backend?: string;
  /** Name in logs. Default: the directory. */
  readonly modelId?: string;
  /**
   * Dropout to train with, replacing `config.json`'s (e.g. InstructGPT's residual dropout
   * 0.2 for SFT on a checkpoint saved with 0.1). Fields left out keep the file's value.
   */
  readonly dropout?: TransformerConfig['dropout'];
}

/** Settings of `loadScalarModel`. */
export interface LoadScalarModelSettings extends LoadModelSettings {
  /**
   * `causal-lm`: the directory holds a language model (an SFT checkpoint): its trunk is
   * kept, the unembedding dropped, and a fresh `score` head drawn from `seed` (a new reward model).
   * `scalar`: the directory holds a scalar model (a reward model, to initialise a value model from).
   * Default: `scalar` when the weights contain `score.weight`, else `causal-lm`.
   */
  readonly initFrom?: 'causal-lm' | 'scalar';
  /** Seed of a fresh head. Default: 0. */
  readonly seed?: number;
}

// One default selection at a time: two models loaded concurrently must not both initialise wasm.
let defaultSelection: Promise<unknown> | undefined;

async function ensureBackend(backend: string | undefined): Promise<void> {
  if (backend !== undefined) {
    await selectBackend({ backend });
    return;
  }
  if (currentBackend() !== undefined) return;
  defaultSelection ??= selectBackend({}).finally(() => {
    defaultSelection = undefined;
  });
  await defaultSelection;
}

// Causal-mask buffers of older GPT-2 checkpoints (`attn.bias`, `attn.masked_bias`) are not parameters.
const BUFFER_NAME = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/** Reads `model.safetensors`, stripping `transformer.` and dropping mask buffers. */
async function readWeights(directory: string): Promise<{ file: string; weights: Map<string, HostTensor> }> {
  const file = path.join(directory, WEIGHTS_FILE);
  const { tensors } = await readSafetensors(file).catch((error: unknown) => {
    if (error instanceof InvalidFileError) throw error;
    throw new InvalidFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  });
  const weights = new Map<string, HostTensor>();
  for (const [rawName, tensor] of tensors) {
    const name = rawName.startsWith('transformer.') ? rawName.slice('transformer.'.length) : rawName;
    if (BUFFER_NAME.test(name)) continue;
    weights.set(name, tensor);
  }
  return { file, weights };
}

/** Builds initial values for specs from a checkpoint's weights, drawing `fresh` ones from the seed. */
function valuesFromWeights(specs: readonly ParameterSpec[], weights: ReadonlyMap<string, HostTensor>, file: string, fresh: ReadonlySet<string>, seed: number): tf.Tensor[] {
  // Check everything before allocating, so a bad file leaks no tensors.
  for (const spec of specs) {
    if (fresh.has(spec.name)) continue;
    const tensor = weights.get(spec.name);
    if (!tensor) throw new CheckpointError(file, `${spec.name}: missing (expected shape [${spec.shape.join(', ')}])`);
    if (tensor.shape.length !== spec.shape.length || tensor.shape.some((size, axis) => size !== spec.shape[axis])) {
      throw new CheckpointError(file, `${spec.name}: shape [${tensor.shape.join(', ')}] does not match the config's [${spec.shape.join(', ')}]`);
    }
  }
  return specs.map((spec, index) =>
    fresh.has(spec.name)
      ? initialValues([spec], hashIntegers(seed, index))[0]!
      : tf.tensor(toFloat32(weights.get(spec.name)!), [...spec.shape], 'float32'),
  );
}

function validated(config: TransformerConfig): TransformerConfig {
  return parseModelConfig(config, 'config');
}

/** Trunk specs without an untied unembedding (scalar models do not have one). */
function trunkSpecs(config: TransformerConfig): ParameterSpec[] {
  return familyOf(config).parameterSpecs(config).filter((spec) => spec.name !== 'lm_head.weight');
}

/**
 * A new causal LM with GPT-2 initialisation (N(0, 0.02), residual projections scaled by
 * 1/√(2·layers)), seeded.
 * @throws {InvalidFileError} an inconsistent config (e.g. heads not dividing the width).
 * @example
 * const model = await createCausalLM({ config: { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 }, seed: 1 });
 */
export async function createCausalLM(settings: CreateModelSettings): Promise<TfjsCausalLM> {
  await ensureBackend(settings.backend);
  const config = validated(settings.config);
  const specs = familyOf(config).parameterSpecs(config);
  return new TfjsCausalLM(config, settings.modelId ?? `${config.architecture}-tfjs`, specs, initialValues(specs, settings.seed ?? 0));
}

/**
 * A new scalar model (trunk + `score` head), seeded.
 * @example
 * const rewardModel = await createScalarModel({ config, seed: 2 });
 */
export async function createScalarModel(settings: CreateModelSettings): Promise<TfjsScalarModel> {
  await ensureBackend(settings.backend);
  const config = validated(settings.config);
  const specs = [...trunkSpecs(config), ...scoreHeadSpecs(config)];
  return new TfjsScalarModel(config, settings.modelId ?? `${config.architecture}-tfjs-scalar`, specs, initialValues(specs, settings.seed ?? 0));
}

/**
 * Loads a causal LM from a Hugging Face layout directory (`config.json` +
 * `model.safetensors`; keys with or without `transformer.`; F32/F16/BF16; mask buffers
 * ignored) — an HF GPT-2 checkpoint or one written by {@link saveModel}.
 * @throws {InvalidFileError} unreadable / malformed config or weights.
 * @throws {CheckpointError} a missing or mis-shaped parameter (named).
 * @example
 * const policy = await loadCausalLM('runs/sft/final');
 */
export async function loadCausalLM(directory: string, settings: LoadModelSettings = {}): Promise<TfjsCausalLM> {
  await ensureBackend(settings.backend);
  const config = withDropout(await loadModelConfig(directory), settings.dropout);
  const specs = familyOf(config).parameterSpecs(config);
  const { file, weights } = await readWeights(directory);
  return new TfjsCausalLM(config, settings.modelId ?? directory, specs, valuesFromWeights(specs, weights, file, new Set(), 0));
}

/**
 * Loads a scalar model: a reward model from an SFT checkpoint (`initFrom: 'causal-lm'`,
 * fresh head), or a reward/value model from a scalar checkpoint (`initFrom: 'scalar'`).
 * @throws {InvalidFileError} unreadable / malformed config or weights.
 * @throws {CheckpointError} a missing or mis-shaped parameter (named).
 * @example
 * const rewardModel = await loadScalarModel('runs/sft/final', { initFrom: 'causal-lm', seed: 3 });
 * const valueModel = await loadScalarModel('runs/reward/final');
 */
export async function loadScalarModel(directory: string, settings: LoadScalarModelSettings = {}): Promise<TfjsScalarModel> {
  await ensureBackend(settings.backend);
  const config = withDropout(await loadModelConfig(directory), settings.dropout);
  const specs = [...trunkSpecs(config), ...scoreHeadSpecs(config)];
  const { file, weights } = await readWeights(directory);
  const initFrom = settings.initFrom ?? (weights.has('score.weight') ? 'scalar' : 'causal-lm');
  const fresh = new Set(initFrom === 'causal-lm' ? scoreHeadSpecs(config).map((spec) => spec.name) : []);
  return new TfjsScalarModel(config, settings.modelId ?? directory, specs, valuesFromWeights(specs, weights, file, fresh, settings.seed ?? 0));
}

/**
 * Writes a model in Hugging Face layout: `config.json` (`GPT2LMHeadModel`, or
 * `GPT2ForSequenceClassification` with `num_labels: 1` for a scalar model) and
 * `model.safetensors` (float32, trunk keys under `transformer.`, Conv1D `[in, out]`
 * weights, tied unembedding omitted). Each file is written atomically; the directory is created.
 * @example
 * await saveModel(policy, 'runs/ppo/final');
 */
export async function saveModel(model: TfjsCausalLM | TfjsScalarModel, directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const parameters = await model.doGetParameters();
  const tensors: NamedTensors = new Map();
  for (const [name, tensor] of parameters) {
    const topLevel = name === 'lm_head.weight' || name.startsWith('score.');
    tensors.set(topLevel ? name : `transformer.${name}`, tensor);
  }
  await writeSafetensors(path.join(directory, WEIGHTS_FILE), tensors, { format: 'pt' });
  const extra =
    model.kind === 'scalar'
      ? { architectures: ['GPT2ForSequenceClassification'], num_labels: 1, pad_token_id: model.config.padTokenId ?? model.config.eosTokenId }
      : {};
  await writeFileAtomic(path.join(directory, CONFIG_FILE), `${JSON.stringify(toHuggingFaceConfig(model.config, extra), null, 2)}\n`);
}

function withDropout(config: TransformerConfig, dropout: TransformerConfig['dropout'] | undefined): TransformerConfig {
  return dropout ? { ...config, dropout: { ...config.dropout, ...dropout } } : config;
}
