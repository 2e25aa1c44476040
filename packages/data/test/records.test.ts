import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConversationRecord,
  Demonstration,
  PreferencePair,
  Prompt,
  RATING_FLAG_NAMES,
  Ranking,
  Rating,
  RECORD_SCHEMAS,
  ranksOf,
  validateRecord,
} from '../src/index';

function messagesOf(value: unknown, schema: z.ZodType): string[] {
  const result = validateRecord(value, schema, { file: 'records.jsonl', line: 7 });
  return result.ok ? [] : result.errors.map((error) => error.message);
}

const completions = (count: number) => Array.from({ length: count }, (_, index) => ({ text: `answer ${index}`, policy: 'sft' }));

describe('Ranking', () => {
  it('accepts K from 2 to 9 with ties given as groups, best first', () => {
    for (let count = 2; count <= 9; count += 1) {
      const order = [[...Array(count).keys()].slice(0, 2), ...[...Array(count).keys()].slice(2).map((index) => [index])];
      expect(messagesOf({ promptId: 'p', completions: completions(count), order, labelerId: 'l' }, Ranking)).toEqual([]);
    }
  });

  it('rejects K outside 2…9', () => {
    expect(messagesOf({ promptId: 'p', completions: completions(1), order: [[0]], labelerId: 'l' }, Ranking)).toEqual([
      'records.jsonl:7: completions: Too small: expected array to have >=2 items',
    ]);
    const ten = [...Array(10).keys()].map((index) => [index]);
    expect(messagesOf({ promptId: 'p', completions: completions(10), order: ten, labelerId: 'l' }, Ranking)[0]).toMatch(/^records.jsonl:7: completions: .*<=9/);
  });

  it('names the offending order entry for out-of-range, repeated and missing indices', () => {
    const base = { promptId: 'p', completions: completions(3), labelerId: 'l' };
    expect(messagesOf({ ...base, order: [[0], [5], [1, 2]] }, Ranking)).toEqual(['records.jsonl:7: order[1][0]: index 5 is out of range for 3 completions']);
    expect(messagesOf({ ...base, order: [[0], [1], [1, 2]] }, Ranking)).toEqual(['records.jsonl:7: order[2][0]: index 1 appears more than once']);
    expect(messagesOf({ ...base, order: [[0], [2]] }, Ranking)).toEqual(['records.jsonl:7: order: expected a permutation of 0…2; missing 1']);
    expect(messagesOf({ ...base, order: [[0], [], [1, 2]] }, Ranking)[0]).toMatch(/^records.jsonl:7: order\[1\]: /);
    expect(messagesOf({ ...base, order: [[0], [1.5], [2]] }, Ranking)[0]).toMatch(/^records.jsonl:7: order\[1\]\[0\]: .*int/);
  });

  it('gives tied completions the same rank', () => {
    expect(ranksOf({ completions: completions(4), order: [[2], [0, 3], [1]] })).toEqual([1, 2, 0, 1]);
  });
});

describe('Rating', () => {
  const base = { promptId: 'p', completion: 'c', labelerId: 'l' };

  it('accepts integer Likert scores 1 to 7 and defaults absent flags', () => {
    for (let likert = 1; likert <= 7; likert += 1) expect(messagesOf({ ...base, likert }, Rating)).toEqual([]);
    const parsed = Rating.parse({ ...base, likert: 3, flags: { hallucination: true } });
    expect(parsed.flags.hallucination).toBe(true);
    expect(parsed.flags.satisfiesConstraint).toBeNull();
    expect(parsed.flags.harmfulAdvice).toBe(false);
  });

  it('rejects Likert scores out of range or fractional', () => {
    expect(messagesOf({ ...base, likert: 0 }, Rating)).toEqual(['records.jsonl:7: likert: Too small: expected number to be >=1 (got 0)']);
    expect(messagesOf({ ...base, likert: 8 }, Rating)).toEqual(['records.jsonl:7: likert: Too big: expected number to be <=7 (got 8)']);
    expect(messagesOf({ ...base, likert: 4.5 }, Rating)[0]).toMatch(/^records.jsonl:7: likert: .*int/);
  });

  it('carries the eleven metadata flags of the paper', () => {
    expect(RATING_FLAG_NAMES).toHaveLength(11);
    expect(RATING_FLAG_NAMES).toContain('denigratesProtectedClass');
    expect(messagesOf({ ...base, likert: 4, flags: { hallucination: 'yes' } }, Rating)[0]).toMatch(/^records.jsonl:7: flags.hallucination: .*boolean/);
  });
});

