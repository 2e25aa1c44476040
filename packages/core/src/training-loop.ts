import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointError, InvalidArgumentError } from './errors';
import { readSafetensors, writeSafetensors } from './safetensors';
import { checkpointDirectoryName, openRunDirectory, type RunDirectory } from './run-directory';
import { writeFileAtomic } from './write-file-atomic';
import type { TrainableModelV1, TrainStepRequest } from './trainable-model';
import type { MetricsRecord, MetricsSinkV1, Stage, TrainingEvent, TrainingListener } from './training-events';

/** Which direction of an evaluation metric is better, for keeping the best checkpoint. */
export interface BestCheckpointSelector {
  /** Name of a metric returned by `evaluate`, e.g. `validationLoss` or `validationReward`. */
  readonly metric: string;
  /** `minimize` for losses, `maximize` for rewards and accuracies. */
  readonly direction: 'minimize' | 'maximize';
}

/** Settings of {@link runTrainingLoop}. */
export interface TrainingLoopSettings {
  /** Stage name written into events and metrics (`pretrain`, `sft`, `reward`, …). */
  readonly stage: Stage;
  /** The model to train; only `doTrainStep` is called by the loop itself. */
  readonly model: TrainableModelV1;
  /** Optimizer steps of the whole run (not of this invocation). Must be ≥ 1. */
  readonly totalSteps: number;
  /**
   * The micro-batches of optimizer step `step` (0-based: 0 is the first step). Must depend
   * only on `step` (and fixed settings such as a seed), so a resumed run sees the same data.
   */
  readonly nextRequest: (step: number) => TrainStepRequest | Promise<TrainStepRequest>;
  /**
   * Directory of the run, in core's `RunDirectory` layout (see `openRunDirectory`). The loop
   * writes `metrics.jsonl`, `checkpoints/step-<N>/` (one per save, zero-padded),
   * `checkpoints/latest` and `checkpoints/best/` (when `best` is set). Created if missing.
   */
  readonly runDirectory: string;
  /** Save a checkpoint every this many steps; 0 saves only at the end and on interruption. Default: 0. */
  readonly checkpointEvery?: number;
  /** How many `step-<N>` checkpoints to keep (oldest deleted first); `best` is kept apart. Default: 2. */
  readonly keepCheckpoints?: number;
  /**
   * Writes everything needed to resume into an empty directory. Default:
   * {@link saveTrainingCheckpoint} (`model.safetensors` from `doGetParameters` + `doSaveTrainingState`).
   */
  readonly saveCheckpoint?: (directory: string) => Promise<void>;
  /** Restores what `saveCheckpoint` wrote. Default: {@link loadTrainingCheckpoint}. */
  readonly loadCheckpoint?: (directory: string) => Promise<void>;
  /**
   * Evaluation (validation loss, mean reward of samples, …) after optimizer step `step`;
   * returns named metrics. Not called when absent.
   */
  readonly evaluate?: (step: number) => Promise<Readonly<Record<string, number>>>;
  /** Evaluate every this many steps, and always after the last step. 0: only after the last. Default: 0. */
  readonly evaluateEvery?: number;
  /** Keep a copy of the checkpoint with the best value of this evaluation metric in `checkpoints/best`. */
  readonly best?: BestCheckpointSelector;
  /** Write a `metrics.jsonl` line and emit `step-end` every this many steps. Default: 1. */
  readonly logEvery?: number;
  /** Receives every training event. */
  readonly onEvent?: TrainingListener;
  /**
   * Where metric lines go. Default: appended to `<runDirectory>/metrics.jsonl`. On resume the
   * default file is first cut back to the resumed step, so no step appears twice.
   */
  readonly metricsSink?: MetricsSinkV1;
  /** Aborting saves a checkpoint after the step in flight and returns `reason: 'interrupted'`. */
  readonly signal?: AbortSignal;
  /** Continue from `checkpoints/latest` when present. Default: true. */
  readonly resume?: boolean;
}

