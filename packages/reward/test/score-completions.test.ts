import { describe, expect, it } from 'vitest';
import type { RewardModelV1 } from '@instructkit/core';
import { computeRewardNormalization, createRewardModel, encodeScoredSequence, scoreCompletions } from '../src/index';
import { characterTokenizer, realTokens, TokenSumScalarModel } from './helpers';

describe('scoreCompletions', () => {
  it('scores prompt + completion + EOS, in input order, batched by length on either padding side', async () => {
    const prompts = ['ab', 'a', 'abcd', 'c'];
    const completions = ['c', 'bbbb', 'a', 'a'];
    // Token sum with a = 1, b = 2, …, EOS (0) adds nothing: an independent expected value.
    const expected = [1 + 2 + 3, 1 + 8, 1 + 2 + 3 + 4 + 1, 3 + 1];
    for (const paddingSide of ['left', 'right'] as const) {
      const model = new TokenSumScalarModel();
      const scores = await scoreCompletions({ model, tokenizer: characterTokenizer, prompts, completions, batchSize: 3, paddingSide });
      expect(scores).toEqual(expected);
      expect(model.batches.map((batch) => batch.batchSize)).toEqual([3, 1]);
      // Every row ends on the EOS id, at the side opposite the padding.
      for (const batch of model.batches) for (const row of realTokens(batch)) expect(row.at(-1)).toBe(0);
      const first = model.batches[0]!;
      const lastColumn = Array.from({ length: first.batchSize }, (_, row) => first.attentionMask[row * first.length + first.length - 1]);
      expect(lastColumn.every((bit) => bit === 1)).toBe(paddingSide === 'left');
    }
  });

  it('cuts long prompts from the left, then long completions at the end, so the EOS survives', () => {
    expect(Array.from(encodeScoredSequence(characterTokenizer, 'abcdef', 'xy', { eosTokenId: 0, maxLength: 5 }))).toEqual([5, 6, 24, 25, 0]);
    // A completion too long on its own keeps its beginning and the EOS the score is read at.
    expect(Array.from(encodeScoredSequence(characterTokenizer, 'a', 'wxyz', { eosTokenId: 0, maxLength: 3 }))).toEqual([23, 24, 0]);
    expect(() => encodeScoredSequence(characterTokenizer, 'a', 'b', { maxLength: 1 })).toThrow(/maxLength/);
  });

  it('rejects lists of different lengths', async () => {
    await expect(scoreCompletions({ model: new TokenSumScalarModel(), tokenizer: characterTokenizer, prompts: ['a'], completions: [] })).rejects.toThrow(
      /completions: has 0 entries for 1 prompts/,
    );
  });
});

describe('createRewardModel and computeRewardNormalization', () => {
  it('sets a bias so demonstrations score 0 on average and a gain for unit-variance policy samples', async () => {
    const model = new TokenSumScalarModel();
    const raw = createRewardModel({ model, tokenizer: characterTokenizer });
    const demonstrations = [
      { prompt: 'a', completion: 'b' }, // 3
      { prompt: 'a', completion: 'e' }, // 6
    ];
    const policySamples = [
      { prompt: 'a', completion: 'a' }, // 2
      { prompt: 'a', completion: 'e' }, // 6
    ];
    const normalization = await computeRewardNormalization({ rewardModel: raw, demonstrations, policySamples });
    // Policy samples 2 and 6: population std 2 → gain ½; demonstrations' raw mean 4.5 → bias −2.25.
    expect(normalization).toEqual({ gain: 0.5, bias: -2.25 });
    const normalized: RewardModelV1 = createRewardModel({ model, tokenizer: characterTokenizer, normalization });
    const demonstrationScores = await normalized.doScore({ prompts: ['a', 'a'], completions: ['b', 'e'] });
    expect(demonstrationScores[0]! + demonstrationScores[1]!).toBeCloseTo(0, 12);
    const sampleScores = await normalized.doScore({ prompts: ['a', 'a'], completions: ['a', 'e'] });
    expect(Math.abs(sampleScores[0]! - sampleScores[1]!) / 2).toBeCloseTo(1, 12);
  });
});
