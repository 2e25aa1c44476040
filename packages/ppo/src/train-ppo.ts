import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CheckpointError,
  InvalidArgumentError,
  createLocalGenerator,
  findLatestCheckpoint,
  loadTrainingCheckpoint,
  readSafetensors,
  saveTrainingCheckpoint,
  writeFileAtomic,
  writeSafetensors,
  type CausalLMV1,
  type GeneratorV1,
  type LanguageModelingTask,
  type MetricsSinkV1,
  type NamedTensors,
  type PolicyTask,
  type RewardModelV1,
  type ScalarModelV1,
  type TrainableModelV1,
  type TrainingListener,
  type TokenBatch,
  type TrainingTask,
  type ValueTask,
} from '@instructkit/core';
import { actionValues } from './action-values';
import { applyEosPenalty } from './apply-eos-penalty';
import { buildLanguageModelingTask } from './build-language-modeling-task';
import { buildRolloutBatch, scatterResponseValues, type RolloutBatch } from './build-rollout-batch';
import { computeAdvantages } from './compute-advantages';
import { estimateKl } from './estimate-kl';
import { explainedVariance } from './explained-variance';
import {
  createAdaptiveKlController,
  createFixedKlController,
  restoreKlController,
  type KlController,
  type KlControllerState,
} from './kl-controller';
import { maskedMoments } from './masked-moments';
import type { PpoHyperparameters, PpoHyperparametersInput } from './ppo-hyperparameters';
import { resolvePpoHyperparameters } from './resolve-ppo-hyperparameters';
import { RunningMoments, type RunningMomentsState } from './running-moments';
import { SeededRandom } from './seeded-random';
import { selectRows, selectRowValues } from './select-rows';
import { shapeRewards } from './shape-rewards';
import { updateEma } from './update-ema';
import { whitenMasked } from './whiten-masked';

/** The two tokenizer operations PPO needs (structural: any tokenizer object fits). */
export interface PpoTokenizer {
  /** Token ids of a prompt text (with the chat template already applied, if any). */
  encode(text: string): ArrayLike<number>;
  /** Text of token ids. */
  decode(ids: ArrayLike<number>): string;
}

/** Everything `trainPpo` works with. Models are reached only through core's contracts. */
export interface TrainPpoSettings {
  /** The policy being trained (initialised from the SFT model). Its optimizer is configured by its engine. */
  readonly policy: CausalLMV1 & TrainableModelV1;
  /** The frozen reference model (the SFT model) for the KL penalty. Never trained. */
  readonly reference: CausalLMV1;
  /**
   * The value model: a separate network with a scalar head, initialised from the reward
   * model (InstructGPT). A shared-trunk value head is not offered yet.
   */
  readonly valueModel: ScalarModelV1 & TrainableModelV1;
  /** The proxy reward being optimised (text-level). */
  readonly rewardModel: RewardModelV1;
  /** Optional gold scorer (the sim task's judge), logged as `gold_reward` but never optimised. */
  readonly goldRewardModel?: RewardModelV1;
  /**
   * Samples rollouts. It must sample from the policy's *current* weights: the local
   * sampling loop over `policy` does; a remote or ONNX generator must be given the
   * weights after every iteration. A mismatch shows up as `logprob_mismatch` and a warning.
   * Default: core's `createLocalGenerator(policy)`.
   */
  readonly generator?: GeneratorV1;
  /** Encodes prompts and decodes responses for the reward models. */
  readonly tokenizer: PpoTokenizer;
  /** Prompt texts, drawn without replacement in a seeded order, reshuffled every pass. */
  readonly prompts: readonly string[];
  /** PPO-ptx: token sequences of the pretraining corpus. Absent → plain PPO. */
  readonly pretrainingCorpus?: readonly ArrayLike<number>[];
  /** Hyperparameters; see `PpoHyperparameters` for defaults. */
  readonly hyperparameters?: PpoHyperparametersInput;
  /**
   * Run directory, laid out as core's `runTrainingLoop` lays it out: `metrics.jsonl`,
   * `checkpoints/step-<N>/` (N = PPO iteration; `policy/`, `value/`, `ema.safetensors`,
   * `ppo-state.json`, `trainer-state.json`) and `checkpoints/latest`. When it holds a
   * checkpoint the run resumes from it. Absent → no checkpoints, no metrics file.
   */
  readonly runDirectory?: string;
  /**
   * Where one metrics record per iteration goes. Default: appended to
   * `<runDirectory>/metrics.jsonl` (cut back to the resumed iteration on resume).
   */
  readonly metrics?: MetricsSinkV1;
  /** How many `step-<N>` checkpoints to keep, oldest deleted first. Default: 2. */
  readonly keepCheckpoints?: number;
  /** Receives `run-start`, `rollout-start`, `rollout-end`, `step-end`, `checkpoint-saved`, `run-end`. */
  readonly onEvent?: TrainingListener;
  /** Receives warnings (negative naive KL, generator/policy log-prob mismatch). Default: `console.warn`. */
  readonly onWarning?: (message: string) => void;
  /** Aborting stops at the next safe point, checkpoints, and returns with reason `interrupted`. */
  readonly signal?: AbortSignal;
}

