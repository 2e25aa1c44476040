import { InvalidArgumentError } from '@instructkit/core';
import { createRng } from '@instructkit/core';
import { bootstrapMeanInterval, wilsonInterval, type Proportion } from './confidence-interval';
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
  /**
   * Optional cluster of correlated comparisons — several sampled answers to one prompt. With
   * `interval: 'cluster-bootstrap'` the interval resamples clusters, not comparisons.
   */
  readonly cluster?: string;
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
  /**
   * `wilson` (comparisons independent) or `cluster-bootstrap`: a percentile bootstrap over the
   * items' clusters (each cluster's mean verdict), for several samples per prompt, whose
   * comparisons are not independent. Default: `wilson`.
   */
  interval?: 'wilson' | 'cluster-bootstrap';
  /** Uniform [0, 1) source of the bootstrap. Default: a fixed seed. */
  random?: () => number;
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
  const clustered = options.interval === 'cluster-bootstrap';
  const random = options.random ?? createRng(0x5eed).next;
  const interval = (indices: readonly number[]): Proportion => {
    if (!clustered) return wilsonInterval(indices.reduce((sum, index) => sum + verdicts[index]!, 0), indices.length);
    const clusters = new Map<string, { sum: number; n: number }>();
    for (const index of indices) {
      const key = items[index]!.cluster ?? `#${index}`;
      const entry = clusters.get(key) ?? { sum: 0, n: 0 };
      entry.sum += verdicts[index]!;
      entry.n++;
      clusters.set(key, entry);
    }
    const rate = indices.reduce((sum, index) => sum + verdicts[index]!, 0) / indices.length;
    const { ciLow, ciHigh } = bootstrapMeanInterval([...clusters.values()].map((cluster) => cluster.sum / cluster.n), { random });
    return { rate, ciLow, ciHigh, n: indices.length };
  };
  const byGroup: Record<string, Proportion> = {};
  for (const [group, { score: groupScore, n }] of [...groups].sort(([x], [y]) => x.localeCompare(y))) {
    byGroup[group] = clustered ? interval(items.flatMap((item, index) => (item.group === group ? [index] : []))) : wilsonInterval(groupScore, n);
  }
  return {
    a: options.a,
    b: options.b,
    judge: judge.judgeId,
    ...(clustered ? interval(items.map((_, index) => index)) : wilsonInterval(score, items.length)),
    wins,
    ties,
    losses: items.length - wins - ties,
    byGroup,
  };
}
