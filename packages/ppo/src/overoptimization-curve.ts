/** One PPO iteration on the over-optimisation plot. */
export interface OveroptimizationPoint {
  /** Iteration. */
  readonly step: number;
  /** KL(π ‖ π_ref) of the iteration's rollout (nats per response). */
  readonly kl: number;
  /** Mean proxy (reward-model) score. */
  readonly reward: number;
  /** Mean gold score. */
  readonly goldReward: number;
}

/** Gold vs proxy reward against KL, and where the gold reward peaked. */
export interface OveroptimizationCurve {
  /** Iterations that logged a gold reward, in step order. */
  readonly points: readonly OveroptimizationPoint[];
  /** The iteration with the highest gold reward (the first, on ties); absent without points. */
  readonly peak?: OveroptimizationPoint;
  /**
   * Gold reward lost since the peak: peak gold − last gold (≥ 0). A clearly positive value
   * while `reward` keeps rising is reward over-optimisation (Gao et al. 2022).
   */
  readonly goldDropSincePeak: number;
}

/**
 * Extracts the over-optimisation curve from PPO metrics (`trainPpo`'s `history`, or the
 * lines of `metrics.jsonl`): for every iteration with a `gold_reward`, its KL, proxy
 * reward and gold reward, plus the gold peak. Records without `gold_reward` are skipped.
 *
 * @param records - Metrics with `step`, `kl`, `reward` and (optionally) `gold_reward`.
 * @example
 * const { peak, goldDropSincePeak } = overoptimizationCurve(result.history);
 */
export function overoptimizationCurve(records: readonly Readonly<Record<string, unknown>>[]): OveroptimizationCurve {
  const points: OveroptimizationPoint[] = records
    .filter((record) => typeof record.gold_reward === 'number' && typeof record.kl === 'number' && typeof record.reward === 'number')
    .map((record) => ({ step: Number(record.step), kl: record.kl as number, reward: record.reward as number, goldReward: record.gold_reward as number }))
    .sort((left, right) => left.step - right.step);
  if (points.length === 0) return { points, goldDropSincePeak: 0 };
  const peak = points.reduce((best, point) => (point.goldReward > best.goldReward ? point : best));
  return { points, peak, goldDropSincePeak: peak.goldReward - points.at(-1)!.goldReward };
}
