import { InvalidArgumentError } from '@instructkit/core';
import type { PreferencePair } from '../records/preference-pair';
import { MAX_RANKED_COMPLETIONS, type Ranking } from '../records/ranking';

/**
 * Expands a ranking into its preference pairs: every (better, worse) pair of
 * completions in different groups — C(K,2) minus the tied pairs (InstructGPT §3.5).
 * Pairs whose two texts are identical are dropped (they teach nothing).
 *
 * @param ranking - The ranking.
 * @param promptText - The prompt's text, copied into each pair's `prompt`.
 * @returns Pairs, better completion first in the order of `ranking.order`.
 */
export function rankingToPairs(ranking: Ranking, promptText: string): PreferencePair[] {
  const pairs: PreferencePair[] = [];
  ranking.order.forEach((group, groupIndex) => {
    for (const better of group) {
      for (const worseGroup of ranking.order.slice(groupIndex + 1)) {
        for (const worse of worseGroup) {
          const chosen = ranking.completions[better]!.text;
          const rejected = ranking.completions[worse]!.text;
          if (chosen !== rejected) pairs.push({ prompt: promptText, chosen, rejected, promptId: ranking.promptId });
        }
      }
    }
  });
  return pairs;
}

/** Settings of {@link pairsToRankings}. */
export interface PairsToRankingsOptions {
  /** `labelerId` of the rebuilt rankings. Default: `merged`. */
  readonly labelerId?: string;
  /** `policy` of every completion (pairs do not carry it). Default: `unknown`. */
  readonly policy?: string;
}

/**
 * Groups preference pairs back into rankings, one per prompt (by `promptId`, else by
 * the prompt text). Completions are ordered by their longest chain of wins above
 * them (a layered topological sort), so completions never compared against each
 * other but placed alike come out tied: pairs expanded by {@link rankingToPairs}
 * give back the original groups. Margins are
 * dropped.
 *
 * @throws InvalidArgumentError when a prompt's preferences contain a cycle or more than 9 completions.
 */
export function pairsToRankings(pairs: readonly PreferencePair[], options: PairsToRankingsOptions = {}): { promptText: string; ranking: Ranking }[] {
  const byPrompt = new Map<string, { promptText: string; promptId: string; pairs: PreferencePair[] }>();
  for (const pair of pairs) {
    const key = pair.promptId ?? `text:${pair.prompt}`;
    let entry = byPrompt.get(key);
    if (!entry) {
      entry = { promptText: pair.prompt, promptId: pair.promptId ?? `prompt-${byPrompt.size}`, pairs: [] };
      byPrompt.set(key, entry);
    }
    entry.pairs.push(pair);
  }
  const results: { promptText: string; ranking: Ranking }[] = [];
  for (const { promptText, promptId, pairs: group } of byPrompt.values()) {
    const texts: string[] = [];
    const indexOf = new Map<string, number>();
    const node = (text: string) => {
      if (!indexOf.has(text)) {
        indexOf.set(text, texts.length);
        texts.push(text);
      }
      return indexOf.get(text)!;
    };
    const edges = group.map((pair) => [node(pair.chosen), node(pair.rejected)] as const);
    if (texts.length > MAX_RANKED_COMPLETIONS) {
      throw new InvalidArgumentError('pairs', `prompt ${promptId} has ${texts.length} distinct completions; a ranking holds at most ${MAX_RANKED_COMPLETIONS}`);
    }
    // Layer = length of the longest chain of "beaten by" edges above a completion.
    const beatenBy = texts.map(() => [] as number[]);
    const inDegree = texts.map(() => 0);
    for (const [winner, loser] of edges) {
      beatenBy[winner]!.push(loser);
      inDegree[loser]! += 1;
    }
    const layer = texts.map(() => 0);
    const queue = texts.map((_, index) => index).filter((index) => inDegree[index] === 0);
    let visited = 0;
    while (queue.length > 0) {
      const current = queue.shift()!;
      visited += 1;
      for (const loser of beatenBy[current]!) {
        layer[loser] = Math.max(layer[loser]!, layer[current]! + 1);
        inDegree[loser]! -= 1;
        if (inDegree[loser] === 0) queue.push(loser);
      }
    }
    if (visited < texts.length) throw new InvalidArgumentError('pairs', `the preferences of prompt ${promptId} contain a cycle`);
    const order: number[][] = [];
    layer.forEach((depth, index) => (order[depth] ??= []).push(index));
    results.push({
      promptText,
      ranking: {
        promptId,
        completions: texts.map((text) => ({ text, policy: options.policy ?? 'unknown' })),
        order: order.filter((groupIndices) => groupIndices !== undefined),
        labelerId: options.labelerId ?? 'merged',
      },
    });
  }
  return results;
}

