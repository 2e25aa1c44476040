import { createRng } from './create-rng';

/**
 * The order in which the examples of one epoch are visited: a Fisher–Yates shuffle from
 * core's seeded generator, stream = epoch, so any step's batch can be recomputed on resume
 * without replaying earlier epochs.
 */
export function epochOrder(count: number, seed: number, epoch: number): number[] {
  const rng = createRng(seed, epoch);
  const order = Array.from({ length: count }, (_, index) => index);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
