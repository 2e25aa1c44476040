import { describe, expect, it } from 'vitest';
import { buildRolloutBatch, scatterResponseValues } from '../src/build-rollout-batch';
import { actionValues } from '../src/action-values';

describe('buildRolloutBatch', () => {
  const rollout = buildRolloutBatch(
    [
      { promptIds: Int32Array.of(5, 6), completionIds: Int32Array.of(7, 8, 9) },
      { promptIds: Int32Array.of(4), completionIds: Int32Array.of(2) },
    ],
    0,
  );

  it('left-pads prompts and right-pads responses', () => {
    expect(rollout.batch.length).toBe(5);
    expect(Array.from(rollout.batch.ids)).toEqual([5, 6, 7, 8, 9, 0, 4, 2, 0, 0]);
    expect(Array.from(rollout.batch.attentionMask)).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 0, 0]);
    expect(rollout.promptWidth).toBe(2);
  });

  it('marks the actions that predict response tokens, and the last one of each row', () => {
    // Action t predicts token t+1: row 0 responses at columns 2..4 → actions 1..3; row 1 column 2 → action 1.
    expect(Array.from(rollout.actionMask)).toEqual([0, 1, 1, 1, 0, 1, 0, 0]);
    expect(Array.from(rollout.lastActionIndex)).toEqual([3, 1]);
  });

  it('scatters per-token numbers onto their actions', () => {
    expect(Array.from(scatterResponseValues(rollout, [[-1, -2, -3], [-4]]))).toEqual([0, -1, -2, -3, 0, -4, 0, 0]);
  });

  it('reads the value of action t from position t', () => {
    const positions = Float32Array.from([10, 11, 12, 13, 14, 20, 21, 22, 23, 24]);
    expect(Array.from(actionValues(positions, 2, 5, rollout.actionMask))).toEqual([0, 11, 12, 13, 0, 21, 0, 0]);
  });

  it('rejects an empty response with a typed error naming the row', () => {
    expect(() => buildRolloutBatch([{ promptIds: Int32Array.of(1), completionIds: new Int32Array() }], 0)).toThrow(/episodes\[0\]\.completionIds/);
  });
});
