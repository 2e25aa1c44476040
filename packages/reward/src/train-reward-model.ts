import {
  InvalidArgumentError,
  runTrainingLoop,
  type MetricsSinkV1,
  type RankingTask,
  type ScalarModelV1,
  type TrainableModelV1,
  type TrainingListener,
  type TrainingLoopResult,
  epochOrder,
} from '@instructkit/core';
import { buildRankingTask, type TokenizedRanking } from './build-ranking-task';
import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { computeRewardNormalization, type RewardNormalizationSettings } from './compute-reward-normalization';
import { createRewardModel, type RewardNormalization } from './create-reward-model';
import { exportRewardModel } from './export-reward-model';
import { encodeScoredSequence } from './encode-scored-sequence';
import { evaluateRankings, type RankingEvaluation } from './evaluate-rankings';
import type { PaddingSide } from './pad-rows';
import { countRankedPairs, type RankingExample } from './ranking-example';
import type { TokenEncoder } from './token-encoder';

/** Settings of {@link trainRewardModel}. */
export interface TrainRewardModelSettings {
  /**
   * The reward model to train: a trunk (from an SFT or base checkpoint) with a scalar head,
   * e.g. `loadScalarModel(dir, { initFrom: 'causal-lm' })` of `@instructkit/tfjs`, already
   * configured for training (`configureTraining`).
   */
  readonly model: TrainableModelV1 & ScalarModelV1;
  /** The model's tokenizer. */
  readonly tokenizer: TokenEncoder;
  /** Training rankings (K from 2 to 9, mixed). */
  readonly train: readonly RankingExample[];
  /** Held-out rankings: validation loss/accuracy each evaluation, full evaluation at the end. Default: none. */
  readonly validation?: readonly RankingExample[];
  /** Labelers whose rankings are only in `validation`; reported apart. Default: none. */
  readonly heldOutLabelers?: readonly string[];
  /** Prompts (each with all its K completions) per micro-batch. Default: 8 (InstructGPT: 64). */
  readonly promptsPerBatch?: number;
  /** Micro-batches per optimizer step. Default: 1. */
  readonly gradientAccumulation?: number;
  /** Passes over `train`. Default: 1 (InstructGPT: more overfits). */
  readonly epochs?: number;
  /** Longest sequence; prompts are cut from the left. Default: the model's context length. */
  readonly maxLength?: number;
  /** Appended after every completion; the score is read there. Default: `model.config.eosTokenId`. */
  readonly eosTokenId?: number;
  /** Padding side of training batches. Default: `right`. */
  readonly paddingSide?: PaddingSide;
  /** Seed of the shuffling. Default: 0. */
  readonly seed?: number;
  /** Run directory (metrics.jsonl, checkpoints/). */
  readonly runDirectory: string;
  /** Checkpoint every this many steps (0: end and interrupt only). Default: 0. */
  readonly checkpointEvery?: number;
  /** Evaluate on `validation` every this many steps. Default: once per epoch. */
  readonly evaluateEvery?: number;
  /** Metrics line every this many steps. Default: 1. */
  readonly logEvery?: number;
  /** Receives training events. */
  readonly onEvent?: TrainingListener;
  /** Where metric lines go. Default: `<runDirectory>/metrics.jsonl`. */
  readonly metricsSink?: MetricsSinkV1;
  /** Ctrl-C: checkpoint and return `interrupted`. */
  readonly signal?: AbortSignal;
  /**
   * After training, set the bias so these labeler demonstrations score 0 on average (InstructGPT),
   * and, with `policySamples`, the gain for unit variance; written beside the exported model.
   * Default: no normalization (gain 1, bias 0).
   */
  readonly normalizeWith?: Omit<RewardNormalizationSettings, 'rewardModel'>;
  /** Written as `tokenizer.json` into the export when it can serialize itself. */
  readonly tokenizerJson?: () => string;
  /** Checkpoint writer. Default: core's `saveTrainingCheckpoint`. */
  readonly saveCheckpoint?: (directory: string) => Promise<void>;
  /** Checkpoint reader. Default: core's `loadTrainingCheckpoint`. */
  readonly loadCheckpoint?: (directory: string) => Promise<void>;
}

/** Result of {@link trainRewardModel}. */
export interface TrainRewardModelResult {
  /** The training loop's outcome (steps, reason, last checkpoint). */
  readonly run: TrainingLoopResult;
  /** Full evaluation on `validation` after training (absent without validation data or when interrupted). */
  readonly evaluation?: RankingEvaluation;
  /** The normalization computed from `normalizeWith` (absent without it or when interrupted). */
  readonly normalization?: RewardNormalization;
  /** The exported model, `<runDirectory>/checkpoints/final`, with the last checkpoint's training state (absent when interrupted). */
  readonly exported?: string;
}

/**
 * Trains a reward model on K-way rankings with InstructGPT Eq. 1: each micro-batch holds
 * `promptsPerBatch` prompts with all their completions, every completion forwarded once, each
 * prompt's C(K,2) untied pairs one element of the loss. Logs `loss` and `accuracy` per step and
 * `validationLoss`/`validationAccuracy` per evaluation; resumes from the run directory.
 *
 * @throws InvalidArgumentError for empty training data or non-positive sizes.
 * @example
 * ```ts
 * const { evaluation } = await trainRewardModel({ model, tokenizer, train, validation, runDirectory: 'runs/rm' });
 * console.log(evaluation?.accuracy);
 * ```
 */
