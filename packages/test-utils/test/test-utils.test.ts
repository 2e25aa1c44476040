import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelConfig, readSafetensors, toFloat32 } from '@instructkit/core';
import { expectClose, finiteDifferenceGradient, fixturePath, seededRandomArray } from '../src/index';

describe('expectClose', () => {
  it('passes within atol + rtol·|expected| and treats two NaNs as equal', () => {
    expect(() => expectClose(Float32Array.from([1, 100, Number.NaN]), [1 + 9e-6, 100.001, Number.NaN], { atol: 1e-5, rtol: 1e-5 })).not.toThrow();
    expect(() => expectClose(2, 2.0000001)).not.toThrow();
    expect(() => expectClose([Infinity], [Infinity])).not.toThrow();
  });

  it('reports the failure count and the worst index with both values', () => {
    expect(() => expectClose([1, 2, 3.5, 4.01], [1, 2, 3, 4], { atol: 1e-3, rtol: 0, label: 'logprobs' })).toThrow(
      /^logprobs: 2 of 4 entries differ; worst at \[2\]: actual 3\.5, expected 3 /,
    );
    expect(() => expectClose([Number.NaN], [1], { label: 'x' })).toThrow(/x: 1 of 1 entries differ; worst at \[0\]: actual NaN/);
    expect(() => expectClose([1, 2], [1])).toThrow(/value: length 2 differs from the expected 1/);
  });
});

describe('finiteDifferenceGradient', () => {
  it('matches analytic gradients of smooth functions', () => {
    const x = [0.3, -1.2, 2.0];
    // f = Σ sin(x_i) · x_i², ∂f/∂x_i = cos(x_i)·x_i² + 2·x_i·sin(x_i)
    const numeric = finiteDifferenceGradient((point) => point.reduce((sum, value) => sum + Math.sin(value) * value * value, 0), x);
    const analytic = x.map((value) => Math.cos(value) * value * value + 2 * value * Math.sin(value));
    expectClose(numeric, analytic, { atol: 1e-5, rtol: 1e-5, label: 'gradient' });
  });

  it('leaves the input untouched', () => {
    const x = Float64Array.from([1, 2]);
    finiteDifferenceGradient((point) => point[0]! * point[1]!, x);
    expect(Array.from(x)).toEqual([1, 2]);
  });
});

describe('seededRandomArray', () => {
  it('is reproducible and respects the distribution', () => {
    expect(seededRandomArray(16, 3)).toEqual(seededRandomArray(16, 3));
    expect(seededRandomArray(16, 3)).not.toEqual(seededRandomArray(16, 4));
    const uniform = seededRandomArray(1000, 1, { scale: 0.5 });
    expect(Math.max(...uniform)).toBeLessThan(0.5);
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(-0.5);
    const normal = seededRandomArray(10000, 2, { distribution: 'normal', scale: 0.2 });
    const std = Math.sqrt(normal.reduce((sum, value) => sum + value * value, 0) / normal.length);
    expect(Math.abs(std - 0.2)).toBeLessThan(0.01); // standard error 0.0014
  });
});

describe('fixturePath', () => {
  it('points at the tiny GPT-2 fixtures, whose three files agree with each other', async () => {
    const directory = fixturePath('tiny-gpt2');
    expect(path.isAbsolute(directory)).toBe(true);
    const config = await loadModelConfig(directory);
    const expected = JSON.parse(await readFile(path.join(directory, 'expected.json'), 'utf8'));
    expect(expected.cases.length).toBeGreaterThan(1);
    for (const testCase of expected.cases) {
      expect(testCase.logprobs.length).toBe(testCase.ids.length - 1);
      expect(testCase.lastLogSoftmax.length).toBe(config.vocabSize);
    }
    // Same weights in every variant: F32 with prefix, F16 without, BF16 scalar trunk.
    const f32 = (await readSafetensors(path.join(directory, 'model.safetensors'))).tensors;
    const f16 = (await readSafetensors(fixturePath('tiny-gpt2-noprefix/model.safetensors'))).tensors;
    const bf16 = (await readSafetensors(fixturePath('tiny-gpt2-scalar/model.safetensors'))).tensors;
    expect(toFloat32(f16.get('h.1.mlp.c_fc.weight')!)).toEqual(toFloat32(f32.get('transformer.h.1.mlp.c_fc.weight')!));
    expect(toFloat32(bf16.get('transformer.wte.weight')!)).toEqual(toFloat32(f32.get('transformer.wte.weight')!));
    expect(bf16.get('score.weight')!.shape).toEqual([1, 32]);
    expect(() => fixturePath('no-such-fixture')).toThrow(/fixture "no-such-fixture" does not exist/);
  });
});
