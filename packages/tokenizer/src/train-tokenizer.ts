import { createReadStream } from 'node:fs';
import { InvalidArgumentError } from '@instructkit/core';
import { BYTE_TO_UNICODE, GPT2_BYTE_ORDER } from './byte-level';
import { CHAT_SPECIAL_TOKENS } from './chat-template';
import { splitGpt2 } from './gpt2-splitter';
import { specialTokenPattern } from './special-token-pattern';
import { Tokenizer } from './tokenizer';
import type { AddedToken } from './tokenizer-spec';

/** Settings of {@link trainTokenizer}. */
export interface TrainTokenizerSettings {
  /** Training text: strings from an array, a generator or an async stream. Each string is one document. */
  readonly texts?: Iterable<string> | AsyncIterable<string>;
  /** UTF-8 text files read as a stream (cut at line ends, so a file can exceed memory). */
  readonly files?: readonly string[];
  /**
   * Target number of ids: 256 byte tokens + merges + special tokens. Training stops earlier
   * when no pair occurs `minFrequency` times, so the result may be smaller. Minimum
   * 256 + number of special tokens.
   */
  readonly vocabSize: number;
  /**
   * Special tokens, given the last ids in this order. Default `<|endoftext|>` then the chat
   * markers `<|system|> <|user|> <|assistant|> <|end|>` (what `renderChat` needs).
   * Occurrences in the training text are cut out before counting.
   */
  readonly specialTokens?: readonly string[];
  /** Least count a pair needs to be merged. Default 2. */
  readonly minFrequency?: number;
  /** End-of-sequence token; must be one of `specialTokens`. Default `<|endoftext|>` when present, else the first special token. */
  readonly eosToken?: string;
}

const DEFAULT_SPECIAL_TOKENS: readonly string[] = ['<|endoftext|>', ...CHAT_SPECIAL_TOKENS];
const PAIR_STRIDE = 2 ** 21;

/**
 * Max-heap of pairs by count; ties go to the smaller left id, then the smaller right id,
 * which makes training deterministic. Entries may be stale (lazy deletion).
 */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  private before(countA: number, keyA: number, countB: number, keyB: number): boolean {
    return countA > countB || (countA === countB && keyA < keyB);
  }

  push(count: number, key: number): void {
    const counts = this.counts;
    const keys = this.keys;
    let index = keys.length;
    counts.push(count);
    keys.push(key);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(count, key, counts[parent]!, keys[parent]!)) break;
      counts[index] = counts[parent]!;
      keys[index] = keys[parent]!;
      index = parent;
    }
    counts[index] = count;
    keys[index] = key;
  }

  /** Removes the top entry and returns `[count, key]`. */
  pop(): [number, number] {
    const counts = this.counts;
    const keys = this.keys;
    const top: [number, number] = [counts[0]!, keys[0]!];
    const lastCount = counts.pop()!;
    const lastKey = keys.pop()!;
    const size = keys.length;
    if (size > 0) {
      let index = 0;
      for (;;) {
        let child = 2 * index + 1;
        if (child >= size) break;
        if (child + 1 < size && this.before(counts[child + 1]!, keys[child + 1]!, counts[child]!, keys[child]!)) child++;
        if (!this.before(counts[child]!, keys[child]!, lastCount, lastKey)) break;
        counts[index] = counts[child]!;
        keys[index] = keys[child]!;
        index = child;
      }
      counts[index] = lastCount;
      keys[index] = lastKey;
    }
    return top;
  }
}

async function* readTextFile(file: string): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    pending += chunk as string;
    const lineEnd = pending.lastIndexOf('\n');
    if (lineEnd >= 0) {
      yield pending.slice(0, lineEnd + 1);
      pending = pending.slice(lineEnd + 1);
    }
  }
  if (pending) yield pending;
}

/**
 * Trains a byte-level BPE vocabulary (GPT-2's scheme) on text: pre-tokenize with GPT-2's
 * pattern, count pre-tokens, then repeatedly merge the most frequent adjacent pair, with
 * pair counts updated incrementally (an index from pair to words and a lazy max-heap).
 * Ids: 0–255 are the bytes in GPT-2's order, then one id per merge, then the special tokens.
 * Deterministic: ties go to the pair with the smaller ids.
 * @throws InvalidArgumentError for a bad setting or no text.
 * @example
 * const tokenizer = await trainTokenizer({ texts: documents, vocabSize: 4096 });
 * tokenizer.renderChat([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
 */
