import type { RankingGroup } from '@instructkit/core';

/** Loss and accuracy of scores under InstructGPT Eq. 1. */
export interface RankingLossResult {
  /** Mean over groups of −1/#pairs Σ log σ(r_w − r_l − m) (nats). */
  readonly loss: number;
  /** Fraction of untied pairs, over all groups, with r_w > r_l. */
  readonly accuracy: number;
  /** Untied pairs counted. */
  readonly pairs: number;
}

/** log σ(x) without overflow for large |x|. */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/**
 * InstructGPT Eq. 1 in float64 on given scores: the reference the engines' `RankingTask`
 * implementations are checked against, and the log loss of evaluation.
 *
 * @param scores - One score per row.
 * @param groups - Rows and ranks per prompt, as in core's `RankingTask`.
 */
export function rankingLoss(scores: ArrayLike<number>, groups: readonly RankingGroup[]): RankingLossResult {
  let lossSum = 0;
  let lossGroups = 0;
  let correct = 0;
  let pairs = 0;
  for (const group of groups) {
    let groupLoss = 0;
    let groupPairs = 0;
    const margin = group.margin ?? 0;
    for (let i = 0; i < group.rows.length; i++) {
      for (let j = 0; j < group.rows.length; j++) {
        if (!(group.ranks[i]! < group.ranks[j]!)) continue;
        const difference = scores[group.rows[i]!]! - scores[group.rows[j]!]!;
        groupLoss -= logSigmoid(difference - margin);
        groupPairs++;
        if (difference > 0) correct++;
      }
    }
    if (groupPairs === 0) continue;
    lossSum += groupLoss / groupPairs;
    lossGroups++;
    pairs += groupPairs;
  }
  return { loss: lossGroups ? lossSum / lossGroups : Number.NaN, accuracy: pairs ? correct / pairs : Number.NaN, pairs };
}
