import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointError, writeFileAtomic } from '@instructkit/core';
import { loadCausalLM, loadScalarModel, saveModel, type LoadModelSettings } from './model-io';
import type { TfjsCausalLM } from './tfjs-causal-lm';
import type { TfjsScalarModel } from './tfjs-scalar-model';
import { TRAINING_STATE_FILE } from './tfjs-transformer';

/** Marker file naming the model kind of a checkpoint directory. */
export const CHECKPOINT_FILE = 'checkpoint.json';

interface CheckpointJson {
  readonly format: 'instructkit-tfjs-checkpoint';
  readonly version: 1;
  readonly kind: 'causal-lm' | 'scalar';
  readonly step: number;
}

async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directory fsync is unsupported on some platforms; the rename is still atomic.
  }
}

/**
 * Saves a model together with its training state (AdamW moments, step, schedule
 * settings, dropout RNG state) as one directory, atomically: everything is written
 * (each file fsynced) into a temporary sibling which is then renamed over `directory`,
 * so a crash leaves either the old checkpoint or the new one. The model part is a
 * Hugging Face layout directory that `loadCausalLM` / `loadScalarModel` also read.
 * @example
 * await saveCheckpoint(policy, 'runs/sft/checkpoints/step-200');
 */
export async function saveCheckpoint(model: TfjsCausalLM | TfjsScalarModel, directory: string): Promise<void> {
  const parent = path.dirname(path.resolve(directory));
  await mkdir(parent, { recursive: true });
  const unique = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const temporary = path.join(parent, `.${path.basename(directory)}.partial-${unique}`);
  try {
    await saveModel(model, temporary);
    // A model never configured for training has no optimizer state; the checkpoint then holds weights only.
    const trainingConfigured = model.isTrainingConfigured;
    if (trainingConfigured) await model.doSaveTrainingState(temporary);
    const marker: CheckpointJson = { format: 'instructkit-tfjs-checkpoint', version: 1, kind: model.kind, step: model.step };
    await writeFileAtomic(path.join(temporary, CHECKPOINT_FILE), `${JSON.stringify({ ...marker, training: trainingConfigured }, null, 2)}\n`);
    await syncDirectory(temporary);
    const previous = path.join(parent, `.${path.basename(directory)}.old-${unique}`);
    const existed = await stat(directory).then(() => true, () => false);
    if (existed) await rename(directory, previous);
    await rename(temporary, directory);
    await syncDirectory(parent);
    if (existed) await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error instanceof CheckpointError ? error : new CheckpointError(directory, `could not be saved (${(error as Error).message})`, { cause: error });
  }
}

/**
 * Loads what {@link saveCheckpoint} wrote: the model (of the saved kind) with its
 * optimizer moments, step and RNG state restored, so the next `doTrainStep` continues
 * the run bit for bit (same backend).
 * @throws {CheckpointError} a missing or corrupt checkpoint.
 * @example
 * const model = await loadCheckpoint('runs/sft/checkpoints/step-200');
 */
export async function loadCheckpoint(directory: string, settings: LoadModelSettings = {}): Promise<TfjsCausalLM | TfjsScalarModel> {
  const markerFile = path.join(directory, CHECKPOINT_FILE);
  let marker: CheckpointJson & { training?: boolean };
  try {
    marker = JSON.parse(await readFile(markerFile, 'utf8')) as CheckpointJson;
  } catch (error) {
    throw new CheckpointError(markerFile, `cannot be read (${(error as Error).message}); is this a checkpoint written by saveCheckpoint?`, { cause: error });
  }
  if (marker.format !== 'instructkit-tfjs-checkpoint' || (marker.kind !== 'causal-lm' && marker.kind !== 'scalar')) {
    throw new CheckpointError(markerFile, `format/kind: not an InstructKit tfjs checkpoint (kind ${JSON.stringify(marker.kind)})`);
  }
  const model = marker.kind === 'causal-lm' ? await loadCausalLM(directory, settings) : await loadScalarModel(directory, { ...settings, initFrom: 'scalar' });
  const hasTrainingState = await stat(path.join(directory, TRAINING_STATE_FILE)).then(() => true, () => false);
  if (hasTrainingState) {
    try {
      await model.doLoadTrainingState(directory);
    } catch (error) {
      model.dispose();
      throw error;
    }
  }
  return model;
}
