import { InvalidArgumentError } from '@instructkit/core';
import type { Prompt } from '../records/prompt';
import { promptText } from './prompt-text';

/** Settings of {@link dedupeByPrefix}. */
export interface DedupeByPrefixOptions<T> {
  /**
   * Characters of normalised text that must match for two prompts to count as
   * duplicates; shorter prompts must match in full. Default: 100.
   */
  readonly prefixLength?: number;
  /** Text of an item. Default: a {@link Prompt}'s `text` or joined `messages`. */
  readonly text?: (item: T) => string;
  /** Lower-case and collapse whitespace before comparing. Default: true. */
  readonly normalize?: boolean;
}

/** Result of {@link dedupeByPrefix}. */
export interface DedupeResult<T> {
  /** The first item of each group, in input order. */
  readonly kept: T[];
  /** Each dropped item's input index and the index of the kept item it duplicates. */
  readonly removed: { readonly index: number; readonly duplicateOf: number }[];
}

const IRREGULAR_WHITESPACE = /^\s|\s$|\s\s|[^\S ]/;

function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x2028 || code === 0x2029 || code === 0x3000 || code === 0xfeff || (code >= 0x2000 && code <= 0x200a) || code === 0x1680 || code === 0x202f || code === 0x205f;
}

/**
 * The first `length` characters after trimming, collapsing whitespace runs to one space
 * and lower-casing — scanning only as far as needed, which keeps 1M long prompts fast.
 */
function normalizedPrefix(text: string, length: number): string {
  // Fast path (most prompts): no leading, trailing, repeated or non-space whitespace in the head.
  const head = text.slice(0, length + 1);
  if (!IRREGULAR_WHITESPACE.test(head)) return head.toLowerCase().slice(0, length);
  let key = '';
  let pendingSpace = false;
  for (let index = 0; index < text.length && key.length < length; index += 1) {
    const code = text.charCodeAt(index);
    if (isSpace(code)) {
      pendingSpace = key.length > 0;
      continue;
    }
    if (pendingSpace) {
      key += ' ';
      pendingSpace = false;
      if (key.length >= length) break;
    }
    key += text[index];
  }
  // Lower-casing can lengthen a few characters (İ → i̇): cut again.
  return key.toLowerCase().slice(0, length);
}

/**
 * Drops prompts that share a long common prefix with an earlier one, as InstructGPT
 * deduplicated its prompts (§3.2: "prompts that share a long common prefix"). Two
 * prompts are duplicates when their first `prefixLength` normalised characters are
 * equal (or, for shorter prompts, their whole normalised text). One hash-map pass:
 * O(n · prefixLength) time, O(n) memory — 1M prompts take seconds.
 *
 * @param items - Prompts (or anything with text; see `options.text`).
 * @param options - Prefix length, text accessor, normalisation.
 * @throws InvalidArgumentError when `prefixLength` is not a positive integer.
 * @example
 * ```ts
 * const { kept, removed } = dedupeByPrefix(prompts, { prefixLength: 80 });
 * ```
 */
export function dedupeByPrefix<T = Prompt>(items: readonly T[], options: DedupeByPrefixOptions<T> = {}): DedupeResult<T> {
  const prefixLength = options.prefixLength ?? 100;
  if (!Number.isInteger(prefixLength) || prefixLength < 1) throw new InvalidArgumentError('prefixLength', `expected a positive integer, got ${prefixLength}`);
  const textOf = options.text ?? ((item: T) => promptText(item as unknown as Prompt));
  const normalize = options.normalize ?? true;
  const firstByPrefix = new Map<string, number>();
  const kept: T[] = [];
  const removed: { index: number; duplicateOf: number }[] = [];
  items.forEach((item, index) => {
    const text = textOf(item);
    const key = normalize ? normalizedPrefix(text, prefixLength) : text.slice(0, prefixLength);
    const first = firstByPrefix.get(key);
    if (first === undefined) {
      firstByPrefix.set(key, index);
      kept.push(item);
    } else {
      removed.push({ index, duplicateOf: first });
    }
  });
  return { kept, removed };
}
