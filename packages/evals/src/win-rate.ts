import { InvalidArgumentError } from '@instructkit/core';
import { wilsonInterval, type Proportion } from './confidence-interval';
import type { PairwiseJudgeV1 } from './pairwise-judge';

/** One held-out prompt with both models' completions. */
export interface WinRateItem {
  /** The prompt. */
  readonly prompt: string;
  /** Model A's completion. */
  readonly a: string;
  /** Model B's completion. */
  readonly b: string;
  /** Optional group for a breakdown (the task family, a user cohort). */
  readonly group?: string;
}

/** Win rate of A against B. Ties count as half a win. */
export interface WinRate extends Proportion {
  /** Name of model A. */
  readonly a: string;
  /** Name of model B. */
  readonly b: string;
  /** The judge's id. */
  readonly judge: string;
  /** Comparisons A won (verdict above one half). */
  readonly wins: number;
  /** Ties. */
  readonly ties: number;
  /** Comparisons A lost (verdict below one half). */
  readonly losses: number;
  /** The same statistics per group, when items have groups. */
  readonly byGroup: Readonly<Record<string, Proportion>>;
}

/**
 * The paper's headline number: how often model A's completion is preferred to model
 * B's on the same prompts, with a 95% Wilson interval, ties counted as half.
 * To cancel position bias in judges that have one, each comparison is judged in
 * both orders when `bothOrders` is set, and the two verdicts are averaged.
 *
 * @example
 * const result = await computeWinRate({ a: 'ppo', b: 'sft', judge, items });
 * console.log(`${result.rate} [${result.ciLow}, ${result.ciHigh}]`);
 */
export async function computeWinRate(options: {
  /** Name of model A. */
  a: string;
  /** Name of model B. */
  b: string;
  /** Decides each comparison. */
  judge: PairwiseJudgeV1;
  /** Prompts with both completions. */
  items: readonly WinRateItem[];
  /** Judge both orders and average (for position-biased judges). Default: false. */
  bothOrders?: boolean;
}): Promise<WinRate> {
  const { items, judge } = options;
  if (items.length === 0) throw new InvalidArgumentError('items', 'needs at least one comparison');
  let verdicts: number[] = await judge.doJudge(items.map(({ prompt, a, b }) => ({ prompt, a, b })));
  if (options.bothOrders) {
    const swapped = await judge.doJudge(items.map(({ prompt, a, b }) => ({ prompt, a: b, b: a })));
    verdicts = verdicts.map((verdict, i) => (verdict + (1 - swapped[i]!)) / 2);
  }
  if (verdicts.length !== items.length) {
    throw new InvalidArgumentError('judge', `returned ${verdicts.length} verdicts for ${items.length} comparisons`);
  }
  let wins = 0;
  let ties = 0;
  const groups = new Map<string, { score: number; n: number }>();
  verdicts.forEach((verdict, i) => {
    if (verdict > 0.5) wins++;
    else if (verdict === 0.5) ties++;
    const group = items[i]!.group;
    if (group !== undefined) {
      const entry = groups.get(group) ?? { score: 0, n: 0 };
      entry.score += verdict;
      entry.n++;
      groups.set(group, entry);
    }
  });
  const score = verdicts.reduce<number>((sum, verdict) => sum + verdict, 0);
  const byGroup: Record<string, Proportion> = {};
  for (const [group, { score: groupScore, n }] of [...groups].sort(([x], [y]) => x.localeCompare(y))) {
    byGroup[group] = wilsonInterval(groupScore, n);
  }
  return {
    a: options.a,
    b: options.b,
    judge: judge.judgeId,
    ...wilsonInterval(score, items.length),
    wins,
    ties,
    losses: items.length - wins - ties,
    byGroup,
  };
}