describe('Prompt', () => {
  const base = { id: 'p-1', userId: 'u-1', source: 'playground', createdAt: '2026-11-25T06:25:00Z' };

  it('takes text or messages, but not both and not neither', () => {
    expect(messagesOf({ ...base, text: 'Hi' }, Prompt)).toEqual([]);
    expect(messagesOf({ ...base, messages: [{ role: 'user', content: 'Hi' }] }, Prompt)).toEqual([]);
    expect(messagesOf(base, Prompt)).toEqual(['records.jsonl:7: text: expected either "text" or "messages"']);
    expect(messagesOf({ ...base, text: 'Hi', messages: [{ role: 'user', content: 'Hi' }] }, Prompt)[0]).toMatch(/^records.jsonl:7: messages: /);
  });

  it('requires an ISO-8601 date-time and accepts offsets', () => {
    expect(messagesOf({ ...base, text: 'Hi', createdAt: '2026-11-25T07:25:00.123+01:00' }, Prompt)).toEqual([]);
    for (const createdAt of ['2026-11-25', 'yesterday', '2026-13-01T00:00:00Z']) {
      expect(messagesOf({ ...base, text: 'Hi', createdAt }, Prompt)).toEqual([
        'records.jsonl:7: createdAt: expected an ISO-8601 date-time such as 2026-11-25T06:25:00Z',
      ]);
    }
  });

  it('names nested message fields', () => {
    expect(messagesOf({ ...base, messages: [{ role: 'user', content: 'Hi' }, { role: 'robot', content: 'x' }] }, Prompt)[0]).toMatch(
      /^records.jsonl:7: messages\[1\]\.role: /,
    );
  });
});

describe('the other records', () => {
  it('validate demonstrations, pairs and conversations', () => {
    expect(messagesOf({ promptId: 'p', completion: 'ok', labelerId: 'l' }, Demonstration)).toEqual([]);
    expect(messagesOf({ promptId: 'p', completion: '', labelerId: 'l' }, Demonstration)[0]).toMatch(/^records.jsonl:7: completion: /);
    expect(messagesOf({ prompt: 'q', chosen: 'a', rejected: 'b', margin: 1 }, PreferencePair)).toEqual([]);
    expect(messagesOf({ prompt: 'q', chosen: 'a', rejected: 'a' }, PreferencePair)).toEqual(['records.jsonl:7: rejected: is identical to "chosen"']);
    expect(messagesOf({ prompt: 'q', chosen: 'a', rejected: 'b', margin: -1 }, PreferencePair)[0]).toMatch(/^records.jsonl:7: margin: /);
    expect(messagesOf({ messages: [{ role: 'user', content: 'Hi' }] }, ConversationRecord)).toEqual([
      'records.jsonl:7: messages: expected at least one "assistant" turn to train on',
    ]);
  });

  it('maps every CLI kind to a schema', () => {
    expect(Object.keys(RECORD_SCHEMAS)).toEqual(expect.arrayContaining(['prompt', 'demonstration', 'ranking', 'rating', 'pair']));
  });
});

describe('Rating defaults', () => {
  it('gives every parsed rating its own flags object', () => {
    const first = Rating.parse({ promptId: 'p', completion: 'c', labelerId: 'l', likert: 4 });
    first.flags.hallucination = true;
    expect(Rating.parse({ promptId: 'p', completion: 'c', labelerId: 'l', likert: 4 }).flags.hallucination).toBe(false);
  });
});
