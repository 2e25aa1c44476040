import { InvalidArgumentError, type RewardModelV1 } from '@instructkit/core';
import type { RankingExample } from './ranking-example';
import { logSigmoid } from './ranking-loss';

/** Pairwise agreement of a reward model with held-out rankings. */
export interface PairwiseMetrics {
  /** Fraction of untied pairs where the preferred completion scores higher (equal scores count ½). */
  readonly accuracy: number;
  /** Mean over pairs of −log σ(r_w − r_l) (nats; 0.693 is chance). */
  readonly logLoss: number;
  /** Untied pairs evaluated. */
  readonly pairs: number;
}

/** One bin of the calibration table. */
export interface CalibrationBin {
  /** Lower edge of predicted probability (inclusive). */
  readonly lower: number;
  /** Upper edge (exclusive, except the last bin). */
  readonly upper: number;
  /** Pairs whose prediction fell in the bin. */
  readonly count: number;
  /** Mean predicted probability σ(r_a − r_b) that the first completion of the pair wins. */
  readonly meanPredicted: number;
  /** Fraction of those pairs where it did win (NaN for an empty bin). */
  readonly observed: number;
}

/** Result of {@link evaluateRankings}. */
export interface RankingEvaluation extends PairwiseMetrics {
  /** Prompts evaluated. */
  readonly prompts: number;
  /** Metrics per labeler id (rankings without one are under `unknown`). */
  readonly byLabeler: Readonly<Record<string, PairwiseMetrics>>;
  /** Metrics over rankings by the held-out labelers, when `heldOutLabelers` was given. */
  readonly heldOutLabelers?: PairwiseMetrics;
  /** Metrics over the other labelers, when `heldOutLabelers` was given. */
  readonly trainingLabelers?: PairwiseMetrics;
  /** Predicted vs observed win rates in equal-width bins of σ(r_a − r_b), a before b in the ranking's order. */
  readonly calibration: readonly CalibrationBin[];
}

/** Settings of {@link evaluateRankings}. */
export interface EvaluateRankingsSettings {
  /** The reward model to evaluate (any `RewardModelV1`: local, remote, gold). */
  readonly rewardModel: RewardModelV1;
  /** Held-out rankings. */
  readonly rankings: readonly RankingExample[];
  /** Labeler ids that contributed no training data; their agreement is reported apart (InstructGPT §4.1). */
  readonly heldOutLabelers?: readonly string[];
  /** Bins of the calibration table. Default: 10. */
  readonly calibrationBins?: number;
  /** Aborts the scoring. */
  readonly signal?: AbortSignal;
}

interface PairOutcome {
  readonly labelerId: string;
  /** r_w − r_l. */
  readonly difference: number;
}

function summarize(outcomes: readonly PairOutcome[]): PairwiseMetrics {
  if (outcomes.length === 0) return { accuracy: Number.NaN, logLoss: Number.NaN, pairs: 0 };
  let correct = 0;
  let loss = 0;
  for (const { difference } of outcomes) {
    correct += difference > 0 ? 1 : difference === 0 ? 0.5 : 0;
    loss -= logSigmoid(difference);
  }
  return { accuracy: correct / outcomes.length, logLoss: loss / outcomes.length, pairs: outcomes.length };
}

/**
 * Scores every completion of every held-out ranking once and reports pairwise accuracy, log loss,
 * a per-labeler split and a calibration table. The simulated (or real) labelers' agreement with
 * one another is the ceiling of the accuracy (about 73% in InstructGPT).
 *
 * @throws InvalidArgumentError for no rankings or fewer than one calibration bin.
 */
export async function evaluateRankings(settings: EvaluateRankingsSettings): Promise<RankingEvaluation> {
  const { rankings } = settings;
  if (rankings.length === 0) throw new InvalidArgumentError('rankings', 'expected at least one ranking');
  const binCount = settings.calibrationBins ?? 10;
  if (!Number.isInteger(binCount) || binCount < 1) throw new InvalidArgumentError('calibrationBins', `must be an integer ≥ 1, got ${binCount}`);
  const prompts: string[] = [];
  const completions: string[] = [];
  for (const ranking of rankings) {
    for (const completion of ranking.completions) {
      prompts.push(ranking.prompt);
      completions.push(completion);
    }
  }
  const scores = await settings.rewardModel.doScore({ prompts, completions, ...(settings.signal ? { signal: settings.signal } : {}) });

  const outcomes: PairOutcome[] = [];
  const sums = Array.from({ length: binCount }, () => ({ count: 0, predicted: 0, won: 0 }));
  let offset = 0;
  for (const ranking of rankings) {
    const labelerId = ranking.labelerId ?? 'unknown';
    const k = ranking.completions.length;
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        const rankA = ranking.ranks[a]!;
        const rankB = ranking.ranks[b]!;
        if (rankA === rankB) continue;
        const scoreA = scores[offset + a]!;
        const scoreB = scores[offset + b]!;
        outcomes.push({ labelerId, difference: rankA < rankB ? scoreA - scoreB : scoreB - scoreA });
        const predicted = Math.exp(logSigmoid(scoreA - scoreB));
        const bin = sums[Math.min(binCount - 1, Math.floor(predicted * binCount))]!;
        bin.count++;
        bin.predicted += predicted;
        bin.won += rankA < rankB ? 1 : 0;
      }
    }
    offset += k;
  }

  const labelers = [...new Set(outcomes.map((outcome) => outcome.labelerId))].sort();
  const byLabeler = Object.fromEntries(labelers.map((id) => [id, summarize(outcomes.filter((outcome) => outcome.labelerId === id))]));
  const heldOut = settings.heldOutLabelers ? new Set(settings.heldOutLabelers) : undefined;
  return {
    ...summarize(outcomes),
    prompts: rankings.length,
    byLabeler,
    ...(heldOut
      ? {
          heldOutLabelers: summarize(outcomes.filter((outcome) => heldOut.has(outcome.labelerId))),
          trainingLabelers: summarize(outcomes.filter((outcome) => !heldOut.has(outcome.labelerId))),
        }
      : {}),
    calibration: sums.map((bin, index) => ({
      lower: index / binCount,
      upper: (index + 1) / binCount,
      count: bin.count,
      meanPredicted: bin.count ? bin.predicted / bin.count : Number.NaN,
      observed: bin.count ? bin.won / bin.count : Number.NaN,
    })),
  };
}
