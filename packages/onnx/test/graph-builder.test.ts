import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, decodeModelSummary, float16BitsToFloat32, float32ToFloat16Bits } from '../src/index';

describe('float16 conversion', () => {
  it('matches IEEE 754 half-precision bit patterns, rounding to nearest even', () => {
    // Values from the IEEE 754-2008 binary16 tables.
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [2 ** -14, 0x0400], [2 ** -24, 0x0001],
      [2 ** -26, 0x0000], [0.333251953125, 0x3555], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [Infinity, 0x7c00],
    ];
    for (const [value, bits] of cases) expect(float32ToFloat16Bits(value)).toBe(bits);
    for (const [value, bits] of cases.filter(([value]) => value <= 65504 && value >= 2 ** -24 && value !== 1 + 2 ** -11 && value !== 1 + 3 * 2 ** -11)) {
      expect(float16BitsToFloat32(bits)).toBe(value);
    }
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(Number.NaN)))).toBe(true);
  });
});

describe('GraphBuilder', () => {
  it('names outputs in place, without an Identity copy, keeping their consumers wired', async () => {
    const graph = new GraphBuilder('affine');
    const x = graph.input('x', 'float32', ['n']);
    const doubled = graph.mul(x, graph.scalar(2));
    const shifted = graph.add(doubled, graph.scalar(1));
    graph.output(doubled, 'doubled', ['n']);
    graph.output(shifted, 'shifted', ['n']);
    const bytes = graph.toModel();
    expect(decodeModelSummary(bytes).opTypes).toEqual(['Mul', 'Add']);
    const session = await ort.InferenceSession.create(bytes);
    const outputs = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3), [3]) });
    expect(Array.from(outputs.doubled!.data as Float32Array)).toEqual([2, 4, 6]);
    expect(Array.from(outputs.shifted!.data as Float32Array)).toEqual([3, 5, 7]);
    await session.release();
  });

  it('refuses a value name used twice', () => {
    const graph = new GraphBuilder('twice');
    graph.input('x', 'float32', [1]);
    expect(() => graph.input('x', 'float32', [1])).toThrow(/x is already used/);
  });
});
