/** Tolerances of `expectClose`. */
export interface CloseOptions {
  /** Absolute tolerance. Default: 1e-5. */
  readonly atol?: number;
  /** Relative tolerance, times |expected|. Default: 1e-5. */
  readonly rtol?: number;
  /** Names the compared quantity in the failure message. Default: `value`. */
  readonly label?: string;
}

type Numbers = number | ArrayLike<number>;

/**
 * Asserts `|actual − expected| ≤ atol + rtol·|expected|` elementwise (NumPy's `allclose`
 * rule). Two NaNs count as equal; a NaN against a number does not. On failure throws an
 * `Error` naming the label, how many entries failed, and the worst index with both values.
 *
 * @param actual - A number or a numeric array (typed or plain).
 * @param expected - Same length as `actual`.
 * @param options - Tolerances and label.
 * @throws {Error} `logprobs: 3 of 31 entries differ; worst at [7]: actual -2.3012, expected -2.3001 (|diff| 1.1e-3 > tol 2.4e-5)`.
 * @example
 * expectClose(result.logprobs, fixture.logprobs, { atol: 1e-4, label: 'logprobs' });
 */
export function expectClose(actual: Numbers, expected: Numbers, options: CloseOptions = {}): void {
  const { atol = 1e-5, rtol = 1e-5, label = 'value' } = options;
  const actualValues = typeof actual === 'number' ? [actual] : actual;
  const expectedValues = typeof expected === 'number' ? [expected] : expected;
  if (actualValues.length !== expectedValues.length) {
    throw new Error(`${label}: length ${actualValues.length} differs from the expected ${expectedValues.length}`);
  }
  let failures = 0;
  let worstIndex = -1;
  let worstExcess = -Infinity;
  for (let index = 0; index < actualValues.length; index++) {
    const got = Number(actualValues[index]);
    const want = Number(expectedValues[index]);
    if (Number.isNaN(got) && Number.isNaN(want)) continue;
    const difference = Math.abs(got - want);
    const tolerance = atol + rtol * Math.abs(want);
    // Infinite values must match exactly (their difference is NaN).
    const ok = got === want || difference <= tolerance;
    if (ok) continue;
    failures++;
    const excess = Number.isNaN(difference) ? Infinity : difference - tolerance;
    if (excess > worstExcess) {
      worstExcess = excess;
      worstIndex = index;
    }
  }
  if (failures === 0) return;
  const got = Number(actualValues[worstIndex]);
  const want = Number(expectedValues[worstIndex]);
  const where = typeof actual === 'number' ? '' : ` [${worstIndex}]`;
  throw new Error(
    `${label}: ${failures} of ${actualValues.length} entries differ; worst at${where}: actual ${got}, expected ${want} ` +
      `(|diff| ${Math.abs(got - want).toExponential(2)} > tol ${(atol + rtol * Math.abs(want)).toExponential(2)})`,
  );
}
