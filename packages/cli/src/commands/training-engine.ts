import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError as CommanderArgumentError } from 'commander';
import { z } from 'zod';
import {
  createLocalGenerator,
  InvalidArgumentError,
  InvalidFileError,
  type CausalLMV1,
  type GeneratorV1,
  type NamedTensors,
  type OptimizationSettings,
  type ScalarModelV1,
  type TrainableModelV1,
  type TransformerConfig,
} from '@instructkit/core';
import { AdamWSettingsSchema } from '../shared/optimization-schema';

/** A model the pretrain/sft/rm commands train: trainable, configurable, with a config. */
type Configurable = TrainableModelV1 & { configureTraining(settings: OptimizationSettings): void | Promise<void> };

/** A generator over a model being trained: samples from its current weights. */
export type TrainingGenerator = GeneratorV1 & { dispose?(): void | Promise<void> };

/** What the pretrain, sft and rm commands need from a tokenizer (`@instructkit/tokenizer`'s fits). */
export interface CommandTokenizer {
  encode(text: string): ArrayLike<number>;
  decode(ids: ArrayLike<number>): string;
  renderChat?(messages: readonly { role: 'system' | 'user' | 'assistant'; content: string }[]): { ids: ArrayLike<number>; assistantMask: ArrayLike<number> };
  readonly eosTokenId: number | undefined;
  readonly vocabSize: number;
  toTokenizerJson(): string;
}

/**
 * The model engine behind `instructkit pretrain|sft|rm`: the compiled ONNX engine
 * (`@instructkit/onnx-train`) where onnxruntime-node loads, else tfjs (`@instructkit/tfjs`),
 * as `chooseTrainingEngine` decides; tests and other engines pass their own.
 */
export interface TrainingCommandEngine {
  /** A tokenizer preset (`gpt2`), a `tokenizer.json` file, or a model directory holding one. */
  loadTokenizer(nameOrPath: string): Promise<CommandTokenizer>;
  /** A freshly initialised causal LM (pretraining from scratch). */
  createCausalLM(config: TransformerConfig, seed: number, backend?: string): Promise<Configurable & CausalLMV1>;
  /** A causal LM from a Hugging Face directory (the start of SFT); `dropout` replaces the file's for training. */
  loadCausalLM(directory: string, backend?: string, dropout?: TransformerConfig['dropout']): Promise<Configurable & CausalLMV1>;
  /** A reward model: the trunk of a causal-LM directory with a fresh scalar head drawn from `seed`. */
  loadRewardModel(directory: string, seed: number, backend?: string): Promise<Configurable & ScalarModelV1>;
  /** A trained reward model (scalar head included) for scoring. */
  loadScalarModel(directory: string, backend?: string): Promise<ScalarModelV1>;
  /** A generator that samples from `model`'s current weights while it trains (SFT's sampled-reward selection). */
  createGenerator(model: Configurable & CausalLMV1): Promise<TrainingGenerator>;
}

/** The tfjs engine, imported on first use so `--help` stays fast. */
export async function loadTfjsEngine(): Promise<TrainingCommandEngine> {
  const tfjs = await import('@instructkit/tfjs');
  const { loadTokenizer } = await import('@instructkit/tokenizer');
  return {
    loadTokenizer: async (nameOrPath) => loadTokenizer(nameOrPath),
    createCausalLM: (config, seed, backend) => tfjs.createCausalLM({ config, seed, ...(backend ? { backend } : {}) }),
    loadCausalLM: (directory, backend, dropout) => tfjs.loadCausalLM(directory, { ...(backend ? { backend } : {}), ...(dropout ? { dropout } : {}) }),
    loadRewardModel: (directory, seed, backend) => tfjs.loadScalarModel(directory, { initFrom: 'causal-lm', seed, ...(backend ? { backend } : {}) }),
    loadScalarModel: (directory, backend) => tfjs.loadScalarModel(directory, { initFrom: 'scalar', ...(backend ? { backend } : {}) }),
    createGenerator: async (model) => createLocalGenerator(model),
  };
}

