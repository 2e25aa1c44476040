import { describe, expect, it } from 'vitest';
import { expectClose, seededRandomArray } from '@instructkit/test-utils';
import { resolveAdamW } from '@instructkit/core';
import { flatAdamWStep } from './flat-adamw';
import { createWasmAdamWBuffers } from './wasm-adamw';

describe('createWasmAdamWBuffers', () => {
  it('steps like flatAdamWStep, on segments that start and end anywhere', () => {
    const count = 1031;
    const buffers = createWasmAdamWBuffers(count);
    expect(buffers).toBeDefined();
    const settings = resolveAdamW({ learningRate: 0.01, beta1: 0.8, beta2: 0.95, epsilon: 1e-6, weightDecay: 0.1 });
    // Odd sizes and offsets: the SIMD loop covers four at a time, the rest goes through the scalar step.
    const segments = [
      { offset: 0, size: 7, decay: true },
      { offset: 7, size: 513, decay: false },
      { offset: 520, size: 511, decay: true },
    ];
    const parameters = seededRandomArray(count, 1);
    const reference = { parameters: Float32Array.from(parameters), first: new Float32Array(count), second: new Float32Array(count) };
    buffers!.parameters.set(parameters);
    for (let step = 1; step <= 3; step++) {
      const gradients = seededRandomArray(count, 10 + step);
      buffers!.gradients.set(gradients);
      buffers!.step(segments, settings, 0.01 / step, step, 0.5);
      flatAdamWStep(reference.parameters, gradients, reference.first, reference.second, segments, settings, 0.01 / step, step, 0.5);
    }
    // float32 arithmetic against one rounding from float64: a few ulps.
    expectClose(buffers!.parameters, reference.parameters, { atol: 1e-6, rtol: 1e-6, label: 'parameters' });
    expectClose(buffers!.firstMoments, reference.first, { atol: 1e-7, rtol: 1e-6, label: 'first moments' });
    expectClose(buffers!.secondMoments, reference.second, { atol: 1e-8, rtol: 1e-6, label: 'second moments' });
  });

  it('declines buffers beyond the 4 GiB a WebAssembly memory can hold', () => {
    expect(createWasmAdamWBuffers(300_000_000)).toBeUndefined();
  });
});
