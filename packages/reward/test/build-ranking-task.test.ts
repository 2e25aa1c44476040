import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import { buildRankingTask } from '../src/index';
import { realTokens } from './helpers';

describe('buildRankingTask', () => {
  it('puts every completion of every prompt in the batch exactly once, K mixed from 2 to 9', () => {
    const rankings = [2, 9, 4].map((k, prompt) => ({
      rows: Array.from({ length: k }, (_, completion) => [prompt + 1, 10 + completion, 30]),
      ranks: Array.from({ length: k }, (_, completion) => completion),
    }));
    const task = buildRankingTask({ rankings, padTokenId: 0 });
    expect(task.batch.batchSize).toBe(2 + 9 + 4);
    expect(task.groups.map((group) => group.rows.length)).toEqual([2, 9, 4]);
    expect(task.groups.flatMap((group) => group.rows)).toEqual(Array.from({ length: 15 }, (_, row) => row));
    const rows = realTokens(task.batch);
    task.groups.forEach((group, prompt) => group.rows.forEach((row, completion) => expect(rows[row]).toEqual([prompt + 1, 10 + completion, 30])));
  });

  it('keeps ties in the ranks, carries the margin, and leaves out a prompt whose completions all tie', () => {
    const task = buildRankingTask({
      rankings: [
        { rows: [[1], [2], [3]], ranks: [0, 0, 1], margin: 0.5 },
        { rows: [[4], [5]], ranks: [1, 1] },
        { rows: [[6], [7]], ranks: [1, 0] },
      ],
      padTokenId: 0,
    });
    expect(task.batch.batchSize).toBe(5);
    expect(task.groups).toEqual([
      { rows: [0, 1, 2], ranks: [0, 0, 1], margin: 0.5 },
      { rows: [3, 4], ranks: [1, 0] },
    ]);
  });

  it('pads on the requested side', () => {
    const rankings = [{ rows: [[1, 2, 3], [4]], ranks: [0, 1] }];
    const right = buildRankingTask({ rankings, padTokenId: 9 });
    const left = buildRankingTask({ rankings, padTokenId: 9, paddingSide: 'left' });
    expect(Array.from(right.batch.ids)).toEqual([1, 2, 3, 4, 9, 9]);
    expect(Array.from(right.batch.attentionMask)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(Array.from(left.batch.ids)).toEqual([1, 2, 3, 9, 9, 4]);
    expect(Array.from(left.batch.attentionMask)).toEqual([1, 1, 1, 0, 0, 1]);
  });

  it('rejects mismatched ranks, a single completion and a batch without any pair', () => {
    expect(() => buildRankingTask({ rankings: [{ rows: [[1], [2]], ranks: [0] }], padTokenId: 0 })).toThrow(/rankings\[0\]\.ranks/);
    expect(() => buildRankingTask({ rankings: [{ rows: [[1]], ranks: [0] }], padTokenId: 0 })).toThrow(InvalidArgumentError);
    expect(() => buildRankingTask({ rankings: [{ rows: [[1], [2]], ranks: [3, 3] }], padTokenId: 0 })).toThrow(/no prompt has an untied pair/);
  });
});
