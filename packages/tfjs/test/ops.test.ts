import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { expectClose, finiteDifferenceGradient } from '@instructkit/test-utils';
import { selectBackend } from '../src/backends';
import { embeddingLookup, geluTanh, layerNorm, linear, matMul, targetLogprobs } from '../src/ops';
import { plainMatMul } from '../src/wasm-matmul';
import { randomIntegers } from './helpers';

function values(seed: number, count: number, scale = 1): Float32Array {
  const next = randomIntegers(seed);
  return Float32Array.from({ length: count }, () => ((next(2001) - 1000) / 1000) * scale);
}

/** Checks d(Σ w·f(inputs))/d(input k) of a custom-gradient op against central differences. */
function checkOp(name: string, shapes: number[][], op: (...inputs: tf.Tensor[]) => tf.Tensor, seed: number): void {
  const inputs = shapes.map((shape, index) => values(seed + index, shape.reduce((a, b) => a * b, 1)));
  const outputSize = tf.tidy(() => op(...inputs.map((data, index) => tf.tensor(data, shapes[index]))).size);
  const weights = values(seed + 99, outputSize);
  const objective = (...tensors: tf.Tensor[]) => tf.sum(tf.mul(tf.reshape(op(...tensors), [-1]), weights));
  const analytic = tf.tidy(() => tf.grads(objective)(inputs.map((data, index) => tf.tensor(data, shapes[index]))).map((gradient) => gradient.dataSync()));
  inputs.forEach((data, inputIndex) => {
    const numeric = finiteDifferenceGradient((point) => {
      return tf.tidy(() =>
        objective(...inputs.map((other, index) => tf.tensor(index === inputIndex ? Float32Array.from(point) : other, shapes[index]))).dataSync()[0]!,
      );
    }, data, 1e-2);
    expectClose(analytic[inputIndex]!, numeric, { atol: 5e-3, rtol: 1e-2, label: `${name} d/d input ${inputIndex}` });
  });
}

describe('custom-gradient ops (cpu, against finite differences)', () => {
  beforeAll(async () => {
    await selectBackend({ backend: 'cpu', log: () => undefined });
  });

  it('matMul, 2-D and batched', () => {
    checkOp('matMul 2-D', [[3, 4], [4, 2]], (a, b) => matMul(a!, b!), 1);
    checkOp('matMul batched', [[2, 3, 4], [2, 4, 3]], (a, b) => matMul(a!, b!), 2);
  });

  it('linear with a bias (input, weight and bias)', () => {
    checkOp('linear', [[2, 3, 4], [4, 5], [5]], (x, weight, bias) => linear(x!, weight!, bias!), 8);
  });

  it('embeddingLookup sums the gradient of repeated ids', () => {
    const ids = tf.tensor2d([[1, 3, 1], [0, 1, 4]], [2, 3], 'int32');
    checkOp('embedding', [[5, 3]], (table) => embeddingLookup(table!, ids), 3);
  });

  it('layerNorm (input, gain and bias)', () => {
    checkOp('layerNorm', [[2, 3, 5], [5], [5]], (x, gamma, beta) => layerNorm(x!, gamma!, beta!, 1e-5), 4);
  });

  it('geluTanh', () => {
    checkOp('gelu', [[4, 6]], (x) => geluTanh(tf.mul(x!, 3)), 5);
  });

  it('targetLogprobs', () => {
    const targets = tf.tensor1d([2, 0, 5], 'int32');
    checkOp('targetLogprobs', [[3, 6]], (logits) => targetLogprobs(logits as tf.Tensor2D, targets), 6);
  });

  it('layerNorm and geluTanh agree with their textbook forms', () => {
    const x = tf.tensor2d(values(7, 12, 2), [3, 4]);
    const mean = tf.mean(x, -1, true);
    const variance = tf.mean(tf.square(tf.sub(x, mean)), -1, true);
    expectClose(layerNorm(x, tf.ones([4]), tf.zeros([4]), 1e-5).dataSync(), tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))).dataSync(), { atol: 1e-5, label: 'layerNorm' });
    const reference = Array.from(x.dataSync(), (value) => 0.5 * value * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (value + 0.044715 * value ** 3))));
    expectClose(geluTanh(x).dataSync(), reference, { atol: 1e-6, label: 'gelu' });
  });
});

/** `op(a) @ op(b)` in float64 on the host, the reference for the wasm kernel. */
function referenceProduct(a: Float32Array, b: Float32Array, count: number, [m, k, n]: [number, number, number], transposeA: boolean, transposeB: boolean): Float64Array {
  const out = new Float64Array(count * m * n);
  for (let item = 0; item < count; item++) {
    for (let row = 0; row < m; row++) {
      for (let col = 0; col < n; col++) {
        let sum = 0;
        for (let inner = 0; inner < k; inner++) {
          const left = a[item * m * k + (transposeA ? inner * m + row : row * k + inner)]!;
          const right = b[item * k * n + (transposeB ? col * k + inner : inner * n + col)]!;
          sum += left * right;
        }
        out[item * m * n + row * n + col] = sum;
      }
    }
  }
  return out;
}

describe('plain-form matMul on wasm', () => {
  beforeAll(async () => {
    await selectBackend({ backend: 'wasm', log: () => undefined });
  });

  it('plainMatMul matches a host product for every transpose, 2-D and batched', () => {
    const [m, k, n] = [40, 50, 36]; // 72,000 multiply-adds per item: large enough for the per-item kernel
    for (const count of [1, 3]) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const a = values(20 + count, count * m * k);
          const b = values(30 + count, count * k * n);
          const shapeA = transposeA ? [k, m] : [m, k];
          const shapeB = transposeB ? [n, k] : [k, n];
          const product = tf.tidy(() =>
            plainMatMul(tf.tensor(a, count === 1 ? shapeA : [count, ...shapeA]), tf.tensor(b, count === 1 ? shapeB : [count, ...shapeB]), transposeA, transposeB).dataSync(),
          );
          expectClose(product, referenceProduct(a, b, count, [m, k, n], transposeA, transposeB), { atol: 1e-5, label: `count ${count} tA ${transposeA} tB ${transposeB}` });
        }
      }
    }
  });

  it('matMul and linear gradients against finite differences', () => {
    checkOp('matMul 2-D (wasm)', [[3, 4], [4, 2]], (a, b) => matMul(a!, b!), 11);
    checkOp('matMul batched (wasm)', [[2, 3, 4], [2, 4, 3]], (a, b) => matMul(a!, b!), 12);
    checkOp('linear (wasm)', [[2, 3, 4], [4, 5], [5]], (x, weight, bias) => linear(x!, weight!, bias!), 13);
    checkOp('targetLogprobs (wasm)', [[3, 6]], (logits) => targetLogprobs(logits as tf.Tensor2D, tf.tensor1d([2, 0, 5], 'int32')), 14);
  });
});
