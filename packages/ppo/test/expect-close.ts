import { expectClose as expectCloseShared } from '@instructkit/test-utils';

/** The house `expectClose` with one absolute tolerance, as these tests' hand-computed values want. */
export function expectClose(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, tolerance = 1e-6): void {
  expectCloseShared(actual, expected, { atol: tolerance, rtol: 0 });
}
