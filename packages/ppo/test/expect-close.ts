import { expect } from 'vitest';

/** Asserts element-wise |actual − expected| ≤ tolerance, naming the first bad index. */
export function expectClose(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, tolerance = 1e-6): void {
  const actualArray = typeof actual === 'number' ? [actual] : Array.from(actual);
  const expectedArray = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(actualArray.length).toBe(expectedArray.length);
  actualArray.forEach((value, index) => {
    const difference = Math.abs(value - expectedArray[index]!);
    if (!(difference <= tolerance)) {
      expect.fail(`index ${index}: ${value} differs from ${expectedArray[index]} by ${difference} (tolerance ${tolerance})`);
    }
  });
}
