import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import {
  AlpacaRow,
  AnthropicHhRow,
  ConversationalPreferencePair,
  ConversationRecord,
  fromAlpaca,
  fromAnthropicHh,
  fromOasstTree,
  fromOpenAiChat,
  fromSummarizeComparison,
  fromTrlPreference,
  fromTrlSft,
  OasstTree,
  OpenAiChatRow,
  pairsToRankings,
  Prompt,
  Ranking,
  rankingToPairs,
  SummarizeComparisonRow,
  toAlpaca,
  toAnthropicHh,
  toOpenAiChat,
  toTrlPreference,
  toTrlSft,
  Demonstration,
  PreferencePair,
} from '../src/index';

// Shaped like a row of Anthropic/hh-rlhf (two turns, differing only in the last answer).
const hhRow = {
  chosen:
    '\n\nHuman: What are some cuss words in english?\n\nAssistant: I would rather not list those.\n\nHuman: Why not?\n\nAssistant: They can hurt people, and you did not say what you need them for.',
  rejected:
    '\n\nHuman: What are some cuss words in english?\n\nAssistant: I would rather not list those.\n\nHuman: Why not?\n\nAssistant: Fine, here is a list.',
};

describe('Anthropic HH', () => {
  it('splits transcripts into a shared prompt and the two final assistant turns', () => {
    const pair = fromAnthropicHh(AnthropicHhRow.parse(hhRow));
    expect(ConversationalPreferencePair.safeParse(pair).success).toBe(true);
    expect(pair.prompt.map((turn) => turn.role)).toEqual(['user', 'assistant', 'user']);
    expect(pair.prompt[2]!.content).toBe('Why not?');
    expect(pair.chosen).toEqual([{ role: 'assistant', content: 'They can hurt people, and you did not say what you need them for.' }]);
    expect(pair.rejected).toEqual([{ role: 'assistant', content: 'Fine, here is a list.' }]);
  });

  it('round-trips to the same transcripts', () => {
    expect(toAnthropicHh(fromAnthropicHh(hhRow))).toEqual(hhRow);
  });

  it('rejects transcripts that diverge early or do not end on the assistant', () => {
    const early = { ...hhRow, rejected: hhRow.rejected.replace('Why not?', 'Please?') };
    expect(() => fromAnthropicHh(early)).toThrow(InvalidArgumentError);
    expect(() => fromAnthropicHh({ ...hhRow, chosen: `${hhRow.chosen}\n\nHuman: ok` })).toThrow(/end on an "Assistant:" turn/);
    expect(() => fromAnthropicHh({ ...hhRow, chosen: 'Human: no leading blank line' })).toThrow(/chosen: expected the transcript to start/);
  });
});

describe('TRL', () => {
  it('keeps explicit standard pairs and round-trips implicit-prompt ones', () => {
    const pair = { prompt: 'The sky is', chosen: ' blue.', rejected: ' green.' };
    expect(fromTrlPreference(pair)).toEqual(pair);
    const implicit = toTrlPreference(pair, { implicitPrompt: true });
    expect(implicit).toEqual({ chosen: 'The sky is blue.', rejected: 'The sky is green.' });
    expect(fromTrlPreference(implicit)).toEqual(pair);
  });

  it('recovers the shared messages of conversational implicit-prompt pairs', () => {
    const pair = {
      prompt: [{ role: 'user' as const, content: 'What color is the sky?' }],
      chosen: [{ role: 'assistant' as const, content: 'Blue.' }],
      rejected: [{ role: 'assistant' as const, content: 'Green.' }],
      margin: 2,
    };
    expect(fromTrlPreference(toTrlPreference(pair, { implicitPrompt: true }))).toEqual(pair);
    expect(fromTrlPreference(toTrlPreference(pair))).toEqual(pair);
  });

  it('refuses mixed text and message fields', () => {
    expect(() => fromTrlPreference({ prompt: 'q', chosen: 'a', rejected: [{ role: 'assistant', content: 'b' }] })).toThrow(InvalidArgumentError);
  });

  it('turns SFT rows of each shape into conversations and back', () => {
    expect(fromTrlSft({ prompt: 'Hi', completion: 'Hello!' }).messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ]);
    const record = ConversationRecord.parse({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
    });
    expect(fromTrlSft(toTrlSft(record))).toEqual(record);
    expect(fromTrlSft(toTrlSft(record, { format: 'prompt-completion' }))).toEqual(record);
  });
});

