import { describe, expect, it } from 'vitest';
import { createRng, InvalidArgumentError } from '../src/index';

describe('createRng', () => {
  it('produces the xoshiro128** reference outputs from a known state', () => {
    // First outputs of the reference C implementation (prng.di.unimi.it) from state {1, 2, 3, 4}.
    const rng = createRng();
    rng.setState({ algorithm: 'xoshiro128**', state: [1, 2, 3, 4] });
    expect(Array.from({ length: 6 }, () => rng.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('gives the same stream for the same seed and different streams otherwise', () => {
    const draw = (seed: number, stream = 0) => {
      const rng = createRng(seed, stream);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42, 1)).not.toEqual(draw(42, 0));
  });

  it('resumes exactly from a saved state that went through JSON', () => {
    const rng = createRng(7);
    rng.next();
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const expected = [rng.next(), rng.normal(), rng.nextInt(10)];
    const restored = createRng(999);
    restored.setState(saved);
    expect([restored.next(), restored.normal(), restored.nextInt(10)]).toEqual(expected);
  });

  it('draws uniforms in [0, 1) with the right mean and variance', () => {
    const rng = createRng(1);
    const values = Array.from({ length: 20000 }, () => rng.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
    // Standard errors: 0.0020 for the mean, 0.0006 for the variance (1/12).
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
  });

  it('draws standard normals and uniform integers', () => {
    const rng = createRng(2);
    const normals = Array.from({ length: 20000 }, () => rng.normal());
    const mean = normals.reduce((sum, value) => sum + value, 0) / normals.length;
    const variance = normals.reduce((sum, value) => sum + (value - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.03); // standard error 0.007
    expect(Math.abs(variance - 1)).toBeLessThan(0.05); // standard error 0.01
    const counts = new Array(6).fill(0);
    for (let draw = 0; draw < 6000; draw++) counts[rng.nextInt(6)]++;
    const chiSquare = counts.reduce((sum, count) => sum + (count - 1000) ** 2 / 1000, 0);
    expect(chiSquare).toBeLessThan(20.5); // χ²(5) at p = 0.001
  });

  it('rejects bad seeds, bounds and states', () => {
    expect(() => createRng(1.5)).toThrow(InvalidArgumentError);
    expect(() => createRng().nextInt(0)).toThrow(/n: must be an integer in \[1, 2\^32\]/);
    expect(() => createRng().setState({ algorithm: 'xoshiro128**', state: [0, 0, 0, 0] })).toThrow(/state: is not an xoshiro128\*\* state/);
  });
});