/** Outcome of {@link runTrainingLoop}. */
export interface TrainingLoopResult {
  /** `completed` after `totalSteps`, `interrupted` when the signal aborted first. */
  readonly reason: 'completed' | 'interrupted';
  /** Optimizer steps done in total (the run's, not this invocation's). */
  readonly step: number;
  /** Step the run started from (0, or the resumed checkpoint's step). */
  readonly startStep: number;
  /** Directory of the last checkpoint saved. */
  readonly checkpoint: string;
  /** The best evaluation so far, when `best` was set and an evaluation ran. */
  readonly best?: { readonly step: number; readonly value: number; readonly checkpoint: string };
  /** Loss of the last optimizer step of this invocation (NaN when none ran). */
  readonly lastLoss: number;
  /** Metrics of the last evaluation, when one ran in this invocation. */
  readonly lastEvaluation?: Readonly<Record<string, number>>;
}

/** What the loop stores beside each checkpoint, in `trainer-state.json`. */
interface TrainerState {
  readonly stage: Stage;
  readonly step: number;
  readonly totalSteps: number;
  readonly best: { readonly step: number; readonly value: number } | null;
}

const TRAINER_STATE_FILE = 'trainer-state.json';

/**
 * The training loop every stage shares, engine-neutral: it asks `nextRequest(step)` for the
 * micro-batches of each optimizer step, calls `model.doTrainStep`, emits events, writes
 * metrics, evaluates, checkpoints atomically (write to a temporary directory, then rename), and
 * resumes from the newest checkpoint of the run directory. Because requests depend only on
 * the step and the engine restores its optimizer and RNG state, a resumed run reproduces an
 * uninterrupted one.
 *
 * @throws InvalidArgumentError for a non-positive `totalSteps` or negative intervals.
 * @throws CheckpointError when the run directory's checkpoint pointer is unreadable.
 * @example
 * ```ts
 * const result = await runTrainingLoop({
 *   stage: 'sft', model, totalSteps: 200, runDirectory: 'runs/sft',
 *   nextRequest: (step) => ({ microbatches: [batches[step % batches.length]] }),
 *   saveCheckpoint: (dir) => saveCheckpoint(model, dir),
 *   loadCheckpoint: (dir) => loadCheckpoint(model, dir),
 *   checkpointEvery: 50, signal: controller.signal,
 * });
 * ```
 */
