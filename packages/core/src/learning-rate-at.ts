import { InvalidArgumentError } from './errors';
import type { LearningRateSchedule } from './trainable-model';

/**
 * The learning rate of one optimizer step under a schedule, with the Hugging Face
 * `get_*_schedule_with_warmup` conventions:
 * - warmup: `peak · step / warmupSteps` for `step < warmupSteps` (so step 0 uses 0);
 * - then `constant` stays at `peak`; `linear` and `cosine` decay from `peak` at
 *   `warmupSteps` to `finalRatio · peak` at `totalSteps` (and stay there after):
 *   linear `floor + (peak − floor)(1 − progress)`, cosine
 *   `floor + (peak − floor)·½(1 + cos(π·progress))`, with
 *   `progress = (step − warmupSteps) / (totalSteps − warmupSteps)`.
 *
 * @param schedule - The schedule (`warmupSteps` default 0, `finalRatio` default 0).
 * @param step - Optimizer steps completed before this one (0 for the first step).
 * @param peakLearningRate - `AdamWSettings.learningRate`.
 * @throws {InvalidArgumentError} negative step, `warmupSteps > totalSteps`, `finalRatio` outside [0, 1].
 * @example
 * learningRateAt({ kind: 'cosine', warmupSteps: 10, totalSteps: 110, finalRatio: 0.1 }, 60, 1e-4); // 5.5e-5
 */
export function learningRateAt(schedule: LearningRateSchedule, step: number, peakLearningRate: number): number {
  if (!Number.isInteger(step) || step < 0) throw new InvalidArgumentError('step', `must be a non-negative integer, got ${step}`);
  const warmupSteps = schedule.warmupSteps ?? 0;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new InvalidArgumentError('schedule.warmupSteps', `must be a non-negative integer, got ${warmupSteps}`);
  }
  if (step < warmupSteps) return (peakLearningRate * step) / warmupSteps;
  if (schedule.kind === 'constant') return peakLearningRate;
  const { totalSteps } = schedule;
  const finalRatio = schedule.finalRatio ?? 0;
  if (!Number.isInteger(totalSteps) || totalSteps < warmupSteps) {
    throw new InvalidArgumentError('schedule.totalSteps', `must be an integer >= warmupSteps (${warmupSteps}), got ${totalSteps}`);
  }
  if (!(finalRatio >= 0 && finalRatio <= 1)) throw new InvalidArgumentError('schedule.finalRatio', `must be in [0, 1], got ${finalRatio}`);
  const floor = finalRatio * peakLearningRate;
  const decaySteps = totalSteps - warmupSteps;
  const progress = decaySteps === 0 ? 1 : Math.min(1, (step - warmupSteps) / decaySteps);
  const shape = schedule.kind === 'linear' ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
  return floor + (peakLearningRate - floor) * shape;
}