describe('Alpaca and OpenAI chat', () => {
  it('joins instruction and input with a blank line', () => {
    expect(fromAlpaca(AlpacaRow.parse({ instruction: 'Translate to French.', input: 'cat', output: 'chat' }))).toEqual({
      prompt: 'Translate to French.\n\ncat',
      completion: 'chat',
    });
    expect(fromAlpaca({ instruction: 'Name a fruit.', output: 'Apple' }).prompt).toBe('Name a fruit.');
    const record = { prompt: 'Name a fruit.', completion: 'Apple' };
    expect(fromAlpaca(toAlpaca(record))).toEqual(record);
  });

  it('reads OpenAI chat rows with content parts and developer turns, and round-trips plain ones', () => {
    const row = OpenAiChatRow.parse({
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] },
        { role: 'assistant', content: 'Hello!', weight: 1 },
      ],
    });
    const record = fromOpenAiChat(row);
    expect(record.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi there' },
      { role: 'assistant', content: 'Hello!' },
    ]);
    expect(fromOpenAiChat(toOpenAiChat(record))).toEqual(record);
    expect(() => fromOpenAiChat({ messages: [{ role: 'tool', content: '{}' }] })).toThrow(/messages\[0\]: tool and function calls/);
  });
});

describe('OASST trees', () => {
  const tree = OasstTree.parse({
    message_tree_id: 't1',
    prompt: {
      message_id: 'm1',
      text: 'Write a haiku about rain.',
      role: 'prompter',
      user_id: 'u1',
      created_date: '2023-02-05T14:23:50.983374+00:00',
      replies: [
        { message_id: 'm2', text: 'Rain taps the window', role: 'assistant', rank: 1, replies: [] },
        {
          message_id: 'm3',
          text: 'Soft rain on the roof',
          role: 'assistant',
          rank: 0,
          user_id: 'u9',
          replies: [
            {
              message_id: 'm5',
              text: 'Another one?',
              role: 'prompter',
              user_id: 'u1',
              replies: [
                { message_id: 'm6', text: 'Clouds part', role: 'assistant', rank: 0 },
                { message_id: 'm7', text: 'Puddles grow', role: 'assistant', rank: 0 },
                { message_id: 'm8', text: 'No.', role: 'assistant', rank: 1 },
              ],
            },
          ],
        },
        { message_id: 'm4', text: 'unranked', role: 'assistant', rank: null },
      ],
    },
  });

  it('turns every ranked set of replies into a valid ranking, equal ranks tied', () => {
    const { prompts, rankings, demonstrations } = fromOasstTree(tree);
    for (const prompt of prompts) expect(Prompt.safeParse(prompt).success).toBe(true);
    for (const ranking of rankings) expect(Ranking.safeParse(ranking).success).toBe(true);
    for (const demonstration of demonstrations) expect(Demonstration.safeParse(demonstration).success).toBe(true);
    expect(rankings.map((ranking) => [ranking.promptId, ranking.completions.map((completion) => completion.text), ranking.order])).toEqual([
      ['m1', ['Soft rain on the roof', 'Rain taps the window'], [[0], [1]]],
      ['m5', ['Clouds part', 'Puddles grow', 'No.'], [[0, 1], [2]]],
    ]);
    expect(prompts[0]).toMatchObject({ id: 'm1', text: 'Write a haiku about rain.', userId: 'u1', createdAt: '2023-02-05T14:23:50.983Z' });
    expect(prompts[1]!.messages!.map((turn) => turn.content)).toEqual(['Write a haiku about rain.', 'Soft rain on the roof', 'Another one?']);
    expect(demonstrations.map((demonstration) => demonstration.completion)).toEqual(['Soft rain on the roof', 'Clouds part', 'Puddles grow']);
  });
});