export async function runTrainingLoop(settings: TrainingLoopSettings): Promise<TrainingLoopResult> {
  const { stage, model, totalSteps, runDirectory } = settings;
  const checkpointEvery = settings.checkpointEvery ?? 0;
  const evaluateEvery = settings.evaluateEvery ?? 0;
  const logEvery = settings.logEvery ?? 1;
  const keepCheckpoints = settings.keepCheckpoints ?? 2;
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new InvalidArgumentError('totalSteps', `must be an integer ≥ 1, got ${totalSteps}`);
  for (const [name, value] of [['checkpointEvery', checkpointEvery], ['evaluateEvery', evaluateEvery], ['keepCheckpoints', keepCheckpoints]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(name, `must be an integer ≥ 0, got ${value}`);
  }
  if (!Number.isInteger(logEvery) || logEvery < 1) throw new InvalidArgumentError('logEvery', `must be an integer ≥ 1, got ${logEvery}`);

  const run = await openRunDirectory(runDirectory);
  const { checkpointsDirectory } = run;
  const emit = (event: TrainingEvent) => settings.onEvent?.(event);

  let step = 0;
  let best: { step: number; value: number } | null = null;
  let lastCheckpoint = '';
  if (settings.resume ?? true) {
    const latest = await readLatest(run);
    if (latest) {
      await (settings.loadCheckpoint ?? ((directory) => loadTrainingCheckpoint(model, directory)))(latest.directory);
      step = latest.state.step;
      best = latest.state.best;
      lastCheckpoint = latest.directory;
      if (!settings.metricsSink) await truncateMetrics(run.metricsFile, step);
    }
  }
  const startStep = step;
  const sink = settings.metricsSink ?? run.createMetricsSink();
  const bestDirectory = run.bestDirectory;

  const saveAt = async (directoryName: string): Promise<string> => {
    const state: TrainerState = { stage, step, totalSteps, best };
    const directory = await saveAtomically(checkpointsDirectory, directoryName, async (temporary) => {
      await (settings.saveCheckpoint ?? ((directory) => saveTrainingCheckpoint(model, directory)))(temporary);
      await writeFile(path.join(temporary, TRAINER_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
    });
    emit({ type: 'checkpoint-saved', stage, step, path: directory });
    return directory;
  };
  const saveStep = async (): Promise<string> => {
    const directory = await saveAt(checkpointDirectoryName(step));
    await run.markLatest(step);
    await pruneCheckpoints(run, keepCheckpoints, step);
    lastCheckpoint = directory;
    return directory;
  };

  let lastLoss = Number.NaN;
  let lastEvaluation: Readonly<Record<string, number>> | undefined;
  const runEvaluation = async () => {
    if (!settings.evaluate) return;
    const metrics = await settings.evaluate(step);
    lastEvaluation = metrics;
    sink.write({ stage, step, time: new Date().toISOString(), ...metrics } as MetricsRecord);
    emit({ type: 'eval-end', stage, step, metrics });
    const selector = settings.best;
    if (selector) {
      const value = metrics[selector.metric];
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw new InvalidArgumentError('best.metric', `evaluation returned no number named "${selector.metric}" (got ${Object.keys(metrics).join(', ') || 'nothing'})`);
      }
      const better = best === null || (selector.direction === 'minimize' ? value < best.value : value > best.value);
      if (better) {
        best = { step, value };
        await saveAt('best');
      }
    }
  };

  emit({ type: 'run-start', stage, totalSteps, startStep });
  let reason: 'completed' | 'interrupted' = 'completed';
  try {
    while (step < totalSteps) {
      // Let timers and signal handlers run between steps: a step is one long synchronous
      // computation, and only microtasks would run otherwise, so Ctrl-C would wait for the end.
      await new Promise((resolve) => setImmediate(resolve));
      if (settings.signal?.aborted) {
        reason = 'interrupted';
        break;
      }
      const request = await settings.nextRequest(step);
      const started = performance.now();
      const result = await model.doTrainStep(request);
      const seconds = (performance.now() - started) / 1000;
      step += 1;
      lastLoss = result.loss;
      if (step % logEvery === 0 || step === totalSteps) {
        sink.write({
          stage,
          step,
          time: new Date().toISOString(),
          loss: result.loss,
          ...result.metrics,
          gradNorm: result.gradNorm,
          learningRate: result.learningRate,
          tokens: result.tokens,
          seconds,
        } as MetricsRecord);
        emit({ type: 'step-end', stage, step, totalSteps, loss: result.loss, metrics: result.metrics, tokens: result.tokens, seconds });
      }
      const evaluationDue = settings.evaluate && ((evaluateEvery > 0 && step % evaluateEvery === 0) || step === totalSteps);
      if (evaluationDue) await runEvaluation();
      if (checkpointEvery > 0 && step % checkpointEvery === 0 && step < totalSteps) {
        await sink.flush();
        await saveStep();
      }
    }
    await sink.flush();
    // Save unless the newest checkpoint already holds exactly this step.
    if (lastCheckpoint !== run.checkpointDirectory(step)) await saveStep();
    await sink.flush();
  } catch (error) {
    // Let metric lines already handed to the sink land before the error propagates.
    await sink.flush().catch(() => undefined);
    throw error;
  }
  emit({ type: 'run-end', stage, step, reason });
  const finalBest = best as { step: number; value: number } | null;
  return {
    reason,
    step,
    startStep,
    checkpoint: lastCheckpoint,
    ...(finalBest ? { best: { ...finalBest, checkpoint: bestDirectory } } : {}),
    lastLoss,
    ...(lastEvaluation ? { lastEvaluation } : {}),
  };
}

/** A checkpoint the loop can resume from, with the loop's own state. */
export interface ResumableCheckpoint {
  /** The checkpoint directory. */
  readonly directory: string;
  /** Step it was taken after, and the best evaluation up to then. */
  readonly state: { readonly step: number; readonly best: { readonly step: number; readonly value: number } | null };
}

/**
 * The checkpoint `checkpoints/latest` of a run directory names, as {@link runTrainingLoop}
 * resumes from it, or `undefined` when there is none.
 *
 * @throws CheckpointError when `latest` names a missing directory or one without a readable `trainer-state.json`.
 */
export async function findLatestCheckpoint(runDirectory: string): Promise<ResumableCheckpoint | undefined> {
  return readLatest(await openRunDirectory(runDirectory));
}

async function readLatest(run: RunDirectory): Promise<ResumableCheckpoint | undefined> {
  const entry = await run.latestCheckpoint();
  if (!entry) return undefined;
  const stateFile = path.join(entry.directory, TRAINER_STATE_FILE);
  let state: TrainerState;
  try {
    state = JSON.parse(await readFile(stateFile, 'utf8')) as TrainerState;
  } catch (error) {
    throw new CheckpointError(stateFile, `checkpoints/latest names "${entry.name}" but its trainer state cannot be read; delete checkpoints/latest to start over`, { cause: error });
  }
  if (state.step !== entry.step) throw new CheckpointError(stateFile, `step: ${JSON.stringify(state.step)} does not match the directory name ${entry.name}`);
  return { directory: entry.directory, state: { step: state.step, best: state.best ?? null } };
}

/** File name of the parameters inside a training checkpoint (the Hugging Face name). */
const PARAMETERS_FILE = 'model.safetensors';

/**
 * Engine-neutral training checkpoint: the parameters as `model.safetensors` (Hugging Face
 * naming, from `doGetParameters`) and the engine's optimizer/RNG state (`doSaveTrainingState`)
 * in the same directory.
 */
export async function saveTrainingCheckpoint(model: TrainableModelV1, directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeSafetensors(path.join(directory, PARAMETERS_FILE), await model.doGetParameters(), { format: 'pt' });
  await model.doSaveTrainingState(directory);
}

/**
 * Restores what {@link saveTrainingCheckpoint} wrote; the next `doTrainStep` continues the run.
 *
 * @throws CheckpointError when `model.safetensors` is missing or unreadable.
 */
export async function loadTrainingCheckpoint(model: TrainableModelV1, directory: string): Promise<void> {
  const file = path.join(directory, PARAMETERS_FILE);
  let tensors;
  try {
    ({ tensors } = await readSafetensors(file));
  } catch (error) {
    throw new CheckpointError(file, `cannot read the checkpoint's parameters: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  await model.doSetParameters(tensors);
  await model.doLoadTrainingState(directory);
}

/** Writes into a fresh temporary sibling, then renames it over `name`, so a crash never leaves half a checkpoint under the final name. */
async function saveAtomically(parent: string, name: string, write: (directory: string) => Promise<void>): Promise<string> {
  const finalDirectory = path.join(parent, name);
  const temporary = path.join(parent, `.${name}.partial-${process.pid}-${Date.now()}`);
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  try {
    await write(temporary);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  // rename() cannot replace a non-empty directory: move the old one aside first.
  const previous = path.join(parent, `.${name}.old-${process.pid}-${Date.now()}`);
  let movedAside = false;
  try {
    await rename(finalDirectory, previous);
    movedAside = true;
  } catch {
    // Nothing to replace.
  }
  await rename(temporary, finalDirectory);
  if (movedAside) await rm(previous, { recursive: true, force: true });
  return finalDirectory;
}

/** Deletes all but the newest `keep` step checkpoints (never the one just written). */
async function pruneCheckpoints(run: RunDirectory, keep: number, current: number): Promise<void> {
  if (keep === 0) return;
  const newestFirst = (await run.listCheckpoints()).reverse();
  for (const entry of newestFirst.slice(keep)) {
    if (entry.step !== current) await rm(entry.directory, { recursive: true, force: true });
  }
}

/** Drops metric lines past the resumed step, so the resumed run does not log a step twice. */
async function truncateMetrics(file: string, step: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  const kept = text.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    try {
      return (JSON.parse(line) as { step?: number }).step! <= step;
    } catch {
      return false;
    }
  });
  await writeFileAtomic(file, kept.length ? `${kept.join('\n')}\n` : '');
}