/** Metrics of one PPO iteration, as written to `metrics.jsonl` (snake_case names). */
export type PpoMetrics = Readonly<Record<string, number>> & {
  /** Iteration number (1-based). */
  readonly step: number;
  /** Mean reward-model score of the rollout (before EOS penalty and normalisation). */
  readonly reward: number;
  /** Sequence-level KL(π ‖ π_ref) of the rollout, unbiased k3 estimator (nats). */
  readonly kl: number;
};

/** What a run ended with. */
export interface PpoRunResult {
  /** Iterations completed, including those of earlier runs that were resumed. */
  readonly iteration: number;
  /** `completed`, or `interrupted` by the signal. */
  readonly reason: 'completed' | 'interrupted';
  /** Metrics of the iterations run in this call. */
  readonly history: readonly PpoMetrics[];
  /** EMA of the policy weights, when `emaDecay` > 0. */
  readonly ema?: NamedTensors;
  /** β at the end. */
  readonly klCoefficient: number;
}

interface DataCursor {
  order: number[];
  position: number;
}

interface PpoState {
  readonly version: 1;
  readonly iteration: number;
  readonly randomState: number;
  readonly prompts: DataCursor;
  readonly pretraining: DataCursor | null;
  readonly klController: KlControllerState;
  readonly rewardMoments: RunningMomentsState;
}

const STATE_FILE = 'ppo-state.json';
const TRAINER_STATE_FILE = 'trainer-state.json';

/**
 * Trains a policy with PPO (InstructGPT §3.5, Eq. 2), or PPO-ptx when a pretraining
 * corpus is given. Each iteration: sample prompts → generate one response each →
 * policy, reference and value forward passes → RM score (− EOS penalty) → per-token
 * KL-shaped rewards → GAE → `epochs` × minibatches of `PolicyTask` (+ γ·LM for ptx)
 * and `ValueTask` steps → EMA → β update → metrics, checkpoint.
 *
 * @throws InvalidArgumentError for inconsistent settings (no prompts, no EOS id, …).
 * @throws CheckpointError when a checkpoint in `runDirectory` cannot be read.
 * @example
 * const result = await trainPpo({ policy, reference, valueModel, rewardModel, generator, tokenizer, prompts,
 *   hyperparameters: instructgptPreset().hyperparameters, runDirectory: 'runs/ppo' });
 */
