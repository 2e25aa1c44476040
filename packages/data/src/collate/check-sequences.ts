import { InvalidArgumentError } from '@instructkit/core';

/** A per-token 0/1 mask, as a plain array or a typed array. */
export type TokenMask = readonly number[] | Uint8Array;

/** Checks token sequences (non-empty, integer ids) and optional masks of the same lengths. */
export function checkSequences(argument: string, sequences: readonly (readonly number[])[], masks?: readonly TokenMask[]): void {
  if (sequences.length === 0) throw new InvalidArgumentError(argument, 'expected at least one sequence');
  sequences.forEach((sequence, index) => {
    if (sequence.length === 0) throw new InvalidArgumentError(`${argument}[${index}]`, 'is empty');
    for (const id of sequence) {
      if (!Number.isInteger(id) || id < 0) throw new InvalidArgumentError(`${argument}[${index}]`, `token id ${id} is not a non-negative integer`);
    }
  });
  if (masks !== undefined) {
    if (masks.length !== sequences.length) throw new InvalidArgumentError('lossMasks', `expected ${sequences.length} masks, got ${masks.length}`);
    masks.forEach((mask, index) => {
      if (mask.length !== sequences[index]!.length) {
        throw new InvalidArgumentError(`lossMasks[${index}]`, `has ${mask.length} entries for a sequence of ${sequences[index]!.length} tokens`);
      }
    });
  }
}

/** Checks an optional positive integer setting. */
export function checkPositiveInteger(argument: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new InvalidArgumentError(argument, `expected a positive integer, got ${value}`);
}
