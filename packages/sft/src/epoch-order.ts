/**
 * The order in which the examples of one epoch are visited: a Fisher–Yates shuffle driven by
 * a mulberry32 stream seeded from (seed, epoch), so any step's batch can be recomputed on
 * resume without replaying earlier epochs.
 */
export function epochOrder(count: number, seed: number, epoch: number): number[] {
  let state = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: count }, (_, index) => index);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
