import { beforeAll, describe, expect, it } from 'vitest';
import { getEncoding } from 'js-tiktoken';
import { InvalidArgumentError } from '@instructkit/core';
import { CHAT_SPECIAL_TOKENS, loadTokenizer, type Tokenizer } from '../src/index';

let gpt2: Tokenizer;
let chatGpt2: Tokenizer;

beforeAll(async () => {
  gpt2 = await loadTokenizer('gpt2');
  chatGpt2 = gpt2.withSpecialTokens(CHAT_SPECIAL_TOKENS);
});

describe('special tokens', () => {
  const oracle = getEncoding('gpt2');
  const text = 'Hello<|endoftext|> world';

  it('encodes special-token text as plain text unless allowed', () => {
    expect(gpt2.encode(text)).toEqual(oracle.encode(text, [], []));
    expect(gpt2.encode(text)).not.toContain(50256);
  });

  it('encodes it as the special token when allowed by "all" or by name, like js-tiktoken', () => {
    expect(gpt2.encode(text, { allowedSpecial: 'all' })).toEqual(oracle.encode(text, 'all'));
    expect(gpt2.encode(text, { allowedSpecial: new Set(['<|endoftext|>']) })).toContain(50256);
    expect(gpt2.encode(text, { allowedSpecial: ['<|endoftext|>'] })).toContain(50256);
    expect(gpt2.encode(text, { allowedSpecial: new Set(['<|other|>']) })).not.toContain(50256);
  });

  it('allows some special tokens and not others', () => {
    const ids = chatGpt2.encode('<|user|>hi<|assistant|>', { allowedSpecial: new Set(['<|user|>']) });
    expect(ids[0]).toBe(chatGpt2.tokenToId('<|user|>'));
    expect(ids).not.toContain(chatGpt2.tokenToId('<|assistant|>'));
    expect(chatGpt2.decode(ids)).toBe('<|user|>hi<|assistant|>');
  });

  it('appends new special tokens after the vocabulary and can skip them when decoding', () => {
    expect(chatGpt2.vocabSize).toBe(50257 + 4);
    expect(CHAT_SPECIAL_TOKENS.map((token) => chatGpt2.tokenToId(token))).toEqual([50257, 50258, 50259, 50260]);
    expect(chatGpt2.withSpecialTokens(['<|user|>']).vocabSize).toBe(chatGpt2.vocabSize);
    const ids = chatGpt2.encode('<|user|>Hi<|end|>', { allowedSpecial: 'all' });
    expect(chatGpt2.decode(ids, { skipSpecialTokens: true })).toBe('Hi');
    expect(chatGpt2.isSpecialId(50257)).toBe(true);
    expect(chatGpt2.isSpecialId(15496)).toBe(false);
  });

  it('matches special tokens made of regex syntax characters literally, longest first', () => {
    const tokens = ['<|im-start|>', '[INST]', '(a+b)*', '<|im-start|>x', '\\d'];
    const custom = gpt2.withSpecialTokens(tokens);
    const text = '<|im-start|>x<|im-start|>[INST]ab(a+b)*\\d aab';
    const ids = custom.encode(text, { allowedSpecial: 'all' });
    const [longest, start, inst, expression, backslash] = [tokens[3], tokens[0], tokens[1], tokens[2], tokens[4]].map((token) => custom.tokenToId(token!)!);
    expect(ids.slice(0, 3)).toEqual([longest, start, inst]);
    expect(ids).toContain(expression);
    expect(ids).toContain(backslash);
    expect(custom.decode(ids)).toBe(text);
  });

  it('rejects ids outside the vocabulary when decoding', () => {
    expect(() => gpt2.decode([15496, 50257])).toThrow(InvalidArgumentError);
    expect(() => gpt2.decode([-1])).toThrow(/ids\[0\]: -1 is not a token id/);
  });
});

describe('createStreamDecoder', () => {
  it('gives back the text token by token, holding a character whose bytes span tokens', () => {
    const text = 'Snow ☃ and 🎉 at the end: 日本';
    const ids = gpt2.encode(text);
    const stream = gpt2.createStreamDecoder();
    const chunks = ids.map((id) => stream.push(id));
    chunks.push(stream.flush());
    expect(chunks.join('')).toBe(text);
    // 🎉 is 4 bytes split over several tokens: some pushes return nothing, none returns U+FFFD.
    expect(chunks.some((chunk) => chunk === '')).toBe(true);
    expect(chunks.join('')).not.toContain('\ufffd');
    const bytes = ids.reduce((sum, id) => sum + gpt2.tokenBytes(id)!.length, 0);
    expect(bytes).toBe(new TextEncoder().encode(text).length);
  });

  it('ends an unfinished character with U+FFFD on flush', () => {
    const ids = gpt2.encode('🎉');
    const stream = gpt2.createStreamDecoder();
    expect(stream.push(ids[0]!)).toBe('');
    expect(stream.flush()).toBe('\ufffd');
  });
});