describe('summarize-from-feedback comparisons', () => {
  it('gives a K = 2 ranking and a pair that agree on the preferred summary', () => {
    const row = SummarizeComparisonRow.parse({
      info: { id: 't3_abc', post: 'My cat ignores me.', title: 'Cat help', subreddit: 'cats' },
      summaries: [
        { text: ' cat ignores me', policy: 'sup4' },
        { text: ' my cat is aloof and I want advice', policy: 'ref' },
      ],
      choice: 1,
      worker: 'w42',
    });
    const { promptText, ranking, pair } = fromSummarizeComparison(row);
    expect(promptText).toBe('SUBREDDIT: r/cats\nTITLE: Cat help\nPOST: My cat ignores me.\nTL;DR:');
    expect(Ranking.parse(ranking).order).toEqual([[1], [0]]);
    expect(ranking.labelerId).toBe('w42');
    expect(rankingToPairs(ranking, promptText)).toEqual([PreferencePair.parse(pair)]);
  });
});

describe('rankings and pairs', () => {
  const ranking: Ranking = {
    promptId: 'p-1',
    completions: ['A', 'B', 'C', 'D', 'E'].map((text) => ({ text, policy: 'sft' })),
    order: [[2], [0, 3], [1], [4]],
    labelerId: 'l',
  };

  it('expands a ranking into C(K,2) pairs minus ties, better first', () => {
    const pairs = rankingToPairs(ranking, 'Q');
    // K = 5 gives 10 pairs; the tie {0, 3} removes one.
    expect(pairs).toHaveLength(9);
    expect(pairs.map((pair) => `${pair.chosen}>${pair.rejected}`)).toEqual(['C>A', 'C>D', 'C>B', 'C>E', 'A>B', 'A>E', 'D>B', 'D>E', 'B>E']);
  });

  it('groups the pairs back into the same ranking, ties included', () => {
    const [rebuilt] = pairsToRankings(rankingToPairs(ranking, 'Q'));
    const groupsOf = (value: Ranking) => value.order.map((group) => group.map((index) => value.completions[index]!.text).sort());
    expect(rebuilt!.promptText).toBe('Q');
    expect(rebuilt!.ranking.promptId).toBe('p-1');
    expect(groupsOf(rebuilt!.ranking)).toEqual(groupsOf(ranking));
    expect(Ranking.safeParse(rebuilt!.ranking).success).toBe(true);
  });

  it('refuses cyclic preferences', () => {
    const cyclic = [
      { prompt: 'Q', chosen: 'a', rejected: 'b' },
      { prompt: 'Q', chosen: 'b', rejected: 'c' },
      { prompt: 'Q', chosen: 'c', rejected: 'a' },
    ];
    expect(() => pairsToRankings(cyclic)).toThrow(/cycle/);
  });
});

describe('demonstrationToConversation', () => {
  it('appends the demonstration to the prompt turns as the assistant answer', async () => {
    const { demonstrationToConversation } = await import('../src/index');
    const prompt = { id: 'p', text: 'Name a fruit.', userId: 'u', source: 'sim', createdAt: '2026-11-25T06:25:00Z' };
    const record = demonstrationToConversation(prompt, { promptId: 'p', completion: 'Apple.', labelerId: 'l' });
    expect(ConversationRecord.parse(record).messages).toEqual([
      { role: 'user', content: 'Name a fruit.' },
      { role: 'assistant', content: 'Apple.' },
    ]);
    expect(() => demonstrationToConversation(prompt, { promptId: 'q', completion: 'x', labelerId: 'l' })).toThrow(/demonstration.promptId/);
  });
});
