import { InvalidArgumentError } from '@instructkit/core';

/** Serializable state of `RunningMoments`. */
export interface RunningMomentsState {
  /** Values seen. */
  readonly count: number;
  /** Running mean. */
  readonly mean: number;
  /** Running sum of squared deviations from the mean (M2 of Welford/Chan). */
  readonly sumSquares: number;
}

/**
 * Mean and standard deviation of every value seen so far, updated batch by batch with
 * Chan et al.'s parallel combination (exact, numerically stable). PPO uses it to
 * normalise reward-model scores with statistics that do not jump from batch to batch.
 *
 * @example
 * const moments = new RunningMoments();
 * moments.update(scores);
 * const normalised = scores.map((score) => (score - moments.mean) / moments.std);
 */
export class RunningMoments {
  /** Values seen. */
  count = 0;
  /** Mean of all values seen (0 before any). */
  mean = 0;
  private sumSquares = 0;

  /** Starts from a saved state, or empty. */
  constructor(state?: RunningMomentsState) {
    if (state) {
      this.count = state.count;
      this.mean = state.mean;
      this.sumSquares = state.sumSquares;
    }
  }

  /** Unbiased variance of all values seen (0 with fewer than two). */
  get variance(): number {
    return this.count > 1 ? this.sumSquares / (this.count - 1) : 0;
  }

  /** Unbiased standard deviation of all values seen; 1 with fewer than two, so dividing by it is safe. */
  get std(): number {
    return this.count > 1 ? Math.sqrt(this.variance) : 1;
  }

  /**
   * Adds a batch.
   * @throws InvalidArgumentError when a value is not finite.
   */
  update(values: ArrayLike<number>): void {
    if (values.length === 0) return;
    let batchMean = 0;
    for (let index = 0; index < values.length; index++) {
      const value = values[index]!;
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`values[${index}]`, `is not finite (${value})`);
      batchMean += value;
    }
    batchMean /= values.length;
    let batchSquares = 0;
    for (let index = 0; index < values.length; index++) batchSquares += (values[index]! - batchMean) ** 2;
    const total = this.count + values.length;
    const delta = batchMean - this.mean;
    this.sumSquares += batchSquares + (delta * delta * this.count * values.length) / total;
    this.mean += (delta * values.length) / total;
    this.count = total;
  }

  /** State to checkpoint. */
  state(): RunningMomentsState {
    return { count: this.count, mean: this.mean, sumSquares: this.sumSquares };
  }
}