export async function trainPpo(settings: TrainPpoSettings): Promise<PpoRunResult> {
  const hyper = resolvePpoHyperparameters(settings.hyperparameters);
  const { policy, reference, valueModel, tokenizer } = settings;
  const warn = settings.onWarning ?? ((message: string) => console.warn(`instructkit ppo: ${message}`));
  const emit: TrainingListener = settings.onEvent ?? (() => {});
  if (settings.prompts.length === 0) throw new InvalidArgumentError('prompts', 'is empty');
  const eosTokenId = policy.config.eosTokenId;
  if (eosTokenId === undefined) throw new InvalidArgumentError('policy.config.eosTokenId', 'is required to stop responses');
  const padTokenId = policy.config.padTokenId ?? eosTokenId;
  const generator = settings.generator ?? createLocalGenerator(policy, {}, padTokenId);
  const promptIds = settings.prompts.map((prompt) => Int32Array.from(tokenizer.encode(prompt)));
  promptIds.forEach((ids, index) => {
    if (ids.length === 0) throw new InvalidArgumentError(`prompts[${index}]`, 'encodes to no tokens');
    if (ids.length + hyper.maxNewTokens > policy.config.contextLength) {
      throw new InvalidArgumentError(
        `prompts[${index}]`,
        `${ids.length} tokens + maxNewTokens ${hyper.maxNewTokens} exceed the policy's context of ${policy.config.contextLength}`,
      );
    }
  });
  const ptx = settings.pretrainingCorpus && settings.pretrainingCorpus.length > 0 && hyper.ptxCoefficient > 0;

  const random = new SeededRandom(hyper.seed);
  const promptCursor: DataCursor = { order: random.permutation(promptIds.length), position: 0 };
  let pretrainingCursor: DataCursor | null = ptx ? { order: random.permutation(settings.pretrainingCorpus!.length), position: 0 } : null;
  let klController: KlController = hyper.adaptiveKl
    ? createAdaptiveKlController({ initial: hyper.klCoefficient, ...hyper.adaptiveKl })
    : createFixedKlController(hyper.klCoefficient);
  let rewardMoments = new RunningMoments();
  let ema: NamedTensors | undefined = hyper.emaDecay > 0 ? await policy.doGetParameters() : undefined;
  let iteration = 0;

  const runDirectory = settings.runDirectory;
  const latest = runDirectory ? await findLatestCheckpoint(runDirectory) : undefined;
  if (latest) {
    const state = await loadCheckpoint(latest.directory, policy, valueModel);
    const stateFile = path.join(latest.directory, STATE_FILE);
    if (state.prompts.order.length !== promptIds.length) {
      throw new CheckpointError(stateFile, `was written for ${state.prompts.order.length} prompts, this run has ${promptIds.length}; use a new run directory`);
    }
    if ((state.pretraining?.order.length ?? 0) !== (ptx ? settings.pretrainingCorpus!.length : 0)) {
      throw new CheckpointError(stateFile, 'was written with a different pretraining corpus (or without one); use a new run directory');
    }
    iteration = state.iteration;
    random.state = state.randomState;
    Object.assign(promptCursor, state.prompts);
    pretrainingCursor = state.pretraining;
    klController = restoreKlController(state.klController);
    rewardMoments = new RunningMoments(state.rewardMoments);
    if (hyper.emaDecay > 0 && existsSync(path.join(latest.directory, 'ema.safetensors'))) {
      ema = (await readSafetensors(path.join(latest.directory, 'ema.safetensors'))).tensors;
    }
  }
  const metricsSink = settings.metrics ?? (runDirectory ? await openMetricsFile(path.join(runDirectory, 'metrics.jsonl'), iteration) : undefined);

  const saveState = async (): Promise<void> => {
    if (!runDirectory) return;
    const state: PpoState = {
      version: 1,
      iteration,
      randomState: random.state,
      prompts: promptCursor,
      pretraining: pretrainingCursor,
      klController: klController.state(),
      rewardMoments: rewardMoments.state(),
    };
    const directory = await saveCheckpoint(runDirectory, state, hyper.iterations, policy, valueModel, ema, settings.keepCheckpoints ?? 2);
    emit({ type: 'checkpoint-saved', stage: 'ppo', step: iteration, path: directory });
  };

  const draw = (cursor: DataCursor, size: number, count: number): number[] => {
    const drawn: number[] = [];
    while (drawn.length < count) {
      if (cursor.position >= cursor.order.length) {
        cursor.order = random.permutation(size);
        cursor.position = 0;
      }
      drawn.push(cursor.order[cursor.position++]!);
    }
    return drawn;
  };

  emit({ type: 'run-start', stage: 'ppo', totalSteps: hyper.iterations, startStep: iteration });
  const history: PpoMetrics[] = [];
  let reason: 'completed' | 'interrupted' = 'completed';
  while (iteration < hyper.iterations) {
    // Let signal handlers run between iterations (the steps themselves are synchronous work).
    await new Promise((resolve) => setImmediate(resolve));
    if (settings.signal?.aborted) {
      reason = 'interrupted';
      break;
    }
    // Snapshot what the rollout consumes, so an interrupted rollout can be undone.
    const snapshot = { randomState: random.state, prompts: structuredClone(promptCursor), rewardMoments: rewardMoments.state() };
    let rollout: Rollout | undefined;
    try {
      rollout = await collectRollout();
    } catch (error) {
      if (!settings.signal?.aborted) throw error;
    }
    if (!rollout || settings.signal?.aborted) {
      random.state = snapshot.randomState;
      Object.assign(promptCursor, snapshot.prompts);
      rewardMoments = new RunningMoments(snapshot.rewardMoments);
      reason = 'interrupted';
      break;
    }
    const metrics = await update(rollout);
    history.push(metrics);
    metricsSink?.write({ stage: 'ppo', time: new Date().toISOString(), ...metrics });
    if (iteration % hyper.checkpointEvery === 0 && iteration < hyper.iterations) {
      await metricsSink?.flush();
      await saveState();
    }
  }
  await metricsSink?.flush();
  if (!latest || iteration !== latest.state.step) await saveState();
  emit({ type: 'run-end', stage: 'ppo', step: iteration, reason });
  return { iteration, reason, history, ema, klCoefficient: klController.value };

  interface Rollout {
    readonly layout: RolloutBatch;
    readonly logprobs: Float32Array;
    readonly advantages: Float32Array;
    readonly returns: Float32Array;
    readonly values: Float32Array;
    readonly metrics: Record<string, number>;
  }

  async function collectRollout(): Promise<Rollout> {
    const started = performance.now();
    const rows = draw(promptCursor, promptIds.length, hyper.rolloutBatchSize);
    emit({ type: 'rollout-start', stage: 'ppo', step: iteration + 1, prompts: rows.length });
    const generated = await generator.doGenerate({
      prompts: rows.map((row) => promptIds[row]!),
      sampling: {
        maxNewTokens: hyper.maxNewTokens,
        temperature: hyper.temperature,
        eosTokenIds: [eosTokenId!],
        seed: random.nextInt(2 ** 31),
      },
      ...(hyper.forwardBatchSize > 0 ? { batchSize: hyper.forwardBatchSize } : {}),
      signal: settings.signal,
    });
    const sequences = generated.sequences;
    const generationSeconds = (performance.now() - started) / 1000;
    emit({ type: 'rollout-end', stage: 'ppo', step: iteration + 1, seconds: generationSeconds });
    const scoringStarted = performance.now();

    const layout = buildRolloutBatch(sequences, padTokenId);
    const { batch, actionMask } = layout;
    const batchSize = batch.batchSize;
    const chunk = hyper.forwardBatchSize > 0 ? hyper.forwardBatchSize : batchSize;
    const policyOutput = await forwardInChunks(batch, chunk, batch.length - 1, async (rows) => {
      const output = await policy.doLogprobs({ batch: rows, includeEntropy: true });
      return [output.logprobs, output.entropy ?? new Float32Array(output.logprobs.length).fill(Number.NaN)];
    });
    const referenceOutput = await forwardInChunks(batch, chunk, batch.length - 1, async (rows) => [(await reference.doLogprobs({ batch: rows })).logprobs]);
    const valueOutput = await forwardInChunks(batch, chunk, batch.length, async (rows) => [(await valueModel.doScore({ batch: rows, positions: 'all' })).scores]);
    const logprobs = maskArray(policyOutput[0]!, actionMask);
    const refLogprobs = maskArray(referenceOutput[0]!, actionMask);
    const values = actionValues(valueOutput[0]!, batchSize, batch.length, actionMask);
    const generatorLogprobs = scatterResponseValues(layout, sequences.map((sequence) => sequence.logprobs));
    const mismatch = maskedMoments(
      logprobs.map((value, index) => Math.abs(value - generatorLogprobs[index]!)),
      actionMask,
    ).mean;
    if (mismatch > 0.05) {
      warn(`generator log-probs differ from the policy's by ${mismatch.toFixed(3)} nats/token on average: is the generator sampling from the current policy weights?`);
    }

    const endedWithEos = sequences.map((sequence) => sequence.finishReason === 'eos');
    // The reward models score text without the EOS token, as they were trained on.
    const completions = sequences.map((sequence) =>
      tokenizer.decode(sequence.finishReason === 'eos' ? sequence.completionIds.subarray(0, -1) : sequence.completionIds),
    );
    const promptTexts = rows.map((row) => settings.prompts[row]!);
    const rawScores = Float32Array.from(await settings.rewardModel.doScore({ prompts: promptTexts, completions, signal: settings.signal }));
    const goldScores = settings.goldRewardModel
      ? await settings.goldRewardModel.doScore({ prompts: promptTexts, completions, signal: settings.signal })
      : undefined;
    let scores = hyper.eosPenalty ? applyEosPenalty(rawScores, endedWithEos, hyper.eosPenalty) : rawScores;
    if (hyper.normalizeRewards) {
      rewardMoments.update(scores);
      const { mean, std } = rewardMoments;
      // + ε: a batch of identical scores has zero spread.
      scores = scores.map((score) => (score - mean) / (std + 1e-8));
    }

    const klCoefficient = klController.value;
    const shaped = shapeRewards({ batchSize, scores, logprobs, refLogprobs, mask: actionMask, klCoefficient });
    const kl = estimateKl({ batchSize, logprobs, refLogprobs, mask: actionMask });
    if (kl.naiveNegative) {
      warn(`iteration ${iteration + 1}: the naive KL estimate is negative (${kl.naive.toFixed(4)}); the logged kl uses the unbiased k3 estimator`);
    }
    const { advantages, returns } = computeAdvantages({
      batchSize,
      rewards: shaped.rewards,
      values,
      mask: actionMask,
      gamma: hyper.gamma,
      lambda: hyper.lambda,
    });
    const entropy = maskedMoments(policyOutput[1]!, actionMask).mean;
    const sum = (array: ArrayLike<number>) => {
      let total = 0;
      for (let index = 0; index < array.length; index++) total += array[index]!;
      return total;
    };
    const metrics: Record<string, number> = {
      reward: sum(rawScores) / batchSize,
      ...(goldScores ? { gold_reward: sum(goldScores) / batchSize } : {}),
      kl: kl.unbiased,
      non_score_reward: sum(shaped.nonScoreRewards) / batchSize,
      kl_naive: kl.naive,
      kl_coefficient: klCoefficient,
      entropy,
      response_length: sum(layout.responseLengths) / batchSize,
      eos_rate: endedWithEos.filter(Boolean).length / batchSize,
      logprob_mismatch: mismatch,
      generation_seconds: generationSeconds,
      scoring_seconds: (performance.now() - scoringStarted) / 1000,
    };
    return {
      layout,
      logprobs,
      advantages: hyper.whitenAdvantages ? whitenMasked(advantages, actionMask) : advantages,
      returns,
      values,
      metrics,
    };
  }

  async function update(rollout: Rollout): Promise<PpoMetrics> {
    const started = performance.now();
    const { layout } = rollout;
    const batchSize = layout.batch.batchSize;
    const actions = layout.batch.length - 1;
    const totals = new Map<string, { sum: number; count: number }>();
    const add = (name: string, value: number | undefined) => {
      if (value === undefined || !Number.isFinite(value)) return;
      const entry = totals.get(name) ?? { sum: 0, count: 0 };
      entry.sum += value;
      entry.count++;
      totals.set(name, entry);
    };
    for (let epoch = 0; epoch < hyper.epochs; epoch++) {
      const order = random.permutation(batchSize);
      for (let start = 0; start < batchSize; start += hyper.minibatchSize) {
        const minibatch = order.slice(start, start + hyper.minibatchSize);
        // Gradient accumulation: the minibatch's rows split into equal micro-batches, one optimizer step.
        const microbatchSize = hyper.minibatchSize / hyper.gradientAccumulation;
        const policyTasks: TrainingTask[] = [];
        const valueTasks: ValueTask[] = [];
        for (let first = 0; first < minibatch.length; first += microbatchSize) {
          const rows = minibatch.slice(first, first + microbatchSize);
          const batch = selectRows(layout.batch, rows);
          const actionMask = selectRowValues(layout.actionMask, actions, rows);
          const policyTask: PolicyTask = {
            kind: 'ppo-policy',
            batch,
            actionMask,
            oldLogprobs: selectRowValues(rollout.logprobs, actions, rows),
            advantages: selectRowValues(rollout.advantages, actions, rows),
            clipRange: hyper.clipRange,
            entropyCoefficient: hyper.entropyCoefficient,
          };
          if (ptx) {
            const count = Math.max(1, Math.round(hyper.ptxExamplesPerEpisode * rows.length));
            const drawn = draw(pretrainingCursor!, settings.pretrainingCorpus!.length, count);
            const lmTask: LanguageModelingTask = buildLanguageModelingTask(
              drawn.map((index) => settings.pretrainingCorpus![index]!),
              padTokenId,
              policy.config.contextLength,
            );
            // InstructGPT Eq. 2: policy objective + γ · pretraining log-likelihood, one backward pass.
            policyTasks.push({
              kind: 'weighted-sum',
              terms: [
                { name: 'policy', weight: 1, task: policyTask },
                { name: 'ptx', weight: hyper.ptxCoefficient, task: lmTask },
              ],
            });
          } else {
            policyTasks.push(policyTask);
          }
          valueTasks.push({
            kind: 'ppo-value',
            batch,
            actionMask,
            returns: selectRowValues(rollout.returns, actions, rows),
            oldValues: selectRowValues(rollout.values, actions, rows),
            clipRange: hyper.valueClipRange,
          });
        }
        const policyResult = await policy.doTrainStep({ microbatches: policyTasks });
        const valueResult = await valueModel.doTrainStep({ microbatches: valueTasks });
        const prefix = ptx ? 'policy' : undefined;
        add(ptx ? 'loss' : 'policy_loss', ptx ? policyResult.loss : (policyResult.metrics.policyLoss ?? policyResult.loss));
        if (ptx) {
          add('policy_loss', metricOf(policyResult.metrics, 'policyLoss', 'policy') ?? metricOf(policyResult.metrics, 'loss', 'policy'));
          add('ptx_loss', metricOf(policyResult.metrics, 'loss', 'ptx'));
        }
        add('clip_fraction', metricOf(policyResult.metrics, 'clipFraction', prefix));
        add('approx_kl', metricOf(policyResult.metrics, 'approxKl', prefix));
        add('policy_grad_norm', policyResult.gradNorm);
        add('learning_rate', policyResult.learningRate);
        add('value_loss', valueResult.loss);
        add('value_clip_fraction', metricOf(valueResult.metrics, 'clipFraction'));
      }
    }
    if (ema) ema = updateEma(ema, await policy.doGetParameters(), hyper.emaDecay);
    klController.update(rollout.metrics.kl!, batchSize);
    iteration++;
    const averaged: Record<string, number> = {};
    for (const [name, { sum, count }] of totals) averaged[name] = sum / count;
    const trainingSeconds = (performance.now() - started) / 1000;
    const metrics: Record<string, number> = {
      step: iteration,
      ...rollout.metrics,
      ...averaged,
      explained_variance: explainedVariance(rollout.values, rollout.returns, layout.actionMask),
      optimizer_step: policy.step,
      training_seconds: trainingSeconds,
    };
    emit({
      type: 'step-end',
      stage: 'ppo',
      step: iteration,
      totalSteps: hyper.iterations,
      loss: averaged.policy_loss ?? averaged.loss ?? Number.NaN,
      // Reward, gold reward and KL first: progress reporters show the leading metrics.
      metrics: Object.fromEntries(Object.entries(metrics).filter(([name]) => name !== 'step')),
      tokens: layout.batch.attentionMask.reduce((total, value) => total + value, 0),
      seconds: trainingSeconds + (rollout.metrics.generation_seconds ?? 0) + (rollout.metrics.scoring_seconds ?? 0),
    });
    return metrics as PpoMetrics;
  }
}

