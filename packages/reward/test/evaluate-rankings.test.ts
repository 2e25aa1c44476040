import { describe, expect, it } from 'vitest';
import type { RewardModelV1 } from '@instructkit/core';
import { evaluateRankings, rankingExamplesFromPairs, rankingExamplesFromRecords } from '../src/index';

/** Scores a completion by a lookup table; counts calls. */
function tableRewardModel(table: Record<string, number>): RewardModelV1 & { calls: number } {
  return {
    specificationVersion: 'v1',
    modelId: 'table',
    calls: 0,
    async doScore({ completions }) {
      this.calls++;
      return completions.map((completion) => table[completion]!);
    },
  };
}

describe('evaluateRankings', () => {
  const table = { a: 2, b: 1, c: 0, d: 5, e: 5, f: -3 };
  const rankings = [
    { prompt: 'p1', completions: ['a', 'b', 'c'], ranks: [0, 1, 2], labelerId: 'alice' }, // 3 of 3 right
    { prompt: 'p2', completions: ['c', 'a'], ranks: [0, 1], labelerId: 'bob' }, // wrong
    { prompt: 'p3', completions: ['d', 'e', 'f'], ranks: [1, 0, 0], labelerId: 'bob' }, // d<e tie score (½), e>f right, d~f: f ranked above d: wrong
  ];

  it('counts pairwise accuracy (equal scores ½), log loss and the split by held-out labelers', async () => {
    const rewardModel = tableRewardModel(table);
    const result = await evaluateRankings({ rewardModel, rankings, heldOutLabelers: ['bob'] });
    expect(rewardModel.calls).toBe(1);
    expect(result.pairs).toBe(3 + 1 + 2);
    expect(result.accuracy).toBeCloseTo((3 + 0 + 0.5 + 0) / 6, 12);
    const nll = (x: number) => Math.log(1 + Math.exp(-x));
    const expectedLogLoss = (nll(1) + nll(2) + nll(1) + nll(-2) + nll(0) + nll(-8)) / 6;
    expect(result.logLoss).toBeCloseTo(expectedLogLoss, 12);
    expect(result.byLabeler.alice).toMatchObject({ accuracy: 1, pairs: 3 });
    expect(result.heldOutLabelers).toMatchObject({ accuracy: 0.5 / 3, pairs: 3 });
    expect(result.trainingLabelers).toMatchObject({ accuracy: 1, pairs: 3 });
  });

  it('bins σ(r_a − r_b) of every pair into a calibration table whose counts add up', async () => {
    const result = await evaluateRankings({ rewardModel: tableRewardModel(table), rankings, calibrationBins: 4 });
    expect(result.calibration.map((bin) => bin.count).reduce((a, b) => a + b)).toBe(6);
    // Predictions for the first of each pair: σ(a−b)=.73 won, σ(a−c)=.88 won, σ(b−c)=.73 won, σ(c−a)=.12 won,
    // σ(d−e)=.5 lost, σ(d−f)=σ(8) lost; (e, f) tie in rank and are skipped. Top bin [.75, 1]: .88 and σ(8).
    const top = result.calibration[3]!;
    expect(top.lower).toBe(0.75);
    expect(top.count).toBe(2);
    expect(top.observed).toBe(0.5);
  });

  it('turns ranking records with prompt ids and preference pairs into examples', () => {
    const examples = rankingExamplesFromRecords(
      [{ promptId: 'x', completions: [{ text: 'A', policy: 'sft' }, { text: 'B', policy: 'ppo' }, { text: 'C', policy: 'sft' }], order: [[2], [0, 1]], labelerId: 'l1' }],
      new Map([['x', 'Prompt X']]),
    );
    expect(examples).toEqual([{ prompt: 'Prompt X', completions: ['A', 'B', 'C'], ranks: [1, 1, 0], labelerId: 'l1' }]);
    expect(() => rankingExamplesFromRecords([{ promptId: 'y', completions: [], order: [], labelerId: 'l' }], new Map(), 'rankings.jsonl')).toThrow(
      'rankings.jsonl:1: promptId: unknown prompt id "y"',
    );
    expect(rankingExamplesFromPairs([{ prompt: 'P', chosen: 'good', rejected: 'bad', margin: 1 }])).toEqual([
      { prompt: 'P', completions: ['good', 'bad'], ranks: [0, 1], margin: 1 },
    ]);
  });
});
