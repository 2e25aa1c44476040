import { describe, expect, it } from 'vitest';
import { countRankedPairs, logSigmoid, rankingLoss } from '../src/index';

/** −log σ(x) written the textbook way, in the range where it does not overflow. */
const pairLoss = (x: number) => -Math.log(1 / (1 + Math.exp(-x)));

describe('rankingLoss', () => {
  it('equals the brute-force mean over each prompt of its pairwise losses, then over prompts', () => {
    const scores = [0.3, -1.2, 2.0, 0.1, 0.5, -0.4];
    // Prompt A: rows 0,1,2 ranked 2 > 0 > 1. Prompt B: rows 3,4,5, 3 and 5 tied above 4.
    const groups = [
      { rows: [0, 1, 2], ranks: [1, 2, 0] },
      { rows: [3, 4, 5], ranks: [0, 1, 0] },
    ];
    const promptA = (pairLoss(2.0 - 0.3) + pairLoss(2.0 - -1.2) + pairLoss(0.3 - -1.2)) / 3;
    const promptB = (pairLoss(0.1 - 0.5) + pairLoss(-0.4 - 0.5)) / 2;
    const result = rankingLoss(scores, groups);
    expect(result.loss).toBeCloseTo((promptA + promptB) / 2, 12);
    expect(result.pairs).toBe(5);
    expect(result.accuracy).toBeCloseTo(3 / 5, 12);
  });

  it('subtracts the margin inside the sigmoid', () => {
    const result = rankingLoss([1, 0], [{ rows: [0, 1], ranks: [0, 1], margin: 0.25 }]);
    expect(result.loss).toBeCloseTo(pairLoss(0.75), 12);
  });

  it('stays finite for huge score gaps', () => {
    expect(logSigmoid(-1000)).toBe(-1000);
    expect(logSigmoid(1000)).toBe(-0);
    expect(rankingLoss([0, 800], [{ rows: [0, 1], ranks: [0, 1] }]).loss).toBeCloseTo(800, 9);
  });

  it('counts C(K,2) pairs minus ties', () => {
    expect(countRankedPairs([0, 1, 2, 3, 4, 5, 6, 7, 8])).toBe(36);
    expect(countRankedPairs([0, 0, 1])).toBe(2);
  });
});
