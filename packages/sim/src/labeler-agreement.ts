import { InvalidArgumentError } from '@instructkit/core';
import { goldScore } from './gold-score';
import { sampleCandidates } from './sample-candidates';
import { SeededRandom } from './seeded-random';
import { sampleSimTask } from './sim-task';
import { createSimulatedLabelers, rankCompletions, type SimulatedLabelerSettings } from './simulated-labeler';

/** Settings of {@link measureLabelerAgreement}. */
export interface LabelerAgreementSettings extends SimulatedLabelerSettings {
  /** Ranked prompts (each ranked independently by two labelers). Default: 500. */
  readonly prompts?: number;
}

/** Agreement statistics of a labeler team. */
export interface LabelerAgreement {
  /** Fraction of pairwise comparisons on which two labelers agree (InstructGPT: 72.6 ± 1.5%). */
  readonly agreement: number;
  /** Fraction of comparisons on which a labeler agrees with the gold score (gold ties skipped). */
  readonly goldAgreement: number;
  /** Comparisons counted. */
  readonly comparisons: number;
}

function rankIndex(order: readonly (readonly number[])[], count: number): number[] {
  const ranks = new Array<number>(count).fill(0);
  order.forEach((group, rank) => group.forEach((index) => (ranks[index] = rank)));
  return ranks;
}

/**
 * Measures how often two different labelers order a pair of distinct completions the
 * same way, over seeded tasks with K = 4 … 9 synthetic completions each — the
 * inter-annotator agreement InstructGPT reports.
 *
 * @throws InvalidArgumentError when fewer than two labelers are asked for.
 */
export function measureLabelerAgreement(settings: LabelerAgreementSettings = {}): LabelerAgreement {
  const labelers = createSimulatedLabelers(settings);
  if (labelers.length < 2) throw new InvalidArgumentError('count', 'agreement needs at least two labelers');
  const random = new SeededRandom((settings.seed ?? 0) + 1);
  let agreements = 0;
  let comparisons = 0;
  let goldAgreements = 0;
  let goldComparisons = 0;
  for (let prompt = 0; prompt < (settings.prompts ?? 500); prompt++) {
    const task = sampleSimTask(random);
    const candidates = sampleCandidates(task, random.range(4, 9), random).map((candidate) => candidate.text);
    const [first, second] = random.sample(labelers, 2);
    const firstRanks = rankIndex(rankCompletions(first!, task, candidates, random), candidates.length);
    const secondRanks = rankIndex(rankCompletions(second!, task, candidates, random), candidates.length);
    const gold = candidates.map((text) => goldScore(task, text).score);
    for (let i = 0; i < candidates.length; i++) {
      for (let j = i + 1; j < candidates.length; j++) {
        if (candidates[i] === candidates[j]) continue;
        const firstPrefers = firstRanks[i]! < firstRanks[j]!;
        comparisons++;
        if (firstPrefers === secondRanks[i]! < secondRanks[j]!) agreements++;
        if (Math.abs(gold[i]! - gold[j]!) > 1e-9) {
          goldComparisons++;
          if (firstPrefers === gold[i]! > gold[j]!) goldAgreements++;
        }
      }
    }
  }
  return {
    agreement: agreements / Math.max(1, comparisons),
    goldAgreement: goldAgreements / Math.max(1, goldComparisons),
    comparisons,
  };
}