/**
 * The compiled ONNX engine (`@instructkit/onnx-train`): the same objectives as training
 * graphs on onnxruntime-node, faster than tfjs-wasm on CPU and able to hold models the wasm
 * heap cannot. It trains and scores; sampling (SFT's checkpoint selection by sampled reward)
 * runs on onnxruntime through `@instructkit/onnx`, re-exported from the current weights when
 * they have changed.
 */
export async function loadOnnxEngine(): Promise<TrainingCommandEngine> {
  const onnxTrain = await import('@instructkit/onnx-train');
  const { loadTokenizer } = await import('@instructkit/tokenizer');
  // The trainers call configureTraining with the real settings before the first step.
  const training: OptimizationSettings = { optimizer: { learningRate: 0 } };
  return {
    loadTokenizer: async (nameOrPath) => loadTokenizer(nameOrPath),
    createCausalLM: async (config, seed) => onnxTrain.createOnnxTrainableModel({ config, seed, training }),
    loadCausalLM: async (directory, _backend, dropout) => {
      const model = await onnxTrain.loadOnnxTrainableModel(directory, { training });
      if (!dropout) return model;
      // Rebuild with the requested dropout: the training graphs read it from the config.
      const parameters = await model.doGetParameters();
      model.dispose();
      return onnxTrain.createOnnxTrainableModel({
        config: { ...model.config, dropout: { ...model.config.dropout, ...dropout } },
        weights: parameters,
        training,
        modelId: directory,
      });
    },
    loadRewardModel: async (directory, seed) => onnxTrain.loadOnnxTrainableModel(directory, { training, head: 'scalar', seed }),
    loadScalarModel: async (directory) => onnxTrain.loadOnnxTrainableModel(directory, { training, head: 'scalar' }),
    createGenerator: async (model) => {
      const { createOrtPolicyGenerator } = await import('@instructkit/onnx');
      return createOrtPolicyGenerator({ policy: model as typeof model & { readonly step: number; doGetParameters(): Promise<NamedTensors> } });
    },
  };
}

/** Training engines the pretrain, sft and rm commands can use. */
export const TRAINING_ENGINES = ['tfjs', 'onnx'] as const;

/** A training engine's name. */
export type TrainingEngineName = (typeof TRAINING_ENGINES)[number];

/** Loads a training engine by name. */
export async function loadTrainingEngine(name: TrainingEngineName): Promise<TrainingCommandEngine> {
  return name === 'onnx' ? loadOnnxEngine() : loadTfjsEngine();
}

/** What `chooseTrainingEngine` decides from. */
export interface TrainingEngineRequest {
  /** The engine the config or `--engine` names; `auto` or absent: `INSTRUCTKIT_ENGINE`, else chosen as below. */
  readonly requested?: TrainingEngineName | 'auto';
  /** A tfjs backend the config or `--backend` names: only tfjs has backends, so it picks tfjs. */
  readonly backend?: string;
  /** The run directory: a run resumes on the engine that wrote its latest checkpoint. */
  readonly runDirectory?: string;
  /** Loads the ONNX engine. Default: `loadOnnxEngine` (tests inject a failing one). */
  readonly loadOnnx?: () => Promise<TrainingCommandEngine>;
  /** Loads the tfjs engine. Default: `loadTfjsEngine`. */
  readonly loadTfjs?: () => Promise<TrainingCommandEngine>;
  /** Where the one line saying what was chosen goes. Default: stderr, silent with `INSTRUCTKIT_QUIET=1`. */
  readonly log?: (line: string) => void;
}

/** The engine `chooseTrainingEngine` picked, and why. */
export interface TrainingEngineChoice {
  readonly name: TrainingEngineName;
  readonly engine: TrainingCommandEngine;
  /** The reason, as logged. */
  readonly reason: string;
}

// The training-state file tfjs writes into a checkpoint (onnx-train writes onnx-training-state.json).
const TFJS_TRAINING_STATE_FILE = 'training-state.json';

