import { InvalidArgumentError } from '@instructkit/core';
import type { RatingFlags } from '@instructkit/data';
import { withEnd } from './end-of-answer';
import { goldScore } from './gold-score';
import { SeededRandom } from './seeded-random';
import { familyOf, type SimTask } from './sim-task';

/**
 * Noise of a labeler's perceived quality (standard deviation, in gold-score units)
 * calibrated so two labelers agree on about 73% of pairwise comparisons, as
 * InstructGPT's training labelers did (72.6 ± 1.5%). See the README for the sweep.
 */
export const DEFAULT_LABELER_NOISE = 0.25;

/** A simulated labeler: who it is and how it errs. */
export interface SimulatedLabeler {
  /** Id written into records, e.g. `labeler-03`. */
  readonly id: string;
  /** Probability that a demonstration is partly wrong. */
  readonly demonstrationErrorRate: number;
  /** Standard deviation of the Gaussian noise on each perceived score. */
  readonly noise: number;
  /** Score added per word of the answer (positive: likes longer answers). */
  readonly lengthBias: number;
  /** Constant added to Likert ratings before rounding (a lenient or harsh rater), in Likert points. */
  readonly likertBias: number;
  /** Probability of missing a flag that applies (reporting it false). */
  readonly flagMissRate: number;
}

/** Settings of {@link createSimulatedLabelers}. */
export interface SimulatedLabelerSettings {
  /** Number of labelers. Default: 8. */
  readonly count?: number;
  /** Seed of the per-labeler biases. Default: 0. */
  readonly seed?: number;
  /** Perception noise (gold-score units). Default: {@link DEFAULT_LABELER_NOISE}. */
  readonly noise?: number;
  /** Mean probability that a demonstration is partly wrong. Default: 0.1. */
  readonly demonstrationErrorRate?: number;
  /** Standard deviation of the per-labeler length bias (score per word). Default: 0.01. */
  readonly lengthBiasSpread?: number;
  /** Standard deviation of the per-labeler Likert bias (points). Default: 0.4. */
  readonly likertBiasSpread?: number;
  /** Probability of missing an applicable flag. Default: 0.1. */
  readonly flagMissRate?: number;
}

/**
 * Creates a team of labelers with individual biases drawn from a seeded RNG.
 *
 * @throws InvalidArgumentError for a count below 1 or a rate outside [0, 1].
 */
export function createSimulatedLabelers(settings: SimulatedLabelerSettings = {}): SimulatedLabeler[] {
  const count = settings.count ?? 8;
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('count', `expected an integer ≥ 1, got ${count}`);
  const errorRate = settings.demonstrationErrorRate ?? 0.1;
  if (!(errorRate >= 0 && errorRate <= 1)) throw new InvalidArgumentError('demonstrationErrorRate', `expected a value in [0, 1], got ${errorRate}`);
  const missRate = settings.flagMissRate ?? 0.1;
  if (!(missRate >= 0 && missRate <= 1)) throw new InvalidArgumentError('flagMissRate', `expected a value in [0, 1], got ${missRate}`);
  const noise = settings.noise ?? DEFAULT_LABELER_NOISE;
  if (!(noise >= 0)) throw new InvalidArgumentError('noise', `expected a value ≥ 0, got ${noise}`);
  const random = new SeededRandom(settings.seed ?? 0);
  return Array.from({ length: count }, (_, index) => ({
    id: `labeler-${String(index + 1).padStart(2, '0')}`,
    // Spread individual error rates ±50% around the mean, as some labelers are more careful.
    demonstrationErrorRate: Math.min(1, errorRate * (0.5 + random.next())),
    noise,
    lengthBias: (settings.lengthBiasSpread ?? 0.01) * random.normal(),
    likertBias: (settings.likertBiasSpread ?? 0.4) * random.normal(),
    flagMissRate: missRate,
  }));
}

/** Demonstration a labeler writes for a task: the reference, or a partly wrong answer at its error rate. */
export function writeDemonstration(labeler: SimulatedLabeler, task: SimTask, random: SeededRandom): string {
  const family = familyOf(task);
  if (random.chance(labeler.demonstrationErrorRate)) return withEnd(family.corrupt(task.spec, 'partial', random));
  return withEnd(family.reference(task.spec));
}

/** How good a labeler perceives a completion to be: gold score + length bias + noise. */
export function perceiveQuality(labeler: SimulatedLabeler, task: SimTask, completion: string, random: SeededRandom): number {
  const words = completion.split(/\s+/).filter((word) => word !== '').length;
  return goldScore(task, completion).score + labeler.lengthBias * words + labeler.noise * random.normal();
}

/**
 * A labeler's ranking of K completions, best first, as groups of ties (the
 * `order` of `@instructkit/data`'s `Ranking`). Identical texts tie; all else is
 * ordered by perceived quality.
 */
export function rankCompletions(labeler: SimulatedLabeler, task: SimTask, completions: readonly string[], random: SeededRandom): number[][] {
  const perceived = new Map<string, number>();
  for (const text of completions) {
    if (!perceived.has(text)) perceived.set(text, perceiveQuality(labeler, task, text, random));
  }
  const groups = new Map<string, number[]>();
  completions.forEach((text, index) => groups.set(text, [...(groups.get(text) ?? []), index]));
  return [...groups.entries()].sort((a, b) => perceived.get(b[0])! - perceived.get(a[0])!).map(([, indices]) => indices);
}

/** A labeler's Likert rating and flags of one completion. */
export function rateCompletion(
  labeler: SimulatedLabeler,
  task: SimTask,
  completion: string,
  random: SeededRandom,
): { likert: number; flags: RatingFlags } {
  const gold = goldScore(task, completion);
  const perceived = gold.score + labeler.noise * random.normal();
  // InstructGPT's 1–7 scale, as likertOf maps gold scores, shifted by the rater's leniency.
  const likert = Math.min(7, Math.max(1, Math.round(1 + 6 * perceived + labeler.likertBias)));
  const flags = { ...gold.flags };
  for (const name of Object.keys(flags) as (keyof RatingFlags)[]) {
    if (name !== 'satisfiesConstraint' && flags[name] === true && random.chance(labeler.flagMissRate)) flags[name] = false;
  }
  return { likert, flags };
}
