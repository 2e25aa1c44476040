import { describe, expect, it } from 'vitest';
import { capPerUser, dedupeByPrefix, splitByUser, type Prompt } from '../src/index';

/** Deterministic pseudo-random generator for building test corpora (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value ^= value + Math.imul(value ^ (value >>> 7), 61 | value);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function prompt(id: number, userId: string, text: string): Prompt {
  return { id: `p-${id}`, text, userId, source: 'test', createdAt: '2026-11-25T06:25:00Z' };
}

describe('dedupeByPrefix', () => {
  it('drops prompts whose normalised prefix matches an earlier one', () => {
    const prompts = [
      prompt(0, 'u', 'Write a story about a dragon who learns to read.'),
      prompt(1, 'u', 'write a  story about a DRAGON who learns to cook.'),
      prompt(2, 'u', 'Write a poem.'),
      prompt(3, 'u', 'Write a poem.'),
      prompt(4, 'u', 'Write a poem about the sea.'),
    ];
    const { kept, removed } = dedupeByPrefix(prompts, { prefixLength: 30 });
    expect(kept.map((item) => item.id)).toEqual(['p-0', 'p-2', 'p-4']);
    expect(removed).toEqual([
      { index: 1, duplicateOf: 0 },
      { index: 3, duplicateOf: 2 },
    ]);
  });

  it('agrees with an all-pairs reference on random prompts', () => {
    const next = random(7);
    const words = ['the', 'cat', 'sat', 'on', 'mat', 'dog'];
    const texts = Array.from({ length: 300 }, () => Array.from({ length: 1 + Math.floor(next() * 8) }, () => words[Math.floor(next() * words.length)]).join(' '));
    const prefixLength = 12;
    // Reference: an item is a duplicate if any earlier kept item has the same first 12 characters (or the same text when shorter).
    const referenceKept: number[] = [];
    texts.forEach((text, index) => {
      if (!referenceKept.some((other) => texts[other]!.slice(0, prefixLength) === text.slice(0, prefixLength))) referenceKept.push(index);
    });
    const { kept } = dedupeByPrefix(texts, { prefixLength, text: (text) => text, normalize: false });
    expect(kept).toEqual(referenceKept.map((index) => texts[index]));
  });

  it('deduplicates 200k prompts in one pass (speed is measured in bench/)', () => {
    const texts = Array.from({ length: 200_000 }, (_, index) => `Please summarise document number ${index % 150_000} for the quarterly report of team ${index % 7}`);
    const { kept } = dedupeByPrefix(texts, { prefixLength: 40, text: (text) => text });
    // The first 40 characters hold the whole document number: 150 000 distinct prompts, 50 000 repeats.
    expect(kept).toHaveLength(150_000);
    expect(kept.at(-1)).toBe(texts[149_999]);
  });
});

describe('capPerUser', () => {
  const prompts = Array.from({ length: 500 }, (_, index) => prompt(index, index < 450 ? 'heavy' : `light-${index % 5}`, `prompt ${index}`));

  it('keeps at most N per user and everything of lighter users', () => {
    const kept = capPerUser(prompts, { maxPerUser: 200, seed: 1 });
    expect(kept.filter((item) => item.userId === 'heavy')).toHaveLength(200);
    expect(kept.filter((item) => item.userId !== 'heavy')).toHaveLength(50);
  });

  it('chooses the same prompts for the same seed whatever the input order, and others for another seed', () => {
    const ids = (items: Prompt[]) => items.map((item) => item.id).sort();
    const first = capPerUser(prompts, { seed: 3 });
    const reversed = capPerUser([...prompts].reverse(), { seed: 3 });
    expect(ids(reversed)).toEqual(ids(first));
    expect(ids(capPerUser(prompts, { seed: 4 }))).not.toEqual(ids(first));
  });
});

describe('splitByUser', () => {
  const next = random(11);
  const prompts = Array.from({ length: 3000 }, (_, index) => prompt(index, `user-${Math.floor(next() * 400)}`, `prompt ${index}`));

  it('never puts one user in two splits', () => {
    const split = splitByUser(prompts, { seed: 5 });
    const usersOf = (items: Prompt[]) => new Set(items.map((item) => item.userId));
    const train = usersOf(split.train);
    const valid = usersOf(split.valid);
    const test = usersOf(split.test);
    for (const user of valid) expect(train.has(user)).toBe(false);
    for (const user of test) expect(train.has(user) || valid.has(user)).toBe(false);
    expect(split.train.length + split.valid.length + split.test.length).toBe(prompts.length);
  });

  it('tracks the requested fractions of prompts', () => {
    const split = splitByUser(prompts, { seed: 5, fractions: { train: 0.7, valid: 0.2, test: 0.1 } });
    expect(split.train.length / prompts.length).toBeCloseTo(0.7, 1);
    expect(split.valid.length / prompts.length).toBeCloseTo(0.2, 1);
    expect(split.test.length / prompts.length).toBeCloseTo(0.1, 1);
  });

  it('is deterministic by seed and independent of input order', () => {
    const first = splitByUser(prompts, { seed: 9 });
    const shuffled = splitByUser([...prompts].reverse(), { seed: 9 });
    expect([...shuffled.assignment].sort()).toEqual([...first.assignment].sort());
  });

  it('refuses fractions that do not sum to 1', () => {
    expect(() => splitByUser(prompts, { fractions: { train: 0.8, valid: 0.1, test: 0.2 } })).toThrow(/fractions/);
  });
});

describe('normalisation in dedupeByPrefix', () => {
  it('matches a regex-based reference: trimmed, whitespace collapsed, lower-cased', () => {
    const next = random(3);
    const pieces = ['A', 'b', ' ', '  ', '\t', '\n', 'Ç', 'x', '\u00a0'];
    const texts = Array.from({ length: 2000 }, () => Array.from({ length: Math.floor(next() * 14) }, () => pieces[Math.floor(next() * pieces.length)]).join(''));
    const prefixLength = 6;
    const reference = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase().slice(0, prefixLength);
    const referenceKept: string[] = [];
    const seen = new Set<string>();
    for (const text of texts) {
      if (!seen.has(reference(text))) {
        seen.add(reference(text));
        referenceKept.push(text);
      }
    }
    expect(dedupeByPrefix(texts, { prefixLength, text: (text) => text }).kept).toEqual(referenceKept);
  });
});

describe('scrubPrompt', () => {
  it('scrubs text prompts and every message of chat prompts', async () => {
    const { scrubPrompt } = await import('../src/index');
    expect(scrubPrompt(prompt(1, 'u', 'mail a@b.io')).prompt.text).toBe('mail [EMAIL]');
    const chat = { ...prompt(2, 'u', 'x'), text: undefined, messages: [{ role: 'system' as const, content: 'ok' }, { role: 'user' as const, content: 'ip 10.1.2.3' }] };
    const { prompt: scrubbed, findings } = scrubPrompt(chat);
    expect(scrubbed.messages![1]!.content).toBe('ip [IP]');
    expect(findings).toEqual([{ type: 'IP', start: 3, end: 11, message: 1 }]);
  });
});

describe('cleanPrompts', () => {
  it('scrubs, dedupes after scrubbing, caps and splits, reporting each step', async () => {
    const { cleanPrompts } = await import('../src/index');
    const items = [
      prompt(0, 'a', 'Email me at one@example.com about the plan'),
      prompt(1, 'a', 'Email me at two@example.org about the plan'),
      ...Array.from({ length: 30 }, (_, index) => prompt(10 + index, `user-${index % 10}`, `Task number ${index}`)),
      ...Array.from({ length: 5 }, (_, index) => prompt(100 + index, 'heavy', `Heavy prompt ${index}`)),
    ];
    const { train, valid, test, report } = cleanPrompts(items, { prefixLength: 30, maxPerUser: 3, seed: 2 });
    expect(report).toMatchObject({ input: 37, scrubbedPrompts: 2, duplicates: 1, overCap: 2 });
    expect(report.findings.EMAIL).toBe(2);
    expect(train.length + valid.length + test.length).toBe(34);
    expect([...train, ...valid, ...test].some((item) => item.text!.includes('@'))).toBe(false);
  });
});
