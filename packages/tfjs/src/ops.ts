import * as tf from '@tensorflow/tfjs-core';
import './backends';
import { plainMatMul } from './wasm-matmul';

type GradientResult = { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

// tf.customGrad's own typing lumps tensors and the save function into one union; these give each its type.
function customGrad1(body: (input: tf.Tensor, save: tf.GradSaveFunc) => GradientResult): (input: tf.Tensor) => tf.Tensor {
  return tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (input: tf.Tensor) => tf.Tensor;
}

function customGrad3(
  body: (first: tf.Tensor, second: tf.Tensor, third: tf.Tensor, save: tf.GradSaveFunc) => GradientResult,
): (first: tf.Tensor, second: tf.Tensor, third: tf.Tensor) => tf.Tensor {
  return tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (first: tf.Tensor, second: tf.Tensor, third: tf.Tensor) => tf.Tensor;
}

function customGrad2(body: (left: tf.Tensor, right: tf.Tensor, save: tf.GradSaveFunc) => GradientResult): (left: tf.Tensor, right: tf.Tensor) => tf.Tensor {
  return tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (left: tf.Tensor, right: tf.Tensor) => tf.Tensor;
}

/**
 * Matrix product `a @ b` of rank-2 (`[m,k]·[k,n]`) or batched rank-3 (`[b,m,k]·[b,k,n]`)
 * tensors whose forward and gradient only reach tfjs-wasm's fast plain 2-D matMul
 * (see {@link plainMatMul}): its `transposeA`/`transposeB` forms — which the built-in
 * gradient uses — and its batched form run 10–50× slower.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const product = customGrad2((left, right, save) => {
    save([left, right]);
    return {
      value: plainMatMul(left, right),
      gradFunc: (dy, saved) => {
        const [savedLeft, savedRight] = saved as [tf.Tensor, tf.Tensor];
        return [plainMatMul(dy, savedRight, false, true), plainMatMul(savedLeft, dy, true, false)];
      },
    };
  });
  return product(a, b);
}

/**
 * Sums of the rows of a `[n, width]` matrix → `[width]`, as `ones[1,n] @ rows`: tfjs-wasm
 * reduces a non-last axis by transposing first, 40× slower than the fast 2-D matMul.
 */
export function columnSums(rows: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(plainMatMul(tf.ones([1, rows.shape[0]!]), rows), [rows.shape[1]!]) as tf.Tensor1D);
}

/**
 * `x @ weight + bias` for activations of any rank (`[..., in]`) and a Conv1D-layout
 * weight `[in, out]`, through the plain-form {@link matMul}; with a bias, one fused
 * gradient (`dx = dy·Wᵀ`, `dW = xᵀ·dy`, `db` = column sums of `dy`).
 */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const inputSize = x.shape[x.rank - 1]!;
  const outputSize = weight.shape[1]!;
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inputSize]);
  let output: tf.Tensor;
  if (bias) {
    const affine = customGrad3((input, matrix, shift, save) => {
      save([input, matrix]);
      return {
        value: tf.add(plainMatMul(input, matrix), shift),
        gradFunc: (dy, saved) => {
          const [savedInput, savedMatrix] = saved as [tf.Tensor, tf.Tensor];
          return [plainMatMul(dy, savedMatrix, false, true), plainMatMul(savedInput, dy, true, false), columnSums(dy)];
        },
      };
    });
    output = affine(flat, weight, bias);
  } else {
    output = matMul(flat, weight);
  }
  return x.rank === 2 ? output : tf.reshape(output, [...x.shape.slice(0, -1), outputSize]);
}

/**
 * Rows `table[ids]` for int32 ids of any shape, returning `[...ids.shape, width]`.
 * The gradient is a `scatterND` (duplicate ids are summed): tfjs's own gather gradient
 * needs `UnsortedSegmentSum`, which the wasm backend does not register.
 */
export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const width = table.shape[1]!;
  const flatIds = tf.reshape(ids, [-1]) as tf.Tensor1D;
  const lookup = customGrad1((rows, save) => {
    // Saved tensors outlive the forward scope; a captured one would be disposed before the backward pass.
    save([flatIds]);
    return {
      value: tf.gather(rows as tf.Tensor, flatIds),
      gradFunc: (dy, saved) => [tf.scatterND(tf.reshape((saved[0] as tf.Tensor), [-1, 1]), tf.reshape((dy as tf.Tensor), [-1, width]), table.shape)],
    };
  });
  return tf.reshape(lookup(table), [...ids.shape, width]);
}

