import { describe, expect, it } from 'vitest';
import { epochOrder } from '../src/epoch-order';

describe('epochOrder', () => {
  it('is a permutation, the same for the same seed and epoch, and different across epochs', () => {
    const first = epochOrder(50, 7, 0);
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, 7, 0)).toEqual(first);
    expect(epochOrder(50, 7, 1)).not.toEqual(first);
    expect(epochOrder(50, 8, 0)).not.toEqual(first);
  });

  it('visits every position about equally often over many epochs (no shuffle bias)', () => {
    const counts = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
    for (let epoch = 0; epoch < 5000; epoch++) epochOrder(5, 1, epoch).forEach((item, position) => counts[item]![position]!++);
    for (const row of counts) for (const count of row) expect(Math.abs(count - 1000)).toBeLessThan(120);
  });
});
