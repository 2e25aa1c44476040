import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import { collectCorpus } from '../bench/corpus.mjs';
import { BYTE_TO_UNICODE, preTokenize, trainTokenizer } from '../src/index';

const scratch = mkdtempSync(path.join(tmpdir(), 'instructkit-tokenizer-train-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Reference trainer: recounts every pair from scratch before each merge (no index, no heap).
 * Slow but obviously right; ties go to the smaller ids, bytes numbered in GPT-2's order.
 */
function naiveMerges(texts: string[], merges: number): string[] {
  const byteOrder: number[] = [];
  for (let byte = 0; byte < 256; byte++) if (BYTE_TO_UNICODE[byte]!.charCodeAt(0) === byte) byteOrder.push(byte);
  for (let byte = 0; byte < 256; byte++) if (BYTE_TO_UNICODE[byte]!.charCodeAt(0) !== byte) byteOrder.push(byte);
  const tokens = byteOrder.map((byte) => BYTE_TO_UNICODE[byte]!);
  const idOfByte = new Map(byteOrder.map((byte, id) => [byte, id]));
  const counts = new Map<string, number>();
  for (const text of texts) for (const piece of preTokenize(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  let words = [...counts].map(([piece, count]) => ({ ids: [...new TextEncoder().encode(piece)].map((byte) => idOfByte.get(byte)!), count }));
  const learned: string[] = [];
  for (let step = 0; step < merges; step++) {
    const pairCounts = new Map<string, number>();
    for (const word of words) for (let i = 0; i + 1 < word.ids.length; i++) {
      const key = `${word.ids[i]},${word.ids[i + 1]}`;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + word.count);
    }
    let best: [number, number] | undefined;
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      const [left, right] = key.split(',').map(Number) as [number, number];
      if (count > bestCount || (count === bestCount && best && (left < best[0] || (left === best[0] && right < best[1])))) {
        best = [left, right];
        bestCount = count;
      }
    }
    if (!best || bestCount < 2) break;
    const merged = tokens.length;
    tokens.push(tokens[best[0]]! + tokens[best[1]]!);
    learned.push(`${tokens[best[0]]} ${tokens[best[1]]}`);
    words = words.map((word) => {
      const ids: number[] = [];
      for (let i = 0; i < word.ids.length; i++) {
        if (i + 1 < word.ids.length && word.ids[i] === best![0] && word.ids[i + 1] === best![1]) {
          ids.push(merged);
          i++;
        } else ids.push(word.ids[i]!);
      }
      return { ids, count: word.count };
    });
  }
  return learned;
}

const mergeStrings = (merges: ReadonlyArray<readonly [string, string]>) => merges.map(([left, right]) => `${left} ${right}`);

describe('trainTokenizer', () => {
  it('learns the expected first merges on a small hand-checked corpus', async () => {
    // Pre-tokens: "hug" ×1, " hug" ×2, " pug", " pun", " bun", " hugs".
    // Pair counts: u·g 5, h·u 4, Ġ·h 3 → merge u g; then h·ug 4 → h ug; then Ġ·hug 3 → Ġ hug;
    // then u·n 2 and Ġ·p 2 tie: u (id 84) sorts before Ġ (id 220) → u n, then Ġ p; the rest occur once.
    const tokenizer = await trainTokenizer({ texts: ['hug hug hug pug pun bun hugs'], vocabSize: 300, specialTokens: [] });
    expect(mergeStrings(tokenizer.spec.merges)).toEqual(['u g', 'h ug', 'Ġ hug', 'u n', 'Ġ p']);
    expect(tokenizer.vocabSize).toBe(256 + 5);
    expect(tokenizer.encode(' hugs')).toEqual([tokenizer.tokenToId('Ġhug'), tokenizer.tokenToId('s')]);
  });

  it('learns the same merges as a from-scratch recount on real text', async () => {
    const texts = collectCorpus({ totalBytes: 40_000 }).texts.map((entry) => entry.text);
    const tokenizer = await trainTokenizer({ texts, vocabSize: 256 + 150, specialTokens: [] });
    expect(mergeStrings(tokenizer.spec.merges)).toEqual(naiveMerges(texts, 150));
  });

  it('merges overlapping runs left to right (a a a → aa a)', async () => {
    const tokenizer = await trainTokenizer({ texts: ['aaa aaa aaa aaaa'], vocabSize: 300, specialTokens: [] });
    expect(mergeStrings(tokenizer.spec.merges)).toEqual(naiveMerges(['aaa aaa aaa aaaa'], 50));
    expect(tokenizer.decode(tokenizer.encode('aaaaaaa'))).toBe('aaaaaaa');
  });

  it('is deterministic, and gives ids 0–255 to bytes, then merges, then special tokens', async () => {
    const texts = collectCorpus({ totalBytes: 100_000 }).texts.map((entry) => entry.text);
    const first = await trainTokenizer({ texts, vocabSize: 1000 });
    const second = await trainTokenizer({ texts: (function* () { yield* texts; })(), vocabSize: 1000 });
    expect(second.toTokenizerJson()).toBe(first.toTokenizerJson());
    expect(first.vocabSize).toBe(1000);
    expect(first.idToToken(0)).toBe('!');
    expect(first.idToToken(220)).toBe('Ġ');
    expect(first.tokenToId('<|endoftext|>')).toBe(995);
    expect(first.tokenToId('<|end|>')).toBe(999);
    expect(first.eosTokenId).toBe(995);
  });

  it('reads files and async iterables, and never merges across special-token text', async () => {
    const file = path.join(scratch, 'corpus.txt');
    const text = 'one two<|endoftext|>three <|user|>four\n'.repeat(50);
    writeFileSync(file, text);
    const fromFile = await trainTokenizer({ files: [file], vocabSize: 300 });
    const fromStream = await trainTokenizer({ texts: (async function* () { yield text; })(), vocabSize: 300 });
    expect(fromFile.spec.merges).toEqual(fromStream.spec.merges);
    expect(fromFile.spec.merges.some(([left, right]) => (left + right).includes('<|'))).toBe(false);
    expect(fromFile.encode('<|user|>', { allowedSpecial: 'all' })).toEqual([fromFile.tokenToId('<|user|>')]);
  });

  it('stops at minFrequency', async () => {
    // "ab" ×1 and " ab" ×3: a·b 4, then Ġ·ab 3, then only pairs seen once.
    const tokenizer = await trainTokenizer({ texts: ['ab ab ab ab cd'], vocabSize: 400, specialTokens: [], minFrequency: 3 });
    expect(mergeStrings(tokenizer.spec.merges)).toEqual(['a b', 'Ġ ab']);
  });

  it('trains 1 MB to 4k merges without trouble', async () => {
    const texts = collectCorpus({ totalBytes: 1_000_000 }).texts.map((entry) => entry.text);
    const tokenizer = await trainTokenizer({ texts, vocabSize: 256 + 4000 + 5 });
    expect(tokenizer.spec.merges.length).toBe(4000);
    for (const text of texts.slice(0, 10)) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('rejects bad settings', async () => {
    await expect(trainTokenizer({ texts: ['x'], vocabSize: 100 })).rejects.toThrow(InvalidArgumentError);
    await expect(trainTokenizer({ texts: ['x'], vocabSize: 300, specialTokens: ['<a>', '<a>'] })).rejects.toThrow(/specialTokens\[1\]: "<a>" is listed twice/);
    await expect(trainTokenizer({ vocabSize: 300 })).rejects.toThrow(/texts: give texts or files/);
    await expect(trainTokenizer({ texts: 'one long string' as unknown as string[], vocabSize: 300 })).rejects.toThrow(/not one string/);
    await expect(trainTokenizer({ texts: ['x'], vocabSize: 300, eosToken: '</s>' })).rejects.toThrow(/eosToken: "<\/s>" is not one of specialTokens/);
  });
});