/**
 * LayerNorm over the last axis: `(x − mean) / sqrt(var + epsilon) · gamma + beta`
 * (biased variance, as PyTorch), with the fused analytic gradient
 * `dx = (g − mean(g) − x̂·mean(g·x̂)) / σ`, `g = dy·gamma` (fewer wasm kernels than autodiff).
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const width = x.shape[x.rank - 1]!;
  const normalize = customGrad3((input, scale, shift, save) => {
    const rows = tf.reshape(input, [-1, width]);
    const mean = tf.mean(rows, -1, true);
    const centered = tf.sub(rows, mean);
    const inverseStd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), epsilon));
    const normalized = tf.mul(centered, inverseStd);
    save([normalized, inverseStd, scale]);
    return {
      value: tf.reshape(tf.add(tf.mul(normalized, scale), shift), input.shape),
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [savedNormalized, savedInverseStd, savedScale] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const dyRows = tf.reshape(dy, [-1, width]);
          const scaled = tf.mul(dyRows, savedScale);
          const dx = tf.mul(
            tf.sub(tf.sub(scaled, tf.mean(scaled, -1, true)), tf.mul(savedNormalized, tf.mean(tf.mul(scaled, savedNormalized), -1, true))),
            savedInverseStd,
          );
          return [tf.reshape(dx, dy.shape), columnSums(tf.mul(dyRows, savedNormalized)), columnSums(dyRows)];
        }),
    };
  });
  return normalize(x, gamma, beta);
}

const GELU_SCALE = Math.sqrt(2 / Math.PI);

/**
 * GPT-2's tanh approximation of GELU: `0.5·x·(1 + tanh(u))`, `u = √(2/π)·(x + 0.044715·x³)`,
 * computed as the identical `x·σ(2u)` (tfjs-wasm's `Sigmoid` is vectorised, its `Tanh` is
 * ≈ 8× slower), with a fused analytic gradient (`pow` and its gradient are slow on wasm).
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const gelu = customGrad1((input, save) => {
    const cube = tf.mul(tf.mul(input, input), input);
    const gate = tf.sigmoid(tf.mul(tf.add(input, tf.mul(cube, 0.044715)), 2 * GELU_SCALE));
    cube.dispose();
    save([input, gate]);
    return {
      value: tf.mul(input, gate),
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [savedInput, savedGate] = saved as [tf.Tensor, tf.Tensor];
          // d/dx = s + x·2s(1 − s)·√(2/π)·(1 + 3·0.044715·x²), s = σ(2u)
          const square = tf.mul(savedInput, savedInput);
          const inner = tf.mul(tf.add(tf.mul(square, 3 * 0.044715), 1), 2 * GELU_SCALE);
          const slope = tf.mul(savedGate, tf.sub(1, savedGate));
          const derivative = tf.add(savedGate, tf.mul(tf.mul(savedInput, slope), inner));
          return [tf.mul(dy, derivative)];
        }),
    };
  });
  return gelu(x);
}

/**
 * `log softmax(logits)[target]` per row, `[n, vocab]` logits and `[n]` int32 targets →
 * `[n]`, with a fused gradient `dy · (onehot − softmax)`: no gather (whose gradient wasm
 * lacks). The probabilities come from the `Softmax` kernel (vectorised on wasm, where
 * `Exp` is scalar) and are kept for the backward pass; the log-normaliser is
 * `max − log(max softmax)`, exact to float32 rounding because the largest probability
 * is at least 1/vocab.
 */
export function targetLogprobs(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const vocabSize = logits.shape[1];
  const select = customGrad1((input, save) => {
    const rows = input as tf.Tensor2D;
    const probabilities = tf.softmax(rows);
    const logNormalizer = tf.tidy(() => tf.sub(tf.max(rows, -1), tf.log(tf.max(probabilities, -1))));
    const oneHot = floatOneHot(targets, vocabSize);
    const chosen = tf.sum(tf.mul(rows, oneHot), -1);
    save([probabilities, targets]);
    oneHot.dispose();
    return {
      value: tf.sub(chosen, logNormalizer),
      gradFunc: (dy, saved) => {
        const [savedProbabilities, savedTargets] = saved as [tf.Tensor2D, tf.Tensor1D];
        const hot = floatOneHot(savedTargets, vocabSize);
        return [tf.mul(tf.sub(hot, savedProbabilities), tf.expandDims((dy as tf.Tensor), 1))];
      },
    };
  });
  return select(logits) as tf.Tensor1D;
}

// tfjs-wasm 4.22's OneHot writes integer bits into a float32 output; build int32 and cast instead.
function floatOneHot(indices: tf.Tensor, depth: number): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.oneHot(indices as tf.Tensor1D, depth), 'float32'));
}

/** Entropy (nats) of `softmax(logits)` per row: `[n, vocab]` → `[n]`. */
export function softmaxEntropy(logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const logProbabilities = tf.logSoftmax(logits);
    return tf.neg(tf.sum(tf.mul(tf.exp(logProbabilities), logProbabilities), -1)) as tf.Tensor1D;
  });
}
