import { describe, expect, it } from 'vitest';
import { createOrtScalarModel } from '../src/index';
import { leftPaddedBatch, maxAbsDiff, randomGpt2Weights, referenceGpt2, rightPaddedBatch, tinyConfig } from './helpers';

describe.each(['standard', 'onnxruntime'] as const)('OrtScalarModel (%s ops)', (operators) => {
  const weights = randomGpt2Weights(tinyConfig, 3, { scoreHead: true });
  const score = weights.get('score.weight')!.data as Float32Array;
  const referenceValues = (ids: number[]) => {
    const { hidden } = referenceGpt2(tinyConfig, weights, ids);
    const d = tinyConfig.hiddenSize;
    return ids.map((_, t) => {
      let sum = 0;
      for (let i = 0; i < d; i++) sum += hidden[t * d + i]! * score[i]!;
      return sum;
    });
  };

  it('gives per-token values equal to the reference trunk times the score head, 0 at padding', async () => {
    const model = await createOrtScalarModel({ weights, config: tinyConfig, operators, sessionOptions: { intraOpThreads: 1 } });
    const rows = [[5, 6, 7, 8], [9, 10]];
    const { scores } = await model.doScore({ batch: rightPaddedBatch(rows, 0), positions: 'all' });
    expect(maxAbsDiff(scores.subarray(0, 4), referenceValues(rows[0]!))).toBeLessThan(1e-4);
    expect(maxAbsDiff(scores.subarray(4, 6), referenceValues(rows[1]!))).toBeLessThan(1e-4);
    expect(Array.from(scores.subarray(6, 8))).toEqual([0, 0]);
    await model.dispose();
  });

  it('reads the score at the last real token whichever side is padded', async () => {
    const model = await createOrtScalarModel({ weights, config: tinyConfig, operators, sessionOptions: { intraOpThreads: 1 } });
    const rows = [[1, 2, 3, 4, 5], [40, 41]];
    const expected = rows.map((row) => referenceValues(row).at(-1)!);
    const left = await model.doScore({ batch: leftPaddedBatch(rows, 0) });
    const right = await model.doScore({ batch: rightPaddedBatch(rows, 0) });
    expect(maxAbsDiff(left.scores, expected)).toBeLessThan(1e-4);
    expect(maxAbsDiff(right.scores, expected)).toBeLessThan(1e-4);
    await model.dispose();
  });
});
