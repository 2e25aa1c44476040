import { InvalidRecordError } from '@instructkit/core';
import { ranksOf, type PreferencePair, type Ranking } from '@instructkit/data';

/**
 * One prompt's ranked completions, as text: what the reward model trains and is evaluated on.
 * A preference pair is the K = 2 case.
 */
export interface RankingExample {
  /** Prompt text, already rendered with the chat template if one is used. */
  readonly prompt: string;
  /** The K completions (2 ≤ K ≤ 9), without the prompt. */
  readonly completions: readonly string[];
  /** Rank of each completion, 0 = best; equal ranks are ties, whose pairs are dropped. */
  readonly ranks: readonly number[];
  /** Who ranked them; evaluation can split by it. Default: absent. */
  readonly labelerId?: string;
  /** Margin m of `-log σ(r_w − r_l − m)` for every pair of this prompt. Default: 0. */
  readonly margin?: number;
}

/**
 * Joins `Ranking` records (which refer to prompts by id) with their prompt texts.
 *
 * @param rankings - Ranking records, e.g. from `readRecords(file, Ranking)`.
 * @param promptTexts - Prompt text by prompt id (rendered as the model should see it).
 * @param file - Name used in errors. Default: `rankings`.
 * @throws InvalidRecordError naming the record (1-based position) and `promptId` when a prompt is unknown.
 */
export function rankingExamplesFromRecords(
  rankings: readonly Ranking[],
  promptTexts: ReadonlyMap<string, string>,
  file = 'rankings',
): RankingExample[] {
  return rankings.map((ranking, index) => {
    const prompt = promptTexts.get(ranking.promptId);
    if (prompt === undefined) throw new InvalidRecordError(file, index + 1, 'promptId', `unknown prompt id "${ranking.promptId}"`);
    return {
      prompt,
      completions: ranking.completions.map((completion) => completion.text),
      ranks: ranksOf(ranking),
      labelerId: ranking.labelerId,
    };
  });
}

/**
 * Preference pairs (TRL's `{prompt, chosen, rejected, margin?}`) as K = 2 rankings.
 */
export function rankingExamplesFromPairs(pairs: readonly PreferencePair[]): RankingExample[] {
  return pairs.map((pair) => ({
    prompt: pair.prompt,
    completions: [pair.chosen, pair.rejected],
    ranks: [0, 1],
    ...(pair.margin !== undefined ? { margin: pair.margin } : {}),
  }));
}

/** Number of untied pairs of a ranking: the C(K,2) comparisons minus ties. */
export function countRankedPairs(ranks: readonly number[]): number {
  let pairs = 0;
  for (let i = 0; i < ranks.length; i++) for (let j = i + 1; j < ranks.length; j++) if (ranks[i] !== ranks[j]) pairs++;
  return pairs;
}