describe('encodeBatch', () => {
  const texts = ['Hello world', 'A longer sentence with more tokens', ''];

  it('pads on the right with the pad id and masks the padding', () => {
    const batch = gpt2.encodeBatch(texts, { padding: 'right' });
    const rows = texts.map((text) => gpt2.encode(text));
    const length = Math.max(...rows.map((row) => row.length));
    expect(batch.batchSize).toBe(3);
    expect(batch.length).toBe(length);
    rows.forEach((row, index) => {
      const ids = Array.from(batch.ids.subarray(index * length, (index + 1) * length));
      const mask = Array.from(batch.attentionMask.subarray(index * length, (index + 1) * length));
      expect(ids).toEqual([...row, ...Array(length - row.length).fill(50256)]);
      expect(mask).toEqual([...Array(row.length).fill(1), ...Array(length - row.length).fill(0)]);
    });
  });

  it('pads on the left for generation', () => {
    const batch = gpt2.encodeBatch(['Hi', 'Hello there friend'], { padding: 'left' });
    const short = gpt2.encode('Hi');
    const row = Array.from(batch.ids.subarray(0, batch.length));
    expect(row.slice(batch.length - short.length)).toEqual(short);
    expect(Array.from(batch.attentionMask.subarray(0, batch.length))).toEqual([...Array(batch.length - short.length).fill(0), ...Array(short.length).fill(1)]);
  });

  it('truncates at either end, pads to maxLength when asked, and refuses to cut silently', () => {
    const ids = gpt2.encode(texts[1]!);
    const right = gpt2.encodeBatch([texts[1]!], { maxLength: 3, truncation: true });
    expect(Array.from(right.ids)).toEqual(ids.slice(0, 3));
    const left = gpt2.encodeBatch([texts[1]!], { maxLength: 3, truncation: 'left' });
    expect(Array.from(left.ids)).toEqual(ids.slice(-3));
    const fixed = gpt2.encodeBatch(['Hi'], { maxLength: 8, padToMaxLength: true });
    expect(fixed.length).toBe(8);
    expect(() => gpt2.encodeBatch([texts[1]!], { maxLength: 3 })).toThrow(/texts\[0\]: has \d+ tokens, more than maxLength 3/);
    expect(() => gpt2.encodeBatch(['x'], { maxLength: 0 })).toThrow(InvalidArgumentError);
  });
});

describe('renderChat', () => {
  const conversation = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Name a colour <|assistant|>' },
    { role: 'assistant', content: ' Teal, of course.' },
  ] as const;

  it('renders the template and marks exactly the assistant content and its end marker', () => {
    const rendered = chatGpt2.renderChat(conversation);
    expect(rendered.text).toBe('<|system|>\nBe brief.<|end|>\n<|user|>\nName a colour <|assistant|><|end|>\n<|assistant|>\n Teal, of course.<|end|>\n');
    expect(rendered.assistantMask.length).toBe(rendered.ids.length);
    const learned = rendered.ids.filter((_, index) => rendered.assistantMask[index] === 1);
    expect(learned).toEqual([...chatGpt2.encode(' Teal, of course.'), chatGpt2.tokenToId('<|end|>')]);
  });

  it('gives the same ids as encoding the rendered text with markers allowed, for ordinary content', () => {
    const plain = [{ role: 'user', content: 'Hi there' }, { role: 'assistant', content: 'Hello!\n' }] as const;
    const rendered = chatGpt2.renderChat(plain);
    expect(rendered.ids).toEqual(chatGpt2.encode(rendered.text, { allowedSpecial: 'all' }));
  });

  it('never turns marker text inside content into a marker', () => {
    const rendered = chatGpt2.renderChat(conversation);
    const assistantId = chatGpt2.tokenToId('<|assistant|>')!;
    expect(rendered.ids.filter((id) => id === assistantId)).toHaveLength(1);
  });

  it('ends with the generation prompt when asked', () => {
    const rendered = chatGpt2.renderChat([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
    expect(rendered.text.endsWith('<|assistant|>\n')).toBe(true);
    expect(rendered.ids.slice(-2)).toEqual([chatGpt2.tokenToId('<|assistant|>'), ...chatGpt2.encode('\n')]);
    expect(Array.from(rendered.assistantMask).every((value) => value === 0)).toBe(true);
  });

  it('explains how to get chat markers into a tokenizer that lacks them', () => {
    expect(() => gpt2.renderChat(conversation)).toThrow(/has no <\|system\|> token; .*tokenizer\.withSpecialTokens\(CHAT_SPECIAL_TOKENS\)/);
    expect(() => chatGpt2.renderChat([{ role: 'robot' as 'user', content: 'x' }])).toThrow(/messages\[0\]\.role: must be system, user or assistant/);
  });
});
