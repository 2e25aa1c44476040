import { InvalidArgumentError, type RankingGroup, type RankingTask } from '@instructkit/core';
import { padRows, type PaddingSide } from './pad-rows';
import { countRankedPairs } from './ranking-example';

/** One prompt's completions as token rows, for {@link buildRankingTask}. */
export interface TokenizedRanking {
  /** prompt + completion (+ EOS) ids of each of the K completions. */
  readonly rows: readonly ArrayLike<number>[];
  /** Rank of each row, 0 = best; ties share a rank. */
  readonly ranks: readonly number[];
  /** Margin of every pair of this prompt. Default: 0. */
  readonly margin?: number;
}

/** Settings of {@link buildRankingTask}. */
export interface BuildRankingTaskSettings {
  /** The prompts of this batch, K from 2 to 9 each (mixed K is fine). */
  readonly rankings: readonly TokenizedRanking[];
  /** Id at padded positions. */
  readonly padTokenId: number;
  /** Padding side. Default: `right` (the engine reads each row at its own last real token either way). */
  readonly paddingSide?: PaddingSide;
}

/**
 * Core's `RankingTask` for a batch of prompts — InstructGPT Eq. 1: every completion is one
 * row, forwarded once; each prompt's C(K,2) pairs form one batch element of the loss. Prompts
 * whose completions are all tied have no pair and are left out (they would contribute 0/0).
 *
 * @throws InvalidArgumentError when `rows` and `ranks` differ in length, K < 2, or no prompt has a pair.
 */
export function buildRankingTask(settings: BuildRankingTaskSettings): RankingTask {
  const rows: ArrayLike<number>[] = [];
  const groups: RankingGroup[] = [];
  settings.rankings.forEach((ranking, index) => {
    if (ranking.rows.length !== ranking.ranks.length) {
      throw new InvalidArgumentError(`rankings[${index}].ranks`, `has ${ranking.ranks.length} entries for ${ranking.rows.length} rows`);
    }
    if (ranking.rows.length < 2) throw new InvalidArgumentError(`rankings[${index}].rows`, `needs at least 2 completions, got ${ranking.rows.length}`);
    if (countRankedPairs(ranking.ranks) === 0) return;
    const first = rows.length;
    rows.push(...ranking.rows);
    groups.push({
      rows: ranking.rows.map((_, offset) => first + offset),
      ranks: [...ranking.ranks],
      ...(ranking.margin ? { margin: ranking.margin } : {}),
    });
  });
  if (groups.length === 0) throw new InvalidArgumentError('rankings', 'no prompt has an untied pair of completions');
  return { kind: 'ranking', batch: padRows(rows, settings.padTokenId, settings.paddingSide ?? 'right'), groups };
}