export async function trainTokenizer(settings: TrainTokenizerSettings): Promise<Tokenizer> {
  const specialTokens = settings.specialTokens ?? DEFAULT_SPECIAL_TOKENS;
  const minFrequency = settings.minFrequency ?? 2;
  if (!Number.isInteger(settings.vocabSize) || settings.vocabSize < 256 + specialTokens.length) {
    throw new InvalidArgumentError('vocabSize', `must be an integer ≥ 256 + ${specialTokens.length} special tokens, got ${settings.vocabSize}`);
  }
  if (settings.vocabSize > PAIR_STRIDE) throw new InvalidArgumentError('vocabSize', `must be at most ${PAIR_STRIDE}`);
  if (!Number.isFinite(minFrequency) || minFrequency < 1) throw new InvalidArgumentError('minFrequency', `must be ≥ 1, got ${minFrequency}`);
  specialTokens.forEach((token, index) => {
    if (typeof token !== 'string' || token.length === 0) throw new InvalidArgumentError(`specialTokens[${index}]`, 'must be a non-empty string');
    if (specialTokens.indexOf(token) !== index) throw new InvalidArgumentError(`specialTokens[${index}]`, `${JSON.stringify(token)} is listed twice`);
  });
  const eosToken = settings.eosToken ?? (specialTokens.includes('<|endoftext|>') ? '<|endoftext|>' : specialTokens[0]);
  if (eosToken !== undefined && !specialTokens.includes(eosToken)) {
    throw new InvalidArgumentError('eosToken', `${JSON.stringify(eosToken)} is not one of specialTokens`);
  }
  if (settings.texts === undefined && settings.files === undefined) throw new InvalidArgumentError('texts', 'give texts or files');
  if (typeof settings.texts === 'string') {
    // A string is iterable too — one character per "document" — which is never what is meant.
    throw new InvalidArgumentError('texts', 'must be an iterable of documents, not one string: wrap it in an array');
  }

  // 1. Count pre-tokens, with special-token text cut out so that markers never become merges.
  const wordCounts = new Map<string, number>();
  const specialRegex = specialTokens.length > 0 ? specialTokenPattern(specialTokens) : null;
  const countText = (text: string) => {
    if (typeof text !== 'string') throw new InvalidArgumentError('texts', `must yield strings, got ${typeof text}`);
    const segments = specialRegex ? text.split(specialRegex) : [text];
    for (const segment of segments) {
      splitGpt2(segment, (start, end) => {
        const piece = segment.slice(start, end);
        wordCounts.set(piece, (wordCounts.get(piece) ?? 0) + 1);
      });
    }
  };
  if (settings.texts !== undefined) for await (const text of settings.texts) countText(text);
  for (const file of settings.files ?? []) for await (const text of readTextFile(file)) countText(text);

  // 2. Words as id sequences; ids 0–255 are the bytes in GPT-2's order.
  const byteId = new Int32Array(256);
  GPT2_BYTE_ORDER.forEach((byte, id) => {
    byteId[byte] = id;
  });
  const tokens: string[] = GPT2_BYTE_ORDER.map((byte) => BYTE_TO_UNICODE[byte]!);
  const encoder = new TextEncoder();
  const words: Int32Array[] = [];
  const counts: number[] = [];
  for (const [piece, count] of wordCounts) {
    const bytes = encoder.encode(piece);
    const word = new Int32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) word[i] = byteId[bytes[i]!]!;
    words.push(word);
    counts.push(count);
  }
  wordCounts.clear();

  // 3. Pair counts and, for each pair, the words it occurs in (duplicates allowed).
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  words.forEach((word, wordIndex) => {
    const count = counts[wordIndex]!;
    for (let i = 0; i + 1 < word.length; i++) {
      const key = word[i]! * PAIR_STRIDE + word[i + 1]!;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      const list = pairWords.get(key);
      if (list === undefined) pairWords.set(key, [wordIndex]);
      else if (list[list.length - 1] !== wordIndex) list.push(wordIndex);
    }
  });
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  // 4. Merge until the vocabulary is full or no pair is frequent enough.
  const targetMerges = settings.vocabSize - 256 - specialTokens.length;
  const merges: [string, string][] = [];
  const visited = new Int32Array(words.length).fill(-1);
  const touched = new Set<number>();
  while (merges.length < targetMerges && heap.size > 0) {
    const [storedCount, key] = heap.pop();
    const count = pairCounts.get(key) ?? 0;
    if (count !== storedCount) {
      if (count > 0) heap.push(count, key);
      continue;
    }
    if (count < minFrequency) break;
    const left = Math.floor(key / PAIR_STRIDE);
    const right = key - left * PAIR_STRIDE;
    const merged = tokens.length;
    tokens.push(tokens[left]! + tokens[right]!);
    merges.push([tokens[left]!, tokens[right]!]);
    touched.clear();
    for (const wordIndex of pairWords.get(key) ?? []) {
      if (visited[wordIndex] === merged) continue;
      visited[wordIndex] = merged;
      const word = words[wordIndex]!;
      const wordCount = counts[wordIndex]!;
      // Rewrite the word left to right, merging non-overlapping occurrences (`a a a` → `aa a`).
      const rewritten: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
          rewritten.push(merged);
          i++;
        } else rewritten.push(word[i]!);
      }
      if (rewritten.length === word.length) continue;
      // Take the old pairs out and put the new ones in; pairs with the new token are new keys.
      for (let i = 0; i + 1 < word.length; i++) {
        const oldKey = word[i]! * PAIR_STRIDE + word[i + 1]!;
        pairCounts.set(oldKey, pairCounts.get(oldKey)! - wordCount);
      }
      for (let i = 0; i + 1 < rewritten.length; i++) {
        const newKey = rewritten[i]! * PAIR_STRIDE + rewritten[i + 1]!;
        pairCounts.set(newKey, (pairCounts.get(newKey) ?? 0) + wordCount);
        if (rewritten[i] === merged || rewritten[i + 1] === merged) {
          touched.add(newKey);
          const list = pairWords.get(newKey);
          if (list === undefined) pairWords.set(newKey, [wordIndex]);
          else if (list[list.length - 1] !== wordIndex) list.push(wordIndex);
        }
      }
      words[wordIndex] = Int32Array.from(rewritten);
    }
    pairCounts.delete(key);
    pairWords.delete(key);
    for (const newKey of touched) heap.push(pairCounts.get(newKey)!, newKey);
  }

  const vocab = new Map<string, number>();
  tokens.forEach((token, id) => vocab.set(token, id));
  const addedTokens: AddedToken[] = specialTokens.map((content, index) => ({ id: tokens.length + index, content, special: true }));
  return new Tokenizer({ vocab, merges, addedTokens, eosToken });
}
