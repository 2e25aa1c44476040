import { access, cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  InvalidArgumentError,
  readSafetensors,
  runTrainingLoop,
  type AdamWSettings,
  type CausalLMV1,
  type LanguageModelingTask,
  type LearningRateSchedule,
  type MetricsSinkV1,
  type OptimizationSettings,
  type Stage,
  type TrainableModelV1,
  type TrainingListener,
  type TrainingLoopResult,
  epochOrder,
} from '@instructkit/core';
import type { CheckpointSelector } from './checkpoint-selector';
import { validationLossSelector } from './checkpoint-selector';
import { collateExamples, packExamples } from './collate-examples';
import { exportCheckpoint } from './export-checkpoint';
import { tokenizeRecord, type LanguageModelingExample, type SftRecord } from './language-modeling-example';
import type { SftPreset } from './sft-preset';
import type { SftTokenizer } from './sft-tokenizer';

/** A model the SFT trainers can train and export: trainable, with a causal-LM config. */
export type SftModel = TrainableModelV1 & Pick<CausalLMV1, 'config' | 'modelId'> & {
  /** Engines that need optimizer settings before the first step expose this (tfjs does); called when present. */
  configureTraining?(settings: OptimizationSettings): void | Promise<void>;
};

/** Settings shared by {@link pretrain} and {@link sft}. */
export interface LanguageModelTrainingSettings {
  /** The model to train (e.g. `createCausalLM` / `loadCausalLM` of `@instructkit/tfjs`). */
  readonly model: SftModel;
  /** The model's tokenizer. */
  readonly tokenizer: SftTokenizer;
  /** Held-out records; validation loss is computed on them at each evaluation. Default: none. */
  readonly validation?: readonly SftRecord[];
  /** Recipe defaults (epochs, optimizer, schedule, batch, pretraining mix). Default: none; then the fields below or their defaults apply. */
  readonly preset?: SftPreset;
  /** Passes over the training data. Default: `preset.epochs`, else 1. */
  readonly epochs?: number;
  /** Sequences per micro-batch. Default: `preset.sequencesPerBatch / gradientAccumulation`, else 8. */
  readonly sequencesPerBatch?: number;
  /** Micro-batches per optimizer step (gradients averaged). Default: 1. */
  readonly gradientAccumulation?: number;
  /** Longest sequence in tokens (longer ones are cut at the end). Default: the model's context length. */
  readonly maxLength?: number;
  /** Pack sequences into full rows of `maxLength` tokens instead of padding each. Default: false. */
  readonly packing?: boolean;
  /** Seed of shuffling and pretraining-mix sampling. Default: 0. */
  readonly seed?: number;
  /**
   * Optimizer settings, with the schedule's `totalSteps` filled in by the trainer, passed to
   * `model.configureTraining` before training. Fields override the preset's one by one.
   * Default: from `preset`; neither given leaves the model's own configuration alone.
   */
  readonly optimization?: Omit<OptimizationSettings, 'schedule'> & { readonly schedule?: SftPreset['schedule'] };
  /**
   * Pretraining data mixed into every epoch, as a fraction of the epoch's sequences
   * (InstructGPT's PPO-init SFT uses 10%). Default: fraction from `preset`, no data.
   */
  readonly pretrainingMix?: { readonly texts: readonly string[]; readonly fraction?: number };
  /** Which evaluated checkpoint to keep and export. Default: validation loss when `validation` is given. */
  readonly selector?: CheckpointSelector;
  /** Evaluate every this many optimizer steps. Default: once per epoch. */
  readonly evaluateEvery?: number;
  /**
   * Run directory (core's layout): `metrics.jsonl`, `checkpoints/step-<N>/` to resume from,
   * `checkpoints/best/`, and the exported model in `checkpoints/final/` (config.json,
   * model.safetensors, tokenizer.json, plus the training state of the same checkpoint).
   */
  readonly runDirectory: string;
  /** Checkpoint every this many steps (0: end and interrupt only). Default: 0. */
  readonly checkpointEvery?: number;
  /** A metrics line every this many steps. Default: 1. */
  readonly logEvery?: number;
  /** Receives training events. */
  readonly onEvent?: TrainingListener;
  /** Where metric lines go. Default: `<runDirectory>/metrics.jsonl`. */
  readonly metricsSink?: MetricsSinkV1;
  /** Abort: checkpoint after the step in flight, return `interrupted`. */
  readonly signal?: AbortSignal;
}