/**
 * Runs `forward` over row chunks of `batch` and concatenates each of its outputs, which
 * are row-major with `width` entries per row.
 */
async function forwardInChunks(
  batch: TokenBatch,
  chunk: number,
  width: number,
  forward: (rows: TokenBatch) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  if (chunk >= batch.batchSize) return forward(batch);
  const parts: Float32Array[][] = [];
  for (let first = 0; first < batch.batchSize; first += chunk) {
    const rows = Array.from({ length: Math.min(chunk, batch.batchSize - first) }, (_, index) => first + index);
    parts.push(await forward(selectRows(batch, rows)));
  }
  return parts[0]!.map((_, output) => {
    const joined = new Float32Array(batch.batchSize * width);
    let offset = 0;
    for (const part of parts) {
      joined.set(part[output]!, offset);
      offset += part[output]!.length;
    }
    return joined;
  });
}

/** Zeroes entries outside the mask, so engines' values at prompt/pad positions never leak in. */
function maskArray(values: Float32Array, mask: Uint8Array): Float32Array {
  const masked = new Float32Array(mask.length);
  for (let index = 0; index < mask.length; index++) if (mask[index]) masked[index] = values[index]!;
  return masked;
}

/** Finds a task metric, optionally under a weighted-sum term prefix (`policy.x`, `policy/x`, `policy_x`). */
function metricOf(metrics: Readonly<Record<string, number>>, name: string, prefix?: string): number | undefined {
  if (!prefix) return metrics[name];
  for (const separator of ['.', '/', '_', ':']) {
    const value = metrics[`${prefix}${separator}${name}`];
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * Saves a PPO checkpoint as `checkpoints/step-<iteration>` in core's run-directory layout
 * (written to a temporary sibling, then renamed; `latest` updated atomically), and
 * prunes old step checkpoints.
 */
async function saveCheckpoint(
  runDirectory: string,
  state: PpoState,
  totalSteps: number,
  policy: TrainableModelV1,
  valueModel: TrainableModelV1,
  ema: NamedTensors | undefined,
  keep: number,
): Promise<string> {
  const checkpoints = path.join(runDirectory, 'checkpoints');
  const name = `step-${state.iteration}`;
  const directory = path.join(checkpoints, name);
  const staging = path.join(checkpoints, `.${name}.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await saveTrainingCheckpoint(policy, path.join(staging, 'policy'));
  await saveTrainingCheckpoint(valueModel, path.join(staging, 'value'));
  if (ema) await writeSafetensors(path.join(staging, 'ema.safetensors'), ema, { format: 'pt' });
  await writeFile(path.join(staging, STATE_FILE), `${JSON.stringify(state)}\n`);
  const trainerState = { stage: 'ppo', step: state.iteration, totalSteps, best: null };
  await writeFile(path.join(staging, TRAINER_STATE_FILE), `${JSON.stringify(trainerState, null, 2)}\n`);
  await rm(directory, { recursive: true, force: true });
  await rename(staging, directory);
  await writeFileAtomic(path.join(checkpoints, 'latest'), `${name}\n`);
  const steps = (await readdir(checkpoints))
    .map((entry) => /^step-(\d+)$/.exec(entry))
    .filter((match): match is RegExpExecArray => match !== null)
    .sort((left, right) => Number(right[1]) - Number(left[1]));
  for (const match of steps.slice(Math.max(1, keep))) {
    if (match[0] !== name) await rm(path.join(checkpoints, match[0]), { recursive: true, force: true });
  }
  return directory;
}

async function loadCheckpoint(directory: string, policy: TrainableModelV1, valueModel: TrainableModelV1): Promise<PpoState> {
  const file = path.join(directory, STATE_FILE);
  let state: PpoState;
  try {
    state = JSON.parse(await readFile(file, 'utf8')) as PpoState;
  } catch (error) {
    throw new CheckpointError(file, 'is not a readable PPO state file', { cause: error });
  }
  if (state.version !== 1) throw new CheckpointError(file, `unknown version ${String(state.version)}`);
  await loadTrainingCheckpoint(policy, path.join(directory, 'policy'));
  await loadTrainingCheckpoint(valueModel, path.join(directory, 'value'));
  return state;
}

/**
 * Appends metric lines to `file`, after cutting it back to `resumedStep` so a resumed run
 * never logs an iteration twice (the convention of core's training loop).
 */
async function openMetricsFile(file: string, resumedStep: number): Promise<MetricsSinkV1> {
  await mkdir(path.dirname(file), { recursive: true });
  if (existsSync(file)) {
    const kept = (await readFile(file, 'utf8')).split('\n').filter((line) => {
      try {
        return line.trim() !== '' && (JSON.parse(line) as { step: number }).step <= resumedStep;
      } catch {
        return false;
      }
    });
    await writeFileAtomic(file, kept.length ? `${kept.join('\n')}\n` : '');
  }
  let pending: string[] = [];
  return {
    specificationVersion: 'v1',
    write(record) {
      pending.push(JSON.stringify(record));
    },
    async flush() {
      if (pending.length === 0) return;
      const lines = `${pending.join('\n')}\n`;
      pending = [];
      await appendFile(file, lines);
    },
  };
}
