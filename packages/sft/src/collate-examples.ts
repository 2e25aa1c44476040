import { InvalidArgumentError, type LanguageModelingTask } from '@instructkit/core';
import { collateLanguageModeling } from '@instructkit/data';
import type { LanguageModelingExample } from './language-modeling-example';

/**
 * Core's `LanguageModelingTask` from examples via `@instructkit/data`'s
 * `collateLanguageModeling`: right-padded to the longest row (cut to `maxLength` from the
 * right), loss on action t where token t+1 is a real target.
 *
 * @param examples - At least one; the longest must have at least 2 tokens.
 * @param padTokenId - Id at padded positions (masked out).
 * @param maxLength - Longest row in tokens. Default: unlimited.
 * @throws InvalidArgumentError for no examples, an empty one, or rows shorter than 2 tokens.
 */
export function collateExamples(examples: readonly LanguageModelingExample[], padTokenId: number, maxLength?: number): LanguageModelingTask {
  if (examples.length === 0) throw new InvalidArgumentError('examples', 'expected at least one example');
  return collateLanguageModeling(
    examples.map((example) => Array.from(example.ids)),
    { padTokenId, ...(maxLength !== undefined ? { maxLength } : {}), lossMasks: examples.map((example) => example.targetMask) },
  );
}

/**
 * Sequence packing: concatenates examples (in the given order) and cuts the stream into rows
 * of exactly `length` tokens, so no compute is spent on padding. Examples attend to the ones
 * before them in the same row (the GPT pretraining convention); an example's first token is
 * never a target when it starts a row, since nothing in the row predicts it.
 *
 * @throws InvalidArgumentError for `length` < 2.
 */
export function packExamples(examples: readonly LanguageModelingExample[], length: number): LanguageModelingExample[] {
  if (!Number.isInteger(length) || length < 2) throw new InvalidArgumentError('length', `must be an integer ≥ 2, got ${length}`);
  const total = examples.reduce((sum, example) => sum + example.ids.length, 0);
  const ids = new Int32Array(total);
  const targetMask = new Uint8Array(total);
  let offset = 0;
  for (const example of examples) {
    ids.set(example.ids, offset);
    targetMask.set(example.targetMask, offset);
    offset += example.ids.length;
  }
  const rows: LanguageModelingExample[] = [];
  for (let start = 0; start < total; start += length) {
    const end = Math.min(total, start + length);
    if (end - start < 2) break;
    rows.push({ ids: ids.slice(start, end), targetMask: targetMask.slice(start, end) });
  }
  return rows;
}