async function latestCheckpointIsTfjs(runDirectory: string): Promise<boolean> {
  try {
    const latest = (await readFile(path.join(runDirectory, 'checkpoints', 'latest'), 'utf8')).trim();
    await access(path.join(runDirectory, 'checkpoints', latest, TFJS_TRAINING_STATE_FILE));
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks the training engine of `instructkit pretrain|sft|rm` and logs the choice once:
 * the one the config, `--engine` or `INSTRUCTKIT_ENGINE` names; otherwise tfjs when a tfjs
 * backend is named, or when it resumes a run tfjs started;
 * otherwise the compiled ONNX engine (faster on CPU), falling back to tfjs with the reason when
 * onnxruntime-node cannot be loaded.
 *
 * @throws {InvalidArgumentError} an unknown `INSTRUCTKIT_ENGINE`.
 * @example
 * const { engine } = await chooseTrainingEngine({ requested: config.engine, backend: config.backend, runDirectory });
 */
export async function chooseTrainingEngine(request: TrainingEngineRequest = {}): Promise<TrainingEngineChoice> {
  const log = request.log ?? ((line: string) => (process.env.INSTRUCTKIT_QUIET === '1' ? undefined : process.stderr.write(`${line}\n`)));
  const loadOnnx = request.loadOnnx ?? loadOnnxEngine;
  const loadTfjs = request.loadTfjs ?? loadTfjsEngine;
  const fromEnvironment = process.env.INSTRUCTKIT_ENGINE || undefined;
  if (fromEnvironment !== undefined && !(TRAINING_ENGINES as readonly string[]).includes(fromEnvironment)) {
    throw new InvalidArgumentError('INSTRUCTKIT_ENGINE', `${fromEnvironment} is not one of ${TRAINING_ENGINES.join(', ')}`);
  }
  const configured = request.requested === 'auto' ? undefined : request.requested;
  const requested = configured ?? (fromEnvironment as TrainingEngineName | undefined);
  const choose = async (name: TrainingEngineName, reason: string): Promise<TrainingEngineChoice> => {
    const engine = await (name === 'onnx' ? loadOnnx() : loadTfjs());
    log(`[instructkit] training engine: ${name} (${reason})`);
    return { name, engine, reason };
  };
  if (requested) return choose(requested, configured ? 'as configured' : 'INSTRUCTKIT_ENGINE');
  if (request.backend) return choose('tfjs', `backend ${request.backend} is a tfjs backend`);
  if (request.runDirectory && (await latestCheckpointIsTfjs(request.runDirectory))) return choose('tfjs', 'resuming a run the tfjs engine started');
  const picked = await preferOnnx(loadOnnx, loadTfjs);
  log(`[instructkit] training engine: ${picked.name} (${picked.reason})`);
  return { name: picked.name, engine: picked.value, reason: picked.reason };
}

/**
 * The one fallback rule of the CLI's engines (training commands and the pipeline): the ONNX
 * engine where its packages load — they load onnxruntime-node's native binding on import — and
 * tfjs, with the first line of the reason, where they do not.
 */
export async function preferOnnx<T>(loadOnnx: () => Promise<T>, loadTfjs: () => Promise<T>): Promise<{ name: TrainingEngineName; value: T; reason: string }> {
  try {
    return { name: 'onnx', value: await loadOnnx(), reason: 'onnxruntime-node; the default where it loads' };
  } catch (error) {
    return { name: 'tfjs', value: await loadTfjs(), reason: `onnxruntime-node could not be loaded: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** Optimizer settings of the training configs; the schedule's length is filled in from the data. */
export const TrainingOptimizationSchema = z
  .object({
    /** AdamW (`learningRate` required). Default: the preset's. */
    optimizer: AdamWSettingsSchema.optional(),
    /** Learning-rate schedule without `totalSteps` (computed). Default: the preset's, else constant. */
    schedule: z
      .object({
        kind: z.enum(['constant', 'linear', 'cosine']),
        warmupSteps: z.number().int().min(0).default(0),
        finalRatio: z.number().min(0).max(1).default(0),
      })
      .strict()
      .optional(),
    /** Clip the global gradient norm; 0 disables. Default: 1. */
    maxGradNorm: z.number().min(0).optional(),
  })
  .strict();

/** Fields every training command shares. */
export const CommonTrainingFields = {
  /** Run directory: metrics.jsonl, checkpoints/step-N, checkpoints/final (the exported model). Rerunning resumes. */
  output: z.string().min(1),
  /** Passes over the training data. */
  epochs: z.number().int().positive().optional(),
  /** Sequences (sft/pretrain) or prompts (rm) per micro-batch. */
  batchSize: z.number().int().positive().optional(),
  /** Micro-batches per optimizer step. Default: 1. */
  gradientAccumulation: z.number().int().positive().optional(),
  /** Longest sequence in tokens. Default: the model's context length. */
  maxLength: z.number().int().min(2).optional(),
  /** Seed of initialisation, shuffling and dropout. Default: 0. */
  seed: z.number().int().default(0),
  /** Checkpoint every this many steps (0: only at the end and on Ctrl-C). Default: 50. */
  checkpointEvery: z.number().int().min(0).default(50),
  /** A metrics.jsonl line every this many steps. Default: 1. */
  logEvery: z.number().int().positive().default(1),
  /** Evaluate every this many steps. Default: once per epoch. */
  evaluateEvery: z.number().int().positive().optional(),
  /**
   * Training engine: `onnx` (the compiled engine on onnxruntime-node), `tfjs` (TensorFlow.js) or
   * `auto`: onnx where onnxruntime-node loads, else tfjs; tfjs when `backend` is set or when
   * resuming a run tfjs started (see `chooseTrainingEngine`).
   * Default: auto.
   */
  engine: z.enum(['auto', ...TRAINING_ENGINES]).optional(),
  /** tfjs backend (`cpu`, `wasm`, `tfjs-node`, `tfjs-node-gpu`); setting one picks the tfjs engine. Default: the best installed. */
  backend: z.string().min(1).optional(),
  /** Optimizer, schedule, clipping. */
  optimization: TrainingOptimizationSchema.optional(),
};

/** Flags shared by the three commands, mapped onto config fields (flags win over the file). */
export interface CommonFlags {
  readonly config: string;
  readonly output?: string;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed?: number;
  readonly backend?: string;
  readonly engine?: string;
  readonly json?: boolean;
  readonly progress: boolean;
}

/** Commander parser for integer flags (commander names the flag in its error). */
export function parseInteger(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed)) throw new CommanderArgumentError('expected an integer.');
  return parsed;
}

/** Commander parser for number flags (commander names the flag in its error). */
export function parseNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new CommanderArgumentError('expected a number.');
  return parsed;
}

/** The dotted-path overrides the shared flags stand for. */
export function commonOverrides(flags: CommonFlags): Record<string, unknown> {
  return {
    output: flags.output,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    'optimization.optimizer.learningRate': flags.learningRate,
    seed: flags.seed,
    backend: flags.backend,
    engine: flags.engine,
  };
}

/**
 * Documents of a pretraining corpus: a `.txt` file (documents separated by blank lines) or
 * JSONL of `{"text": …}`.
 *
 * @throws InvalidFileError when the file cannot be read or holds no document.
 */
export async function readCorpus(file: string, shownAs: string): Promise<string[]> {
  if (/\.txt$/i.test(file)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new InvalidFileError(shownAs, `cannot read: ${(error as Error).message}`, { cause: error });
    }
    const documents = text.split(/\n\s*\n/).map((document) => document.trim()).filter((document) => document.length > 0);
    if (documents.length === 0) throw new InvalidFileError(shownAs, 'holds no text');
    return documents;
  }
  const { readRecords } = await import('@instructkit/data');
  const documents: string[] = [];
  for await (const record of readRecords(file, z.object({ text: z.string().min(1) }))) documents.push(record.text);
  if (documents.length === 0) throw new InvalidFileError(shownAs, 'holds no records');
  return documents;
}

/** Fills `{prompt}` in a prompt template. */
export function applyTemplate(template: string, prompt: string): string {
  return template.split('{prompt}').join(prompt);
}
