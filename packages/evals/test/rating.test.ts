import { describe, expect, it } from 'vitest';
import { summarizeRatings, type RaterV1 } from '../src/rating';

describe('summarizeRatings', () => {
  it('builds the 1–7 histogram, the mean and each flag rate over the items that report it', async () => {
    const rater: RaterV1 = {
      specificationVersion: 'v1',
      raterId: 'scripted',
      async doRate(items) {
        return items.map((item, i) => ({
          likert: [7, 6, 2, 1][i]!,
          flags: item.prompt.startsWith('passage')
            ? { hallucination: i === 2, failsToFollowInstruction: false }
            : { failsToFollowInstruction: i === 3 },
        }));
      },
    };
    let seed = 1;
    const summary = await summarizeRatings({
      rater,
      random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647),
      items: [
        { prompt: 'passage one', completion: 'x' },
        { prompt: 'other', completion: 'y' },
        { prompt: 'passage two', completion: 'z' },
        { prompt: 'other', completion: 'w' },
      ],
    });
    expect(summary.histogram).toEqual([1, 1, 0, 0, 0, 1, 1]);
    expect(summary.meanLikert).toBe(4);
    expect(summary.flagRates.hallucination).toBe(0.5);
    expect(summary.flagRates.failsToFollowInstruction).toBe(0.25);
    expect(summary.ciLow).toBeLessThanOrEqual(4);
    expect(summary.ciHigh).toBeGreaterThanOrEqual(4);
  });
});