export async function trainRewardModel(settings: TrainRewardModelSettings): Promise<TrainRewardModelResult> {
  const { model, tokenizer } = settings;
  const promptsPerBatch = settings.promptsPerBatch ?? 8;
  const accumulation = settings.gradientAccumulation ?? 1;
  const epochs = settings.epochs ?? 1;
  const seed = settings.seed ?? 0;
  for (const [name, value] of [['promptsPerBatch', promptsPerBatch], ['gradientAccumulation', accumulation], ['epochs', epochs]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(name, `must be an integer ≥ 1, got ${value}`);
  }
  if (settings.train.length === 0) throw new InvalidArgumentError('train', 'expected at least one ranking');
  const eosTokenId = settings.eosTokenId ?? model.config.eosTokenId;
  const padTokenId = model.config.padTokenId ?? model.config.eosTokenId ?? 0;
  const maxLength = settings.maxLength ?? model.config.contextLength;
  const paddingSide = settings.paddingSide ?? 'right';

  const tokenize = (examples: readonly RankingExample[]): TokenizedRanking[] =>
    examples.map((example) => ({
      rows: example.completions.map((completion) =>
        encodeScoredSequence(tokenizer, example.prompt, completion, { maxLength, ...(eosTokenId !== undefined ? { eosTokenId } : {}) }),
      ),
      ranks: example.ranks,
      ...(example.margin ? { margin: example.margin } : {}),
    }));
  // Prompts whose completions all tie carry no comparison; dropping them up front keeps every batch non-empty.
  const train = tokenize(settings.train.filter((example) => countRankedPairs(example.ranks) > 0));
  if (train.length === 0) throw new InvalidArgumentError('train', 'every ranking is a full tie; nothing to learn from');
  const validationExamples = (settings.validation ?? []).filter((example) => countRankedPairs(example.ranks) > 0);
  const validation = validationExamples.length ? tokenize(validationExamples) : undefined;

  const batchesPerEpoch = Math.ceil(train.length / promptsPerBatch);
  const totalSteps = Math.ceil((epochs * batchesPerEpoch) / accumulation);
  const orders = new Map<number, number[]>();
  const microbatch = (index: number): RankingTask => {
    const epoch = Math.floor(index / batchesPerEpoch) % epochs;
    if (!orders.has(epoch)) orders.set(epoch, epochOrder(train.length, seed, epoch));
    const start = (index % batchesPerEpoch) * promptsPerBatch;
    const chosen = orders.get(epoch)!.slice(start, start + promptsPerBatch).map((position) => train[position]!);
    return buildRankingTask({ rankings: chosen, padTokenId, paddingSide });
  };

  const evaluate = validation
    ? async () => {
        let lossSum = 0;
        let accuracySum = 0;
        let weight = 0;
        for (let start = 0; start < validation.length; start += promptsPerBatch) {
          const task = buildRankingTask({ rankings: validation.slice(start, start + promptsPerBatch), padTokenId, paddingSide });
          const result = await model.doEvaluate(task);
          lossSum += result.loss * task.groups.length;
          accuracySum += (result.metrics.accuracy ?? Number.NaN) * task.groups.length;
          weight += task.groups.length;
        }
        return { validationLoss: lossSum / weight, validationAccuracy: accuracySum / weight };
      }
    : undefined;

  const run = await runTrainingLoop({
    stage: 'reward',
    model,
    totalSteps,
    runDirectory: settings.runDirectory,
    nextRequest: (step) => ({
      microbatches: Array.from({ length: accumulation }, (_, offset) => microbatch((step * accumulation + offset) % (epochs * batchesPerEpoch))),
    }),
    ...(evaluate ? { evaluate, evaluateEvery: settings.evaluateEvery ?? Math.max(1, Math.round(batchesPerEpoch / accumulation)) } : {}),
    ...(settings.checkpointEvery !== undefined ? { checkpointEvery: settings.checkpointEvery } : {}),
    ...(settings.logEvery !== undefined ? { logEvery: settings.logEvery } : {}),
    ...(settings.onEvent ? { onEvent: settings.onEvent } : {}),
    ...(settings.metricsSink ? { metricsSink: settings.metricsSink } : {}),
    ...(settings.signal ? { signal: settings.signal } : {}),
    ...(settings.saveCheckpoint ? { saveCheckpoint: settings.saveCheckpoint } : {}),
    ...(settings.loadCheckpoint ? { loadCheckpoint: settings.loadCheckpoint } : {}),
  });
  if (run.reason !== 'completed') return { run };
  const rawRewardModel = createRewardModel({ model, tokenizer, maxLength, paddingSide });
  const evaluation = validationExamples.length
    ? await evaluateRankings({
        rewardModel: rawRewardModel,
        rankings: validationExamples,
        ...(settings.heldOutLabelers ? { heldOutLabelers: settings.heldOutLabelers } : {}),
      })
    : undefined;
  const normalization = settings.normalizeWith ? await computeRewardNormalization({ rewardModel: rawRewardModel, ...settings.normalizeWith }) : undefined;
  const exported = path.join(settings.runDirectory, 'checkpoints', 'final');
  await exportRewardModel({
    model,
    directory: exported,
    ...(settings.tokenizerJson ? { tokenizer: { toTokenizerJson: settings.tokenizerJson } } : {}),
    ...(normalization ? { normalization } : {}),
  });
  // Beside the weights, the training state of the last checkpoint (optimizer moments, step, RNG).
  for (const entry of await readdir(run.checkpoint, { withFileTypes: true })) {
    if (!['model.safetensors', 'config.json', 'tokenizer.json'].includes(entry.name)) await cp(path.join(run.checkpoint, entry.name), path.join(exported, entry.name), { recursive: true });
  }
  return { run, exported, ...(evaluation ? { evaluation } : {}), ...(normalization ? { normalization } : {}) };
}
