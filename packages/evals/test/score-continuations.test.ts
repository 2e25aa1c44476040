import { describe, expect, it } from 'vitest';
import { corpusPerplexity, scoreContinuations } from '../src/score-continuations';
import { evaluateMultipleChoice, evaluateTruthfulness } from '../src/multiple-choice';
import { createBigramModel, letterTokenizer } from './table-model';

// 28 tokens: p(next | prev) favours "next letter of the alphabet" (0.5), the rest uniform.
const table = Array.from({ length: 28 }, (_, prev) =>
  Array.from({ length: 28 }, (_, next) => (next === (prev % 27) + 1 ? 0.5 : 0.5 / 27)),
);
const model = createBigramModel(table);

describe('scoreContinuations', () => {
  it('sums the log-probabilities of the continuation tokens only, as computed by hand', async () => {
    const [score] = await scoreContinuations({ model, tokenizer: letterTokenizer, items: [{ context: 'ab', continuation: 'cz' }] });
    // p(c | b) = 0.5, p(z | c) = 0.5/27.
    expect(score!.logprob).toBeCloseTo(Math.log(0.5) + Math.log(0.5 / 27), 5);
    expect(score!.tokens).toBe(2);
  });

  it('gives the same scores batched with padding as one at a time', async () => {
    const items = [
      { context: 'abc', continuation: 'd' },
      { context: 'a', continuation: 'bcdefg' },
      { context: 'xyz', continuation: 'qq' },
    ];
    const batched = await scoreContinuations({ model, tokenizer: letterTokenizer, items, batchSize: 3 });
    for (const [i, item] of items.entries()) {
      const [single] = await scoreContinuations({ model, tokenizer: letterTokenizer, items: [item] });
      expect(batched[i]!.logprob).toBeCloseTo(single!.logprob, 5);
    }
  });
});

describe('corpusPerplexity', () => {
  it('equals exp of the mean negative log-likelihood over every predicted token', async () => {
    const result = await corpusPerplexity({ model, tokenizer: letterTokenizer, texts: ['abcd', 'az'] });
    // Predicted tokens: b|a, c|b, d|c (0.5 each), z|a (0.5/27).
    const meanNll = -(3 * Math.log(0.5) + Math.log(0.5 / 27)) / 4;
    expect(result.tokens).toBe(4);
    expect(result.perplexity).toBeCloseTo(Math.exp(meanNll), 4);
  });
});

describe('evaluateMultipleChoice and evaluateTruthfulness', () => {
  it('picks the most likely ending and computes MC2 as the normalised true mass', async () => {
    const mc = await evaluateMultipleChoice({
      model,
      tokenizer: letterTokenizer,
      items: [
        { context: 'abc', choices: ['de', 'qx'], label: 0 },
        { context: 'abc', choices: ['de', 'qx'], label: 1 },
      ],
    });
    expect(mc.accuracy).toBe(0.5);

    // Answers are scored as " answer" after "Q: …\nA:"; the newline and colon are outside the
    // letter tokenizer, so use a formatter that keeps to letters.
    const truth = await evaluateTruthfulness({
      model,
      tokenizer: letterTokenizer,
      formatQuestion: (question) => question,
      questions: [
        {
          question: 'a',
          mc1: { choices: ['bc', 'zz'], labels: [1, 0] },
          mc2: { choices: ['bc', 'zz'], labels: [1, 0] },
        },
      ],
    });
    // Continuations are " bc" and " zz" after "a": p(space|a) is shared and cancels in MC2.
    const space = 27;
    const lp = (ids: number[]) => ids.slice(1).reduce((sum, id, i) => sum + Math.log(table[ids[i]!]![id]!), 0);
    const trueMass = Math.exp(lp([1, space, 2, 3]));
    const falseMass = Math.exp(lp([1, space, 26, 26]));
    expect(truth.mc1).toBe(1);
    expect(truth.mc2).toBeCloseTo(trueMass / (trueMass + falseMass), 5);
  });
});
