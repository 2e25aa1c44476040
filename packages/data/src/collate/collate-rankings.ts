import type { RankingGroup, RankingTask } from '@instructkit/core';
import { InvalidArgumentError } from '@instructkit/core';
import { MAX_RANKED_COMPLETIONS, MIN_RANKED_COMPLETIONS } from '../records/ranking';
import { collateLanguageModeling } from './collate-language-modeling';

/** The tokenized completions of one prompt and their ranks (0 = best, equal = tie). */
export interface TokenizedRanking {
  /** Prompt + completion token ids, one sequence per completion. */
  readonly sequences: readonly (readonly number[])[];
  /** Rank of each sequence; ties share a rank. */
  readonly ranks: readonly number[];
  /** Optional margin for `-log σ(r_w − r_l − m)`. Default: absent (0). */
  readonly margin?: number;
}

/** Settings of {@link collateRankings}. */
export interface CollateRankingsOptions {
  /** Id written into padding positions. */
  readonly padTokenId: number;
  /** Longest row in tokens; longer sequences lose their end. Default: the longest sequence. */
  readonly maxLength?: number;
}

/**
 * Collates the rankings of several prompts into one reward-model batch (InstructGPT
 * Eq. 1: all C(K,2) comparisons of a prompt form one batch element): every completion
 * becomes one right-padded row, and each prompt one {@link RankingGroup} naming its rows.
 *
 * @returns `{ kind: 'ranking', batch, groups }`, core's `RankingTask`.
 * @throws InvalidArgumentError when a group has fewer than 2 or more than 9 rows, or ranks and sequences disagree.
 */
export function collateRankings(rankings: readonly TokenizedRanking[], options: CollateRankingsOptions): RankingTask {
  const sequences: (readonly number[])[] = [];
  const groups: RankingGroup[] = [];
  rankings.forEach((ranking, index) => {
    const count = ranking.sequences.length;
    if (count < MIN_RANKED_COMPLETIONS || count > MAX_RANKED_COMPLETIONS) {
      throw new InvalidArgumentError(`rankings[${index}].sequences`, `expected ${MIN_RANKED_COMPLETIONS}…${MAX_RANKED_COMPLETIONS} completions, got ${count}`);
    }
    if (ranking.ranks.length !== count) throw new InvalidArgumentError(`rankings[${index}].ranks`, `has ${ranking.ranks.length} ranks for ${count} sequences`);
    const rows = ranking.sequences.map((sequence) => sequences.push(sequence) - 1);
    groups.push({ rows, ranks: [...ranking.ranks], ...(ranking.margin === undefined ? {} : { margin: ranking.margin }) });
  });
  const { batch } = collateLanguageModeling(sequences, { padTokenId: options.padTokenId, ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }) });
  return { kind: 'ranking', batch, groups };
}
