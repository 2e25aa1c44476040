import { describe, expect, it } from 'vitest';
import {
  collateLanguageModeling,
  collatePrompts,
  collateRankings,
  packSequences,
  tokenizeConversation,
  tokenizePromptCompletion,
  tokenizeRanking,
  type ChatRenderer,
  type Ranking,
  type TokenEncoder,
} from '../src/index';

// A toy tokenizer: one id per character (a=1, b=2, …), enough to check alignment by hand.
const encoder: TokenEncoder = { encode: (text) => [...text].map((character) => character.charCodeAt(0) - 96) };

describe('collateLanguageModeling', () => {
  it('right-pads and aligns the loss mask to predicted tokens, [B, length-1]', () => {
    const task = collateLanguageModeling(
      [
        [5, 6, 7, 8],
        [9, 10],
      ],
      { padTokenId: 0, lossMasks: [[0, 0, 1, 1], [0, 1]] },
    );
    expect(task.kind).toBe('language-modeling');
    expect(task.batch).toMatchObject({ batchSize: 2, length: 4 });
    expect([...task.batch.ids]).toEqual([5, 6, 7, 8, 9, 10, 0, 0]);
    expect([...task.batch.attentionMask]).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    // Row 0: actions predict tokens 6, 7, 8 → masks 0, 1, 1. Row 1: predicts 10, pad, pad → 1, 0, 0.
    expect([...task.lossMask]).toEqual([0, 1, 1, 1, 0, 0]);
  });

  it('trains on every real token without masks and truncates to maxLength', () => {
    const task = collateLanguageModeling([[1, 2, 3, 4, 5], [6, 7]], { padTokenId: 0, maxLength: 3 });
    expect([...task.batch.ids]).toEqual([1, 2, 3, 6, 7, 0]);
    expect([...task.lossMask]).toEqual([1, 1, 1, 0]);
  });

  it('rejects masks that do not match their sequences', () => {
    expect(() => collateLanguageModeling([[1, 2]], { padTokenId: 0, lossMasks: [[1]] })).toThrow(/lossMasks\[0\]: has 1 entries for a sequence of 2 tokens/);
    expect(() => collateLanguageModeling([[]], { padTokenId: 0 })).toThrow(/sequences\[0\]: is empty/);
  });
});

describe('tokenize helpers', () => {
  it('mask the prompt out and the completion and end-of-text in', () => {
    expect(tokenizePromptCompletion('ab', 'cd', encoder, { eosTokenId: 0 })).toEqual({ ids: [1, 2, 3, 4, 0], lossMask: [0, 0, 1, 1, 1] });
  });

  it('take the assistant mask of a chat renderer', () => {
    const renderer: ChatRenderer = {
      renderChat: (messages) => {
        const ids = messages.flatMap((message) => [99, ...encoder.encode(message.content)]);
        const assistantMask = messages.flatMap((message) => [0, ...[...message.content].map(() => (message.role === 'assistant' ? 1 : 0))]);
        return { ids, assistantMask };
      },
    };
    const tokens = tokenizeConversation({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'bc' }] }, renderer);
    expect(tokens).toEqual({ ids: [99, 1, 99, 2, 3], lossMask: [0, 0, 0, 1, 1] });
  });
});

describe('packSequences', () => {
  it('packs first-fit decreasing with separators, keeping each example whole and its mask with it', () => {
    const packed = packSequences([[1, 2, 3], [4, 5], [6, 7, 8, 9, 10]], { length: 6, separatorId: 0, lossMasks: [[0, 1, 1], [1, 1], [0, 0, 0, 1, 1]] });
    // Longest first: [6..10,sep] fills row 0; [1,2,3,sep] + [4,5,sep] would be 7 > 6, so row 1 and row 2.
    expect(packed.task.batch).toMatchObject({ batchSize: 3, length: 6 });
    expect([...packed.task.batch.ids]).toEqual([6, 7, 8, 9, 10, 0, 1, 2, 3, 0, 0, 0, 4, 5, 0, 0, 0, 0]);
    expect([...packed.task.batch.attentionMask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0]);
    expect([...packed.segmentIds]).toEqual([2, 2, 2, 2, 2, 2, 0, 0, 0, 0, -1, -1, 1, 1, 1, -1, -1, -1]);
    // Row 0 predicts 7,8,9,10,sep with masks 0,0,1,1,1 (sep inherits the last token's 1).
    expect([...packed.task.lossMask.subarray(0, 5)]).toEqual([0, 0, 1, 1, 1]);
    expect([...packed.task.lossMask.subarray(5, 10)]).toEqual([1, 1, 1, 0, 0]);
    expect(packed.truncated).toBe(0);
  });

  it('fills a row with several short examples and truncates over-long ones', () => {
    const packed = packSequences([[1], [2], [3, 4, 5, 6, 7, 8]], { length: 4, separatorId: 0 });
    expect(packed.truncated).toBe(1);
    expect([...packed.task.batch.ids]).toEqual([3, 4, 5, 6, 1, 0, 2, 0]);
  });
});

describe('collatePrompts', () => {
  it('left-pads so every prompt ends at the last column, keeping the end of long prompts', () => {
    const batch = collatePrompts([[1, 2, 3], [4]], { padTokenId: 0 });
    expect([...batch.ids]).toEqual([1, 2, 3, 0, 0, 4]);
    expect([...batch.attentionMask]).toEqual([1, 1, 1, 0, 0, 1]);
    expect([...collatePrompts([[1, 2, 3, 4], [5]], { padTokenId: 0, maxLength: 2 }).ids]).toEqual([3, 4, 0, 5]);
  });
});

describe('collateRankings', () => {
  it('makes one row per completion and one group per prompt with ranks from the order', () => {
    const ranking: Ranking = {
      promptId: 'p',
      completions: [
        { text: 'a', policy: 'x' },
        { text: 'bb', policy: 'y' },
        { text: 'c', policy: 'z' },
      ],
      order: [[1], [0, 2]],
      labelerId: 'l',
    };
    const task = collateRankings([tokenizeRanking(ranking, 'z', encoder), { sequences: [[7, 7], [8]], ranks: [1, 0], margin: 0.5 }], { padTokenId: 0 });
    expect(task.kind).toBe('ranking');
    expect(task.batch).toMatchObject({ batchSize: 5, length: 3 });
    expect([...task.batch.ids]).toEqual([26, 1, 0, 26, 2, 2, 26, 3, 0, 7, 7, 0, 8, 0, 0]);
    expect(task.groups).toEqual([
      { rows: [0, 1, 2], ranks: [1, 0, 1] },
      { rows: [3, 4], ranks: [1, 0], margin: 0.5 },
    ]);
  });

  it('refuses a group with one completion', () => {
    expect(() => collateRankings([{ sequences: [[1]], ranks: [0] }], { padTokenId: 0 })).toThrow(/rankings\[0\].sequences: expected 2…9/);
  });
});
