import { describe, expect, it } from 'vitest';
import { collateExamples, packExamples, tokenizeRecord } from '../src/index';
import { characterTokenizer } from './helpers';

describe('tokenizeRecord', () => {
  it('targets only the completion and its EOS in a prompt–completion record', () => {
    const example = tokenizeRecord(characterTokenizer, { prompt: 'ab', completion: 'c' });
    expect(Array.from(example.ids)).toEqual([1, 2, 3, 0]);
    expect(Array.from(example.targetMask)).toEqual([0, 0, 1, 1]);
  });

  it('targets every token of a pretraining text and takes chat targets from the template mask', () => {
    expect(Array.from(tokenizeRecord(characterTokenizer, { text: 'ab' }).targetMask)).toEqual([1, 1, 1]);
    const chatTokenizer = { ...characterTokenizer, renderChat: () => ({ ids: [5, 6, 7, 8], assistantMask: [0, 0, 1, 1] }) };
    const example = tokenizeRecord(chatTokenizer, { messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }] });
    expect(Array.from(example.targetMask)).toEqual([0, 0, 1, 1]);
    expect(() => tokenizeRecord(characterTokenizer, { messages: [] }, 'train[3]')).toThrow('tokenizer: has no renderChat; needed for train[3].messages');
  });
});

describe('collateExamples', () => {
  it('right-pads and puts action t in the loss when token t+1 is a target', () => {
    const task = collateExamples([tokenizeRecord(characterTokenizer, { prompt: 'ab', completion: 'c' }), tokenizeRecord(characterTokenizer, { prompt: 'a', completion: 'b' })], 0);
    expect(task.batch.length).toBe(4);
    expect(Array.from(task.batch.ids)).toEqual([1, 2, 3, 0, 1, 2, 0, 0]);
    expect(Array.from(task.batch.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
    // Row 0: actions predict tokens 1..3 = b (prompt), c, EOS. Row 1: b, EOS, pad.
    expect(Array.from(task.lossMask)).toEqual([0, 1, 1, 1, 1, 0]);
  });

  it('cuts rows longer than maxLength at the end', () => {
    const task = collateExamples([tokenizeRecord(characterTokenizer, { text: 'abcdef' })], 0, 4);
    expect(Array.from(task.batch.ids)).toEqual([1, 2, 3, 4]);
    expect(Array.from(task.lossMask)).toEqual([1, 1, 1]);
  });
});

describe('packExamples', () => {
  it('concatenates examples into full rows and keeps each token’s target bit', () => {
    const examples = ['ab', 'cde', 'f'].map((text, index) => ({
      ids: Int32Array.from(characterTokenizer.encode(text)),
      targetMask: new Uint8Array(text.length).fill(index % 2),
    }));
    const rows = packExamples(examples, 4);
    expect(rows.map((row) => Array.from(row.ids))).toEqual([[1, 2, 3, 4], [5, 6]]);
    expect(rows.map((row) => Array.from(row.targetMask))).toEqual([[0, 0, 1, 1], [1, 0]]);
  });
});