/** Result of {@link pretrain} and {@link sft}. */
export interface LanguageModelTrainingResult {
  /** The loop's outcome (steps, reason, checkpoints, best). */
  readonly run: TrainingLoopResult;
  /** Directory of the exported Hugging Face checkpoint (`<runDirectory>/checkpoints/final`), absent when interrupted. */
  readonly exported?: string;
  /** Optimizer steps of the whole run. */
  readonly totalSteps: number;
}

/** Copies a checkpoint's files other than the model files into `target`. */
async function copyTrainingState(source: string, target: string): Promise<void> {
  const modelFiles = new Set(['model.safetensors', 'config.json', 'tokenizer.json']);
  for (const entry of await readdir(source, { withFileTypes: true })) {
    if (modelFiles.has(entry.name)) continue;
    await cp(path.join(source, entry.name), path.join(target, entry.name), { recursive: true });
  }
}

/** Internal: the shared trainer, after records are tokenized. */
export async function trainLanguageModel(
  stage: Stage,
  examples: readonly LanguageModelingExample[],
  settings: LanguageModelTrainingSettings,
): Promise<LanguageModelTrainingResult> {
  const { model, tokenizer, preset } = settings;
  let train = examples;
  const accumulation = settings.gradientAccumulation ?? 1;
  const epochs = settings.epochs ?? preset?.epochs ?? 1;
  const sequencesPerBatch = settings.sequencesPerBatch ?? (preset ? Math.max(1, Math.floor(preset.sequencesPerBatch / accumulation)) : 8);
  const maxLength = settings.maxLength ?? model.config.contextLength;
  const seed = settings.seed ?? 0;
  const packing = settings.packing ?? false;
  for (const [name, value] of [['epochs', epochs], ['sequencesPerBatch', sequencesPerBatch], ['gradientAccumulation', accumulation], ['maxLength', maxLength]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(name, `must be an integer ≥ 1, got ${value}`);
  }
  // A one-token sequence has nothing to predict (its only token has no context).
  train = train.filter((example) => example.ids.length >= 2);
  if (train.length === 0) throw new InvalidArgumentError('train', 'expected at least one record of two or more tokens');
  const padTokenId = model.config.padTokenId ?? model.config.eosTokenId ?? 0;
  const mixFraction = settings.pretrainingMix?.fraction ?? preset?.pretrainingMix ?? 0;
  if (!(mixFraction >= 0 && mixFraction < 1)) throw new InvalidArgumentError('pretrainingMix.fraction', `must be in [0, 1), got ${mixFraction}`);
  const mixPool = (settings.pretrainingMix?.texts ?? []).map((text) => tokenizeRecord(tokenizer, { text }));
  if (mixFraction > 0 && mixPool.length === 0) throw new InvalidArgumentError('pretrainingMix.texts', `a mix fraction of ${mixFraction} needs pretraining texts`);
  // A fraction f of the mixed epoch is pretraining: n · f / (1 − f) extra sequences.
  const mixCount = mixPool.length ? Math.round((train.length * mixFraction) / (1 - mixFraction)) : 0;

  /** The sequences of one epoch, in training order: shuffled demonstrations plus sampled pretraining text, packed if asked. */
  const epochRows = (epoch: number): LanguageModelingExample[] => {
    const mixed = [...train];
    if (mixCount > 0) {
      const poolOrder = epochOrder(mixPool.length, seed + 7919, epoch);
      for (let index = 0; index < mixCount; index++) mixed.push(mixPool[poolOrder[index % mixPool.length]!]!);
    }
    const ordered = epochOrder(mixed.length, seed, epoch).map((index) => mixed[index]!);
    return packing ? packExamples(ordered, maxLength) : ordered;
  };
  const rowsPerEpoch = Array.from({ length: epochs }, (_, epoch) => {
    if (!packing) return train.length + mixCount;
    // Packed rows depend on the epoch's total tokens only.
    const rows = epochRows(epoch).length;
    return rows;
  });
  const batchesPerEpoch = rowsPerEpoch.map((rows) => Math.ceil(rows / sequencesPerBatch));
  const totalBatches = batchesPerEpoch.reduce((sum, count) => sum + count, 0);
  const totalSteps = Math.ceil(totalBatches / accumulation);

  // Fields given in `optimization` override the preset's one by one (a learning rate alone keeps the preset's β2).
  const optimization =
    settings.optimization || preset
      ? { ...settings.optimization, optimizer: { ...preset?.optimizer, ...settings.optimization?.optimizer } as AdamWSettings }
      : undefined;
  const schedule = settings.optimization?.schedule ?? preset?.schedule;
  if (optimization && model.configureTraining) {
    const { schedule: _partial, ...rest } = optimization as typeof optimization & { schedule?: unknown };
    const filled: LearningRateSchedule | undefined = !schedule
      ? undefined
      : schedule.kind === 'constant'
        ? { kind: 'constant', warmupSteps: schedule.warmupSteps }
        : { kind: schedule.kind, warmupSteps: schedule.warmupSteps, finalRatio: schedule.finalRatio, totalSteps };
    await model.configureTraining({ ...rest, seed: optimization.seed ?? seed, ...(filled ? { schedule: filled } : {}) });
  }

  let cachedEpoch = -1;
  let cachedRows: LanguageModelingExample[] = [];
  const microbatch = (index: number): LanguageModelingTask => {
    let epoch = 0;
    let within = index % totalBatches;
    while (within >= batchesPerEpoch[epoch]!) within -= batchesPerEpoch[epoch++]!;
    if (epoch !== cachedEpoch) {
      cachedRows = epochRows(epoch);
      cachedEpoch = epoch;
    }
    return collateExamples(cachedRows.slice(within * sequencesPerBatch, (within + 1) * sequencesPerBatch), padTokenId, maxLength);
  };

  const validationExamples = (settings.validation ?? []).map((record, index) => tokenizeRecord(tokenizer, record, `validation[${index}]`)).filter((example) => example.ids.length >= 2);
  const validation = validationExamples.length ? validationExamples : undefined;
  const selector = settings.selector ?? (validation ? validationLossSelector() : undefined);
  if (selector?.metric === 'validationLoss' && !validation) throw new InvalidArgumentError('selector', 'selecting by validation loss needs validation records');
  const evaluate =
    validation || selector?.evaluate
      ? async (step: number) => {
          const metrics: Record<string, number> = {};
          if (validation) {
            let weightedLoss = 0;
            let targets = 0;
            for (let start = 0; start < validation.length; start += sequencesPerBatch) {
              const task = collateExamples(validation.slice(start, start + sequencesPerBatch), padTokenId, maxLength);
              const count = task.lossMask.reduce((sum, bit) => sum + bit, 0);
              if (count === 0) continue;
              weightedLoss += (await model.doEvaluate(task)).loss * count;
              targets += count;
            }
            metrics.validationLoss = weightedLoss / targets;
          }
          if (selector?.evaluate) Object.assign(metrics, await selector.evaluate(step));
          return metrics;
        }
      : undefined;

  const run = await runTrainingLoop({
    stage,
    model,
    totalSteps,
    runDirectory: settings.runDirectory,
    nextRequest: (step) => ({ microbatches: Array.from({ length: accumulation }, (_, offset) => microbatch(step * accumulation + offset)) }),
    ...(evaluate ? { evaluate, evaluateEvery: settings.evaluateEvery ?? Math.max(1, Math.round(totalSteps / epochs)) } : {}),
    ...(selector ? { best: { metric: selector.metric, direction: selector.direction } } : {}),
    ...(settings.checkpointEvery !== undefined ? { checkpointEvery: settings.checkpointEvery } : {}),
    ...(settings.logEvery !== undefined ? { logEvery: settings.logEvery } : {}),
    ...(settings.onEvent ? { onEvent: settings.onEvent } : {}),
    ...(settings.metricsSink ? { metricsSink: settings.metricsSink } : {}),
    ...(settings.signal ? { signal: settings.signal } : {}),
  });
  if (run.reason !== 'completed') return { run, totalSteps };
  // Export the selected checkpoint, not merely the last one.
  if (run.best) {
    const bestParameters = path.join(run.best.checkpoint, 'model.safetensors');
    await access(bestParameters);
    await model.doSetParameters((await readSafetensors(bestParameters)).tensors);
  }
  const exported = path.join(settings.runDirectory, 'checkpoints', 'final');
  await exportCheckpoint({ model, tokenizer, directory: exported });
  // Beside the weights, the training state of the same checkpoint (optimizer moments, step, RNG), so training can continue from it.
  await copyTrainingState(run.best?.checkpoint ?? run.checkpoint, exported);
  return { run, exported, totalSteps };
}
