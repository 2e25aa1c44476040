import { InvalidArgumentError } from '@instructkit/core';

/** A proportion with its two-sided confidence interval. */
export interface Proportion {
  /** Point estimate in [0, 1]. */
  readonly rate: number;
  /** Lower bound of the interval. */
  readonly ciLow: number;
  /** Upper bound of the interval. */
  readonly ciHigh: number;
  /** Number of trials. */
  readonly n: number;
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927), which stays inside
 * [0, 1] and behaves at small n and extreme rates, unlike the normal approximation.
 * `successes` may be fractional (ties counted as half a win).
 *
 * @param successes Number of successes, 0 ≤ successes ≤ n.
 * @param n Number of trials, ≥ 0. With n = 0 the interval is [0, 1] around 0.5.
 * @param z Normal quantile. Default: 1.959964 (95%).
 * @throws InvalidArgumentError when successes is outside [0, n].
 */
export function wilsonInterval(successes: number, n: number, z = 1.959963984540054): Proportion {
  if (!(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError('n', `must be a finite number ≥ 0, got ${n}`);
  if (!(successes >= 0 && successes <= n)) {
    throw new InvalidArgumentError('successes', `must lie in [0, ${n}], got ${successes}`);
  }
  if (n === 0) return { rate: 0.5, ciLow: 0, ciHigh: 1, n: 0 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { rate: p, ciLow: Math.max(0, centre - halfWidth), ciHigh: Math.min(1, centre + halfWidth), n };
}

/**
 * Percentile bootstrap interval of the mean of `values` (each in any range), for
 * statistics the Wilson interval does not cover (mean Likert, mean reward).
 *
 * @param values Observations.
 * @param options.resamples Bootstrap resamples. Default: 2000.
 * @param options.confidence Two-sided level. Default: 0.95.
 * @param options.random Uniform [0, 1) source; pass a seeded one for reproducible intervals.
 */
export function bootstrapMeanInterval(
  values: readonly number[],
  options: { resamples?: number; confidence?: number; random: () => number },
): { mean: number; ciLow: number; ciHigh: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, ciLow: Number.NaN, ciHigh: Number.NaN, n: 0 };
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(options.random() * n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const tail = (1 - confidence) / 2;
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))]!;
  return { mean, ciLow: at(tail), ciHigh: at(1 - tail), n };
}
