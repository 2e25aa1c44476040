import { describe, expect, it } from 'vitest';
import type { RewardModelV1 } from '@instructkit/core';
import { createFunctionJudge, createRewardJudge } from '../src/pairwise-judge';
import { computeWinRate } from '../src/win-rate';
import { wilsonInterval } from '../src/confidence-interval';

const lengthReward: RewardModelV1 = {
  specificationVersion: 'v1',
  modelId: 'length',
  async doScore({ completions }) {
    return completions.map((completion) => completion.length);
  },
};

describe('computeWinRate', () => {
  it('counts ties as half a win and reports the Wilson interval of the result', async () => {
    const items = [
      { prompt: 'p1', a: 'long answer', b: 'short', group: 'x' },
      { prompt: 'p2', a: 'tie', b: 'tie', group: 'x' },
      { prompt: 'p3', a: 'no', b: 'much longer', group: 'y' },
      { prompt: 'p4', a: 'longest of all', b: 'mid', group: 'y' },
    ];
    const result = await computeWinRate({ a: 'A', b: 'B', judge: createRewardJudge(lengthReward), items });
    expect(result).toMatchObject({ wins: 2, ties: 1, losses: 1, n: 4, judge: 'length', rate: 2.5 / 4 });
    expect(result.ciLow).toBeCloseTo(wilsonInterval(2.5, 4).ciLow, 12);
    expect(result.byGroup.x!.rate).toBe(0.75);
    expect(result.byGroup.y!.rate).toBe(0.5);
  });

  it('cancels a judge that always prefers the first completion when both orders are judged', async () => {
    const firstWins = createFunctionJudge('position-biased', () => 1);
    const items = Array.from({ length: 10 }, (_, i) => ({ prompt: `p${i}`, a: 'a', b: 'b' }));
    expect((await computeWinRate({ a: 'A', b: 'B', judge: firstWins, items })).rate).toBe(1);
    expect((await computeWinRate({ a: 'A', b: 'B', judge: firstWins, items, bothOrders: true })).rate).toBe(0.5);
  });
});

describe('computeWinRate with clustered comparisons', () => {
  it('bootstraps over clusters: the same rate, a wider interval than Wilson when samples of one prompt agree', async () => {
    // 40 prompts × 4 samples; A wins every sample of prompts 0–23 and loses every sample of the rest.
    const items = Array.from({ length: 160 }, (_, index) => ({ prompt: `p${Math.floor(index / 4)}`, a: Math.floor(index / 4) < 24 ? 'good' : 'bad', b: 'x', cluster: `p${Math.floor(index / 4)}` }));
    const judge = createFunctionJudge('fn', (comparison) => (comparison.a === 'good' ? 1 : 0));
    const wilson = await computeWinRate({ a: 'A', b: 'B', judge, items });
    const clustered = await computeWinRate({ a: 'A', b: 'B', judge, items, interval: 'cluster-bootstrap' });
    expect(clustered.rate).toBeCloseTo(0.6, 12);
    expect(wilson.rate).toBeCloseTo(0.6, 12);
    expect(clustered.n).toBe(160);
    // Independent reference: 40 Bernoulli(0.6) clusters, normal approximation of the bootstrap's spread.
    const se = Math.sqrt((0.6 * 0.4) / 40);
    expect(clustered.ciLow).toBeGreaterThan(0.6 - 1.96 * se - 0.05);
    expect(clustered.ciLow).toBeLessThan(0.6 - 1.96 * se + 0.05);
    expect(clustered.ciHigh - clustered.ciLow).toBeGreaterThan(1.5 * (wilson.ciHigh - wilson.ciLow));
  });
});
