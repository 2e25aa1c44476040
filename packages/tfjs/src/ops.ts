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
 * `x @ weight + bias` for activations of any rank (`[..., in]`) and a Conv1D-layout
 * weight `[in, out]`, through the plain-form {@link matMul}.
 */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const inputSize = x.shape[x.rank - 1]!;
  const outputSize = weight.shape[1]!;
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inputSize]);
  let output = matMul(flat, weight);
  if (bias) output = tf.add(output, bias);
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
          return [tf.reshape(dx, dy.shape), tf.sum(tf.mul(dyRows, savedNormalized), 0), tf.sum(dyRows, 0)];
        }),
    };
  });
  return normalize(x, gamma, beta);
}

const GELU_SCALE = Math.sqrt(2 / Math.PI);

/**
 * GPT-2's tanh approximation of GELU: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, with
 * a fused analytic gradient (`pow` and its gradient are slow on wasm).
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const gelu = customGrad1((input, save) => {
    const cube = tf.mul(tf.mul(input, input), input);
    const tanh = tf.tanh(tf.mul(tf.add(input, tf.mul(cube, 0.044715)), GELU_SCALE));
    cube.dispose();
    save([input, tanh]);
    return {
      value: tf.mul(tf.mul(input, 0.5), tf.add(tanh, 1)),
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [savedInput, savedTanh] = saved as [tf.Tensor, tf.Tensor];
          // d/dx = ½(1 + t) + ½·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)
          const square = tf.mul(savedInput, savedInput);
          const inner = tf.mul(tf.add(tf.mul(square, 3 * 0.044715), 1), GELU_SCALE);
          const sech2 = tf.sub(1, tf.mul(savedTanh, savedTanh));
          const derivative = tf.add(tf.mul(tf.add(savedTanh, 1), 0.5), tf.mul(tf.mul(tf.mul(savedInput, 0.5), sech2), inner));
          return [tf.mul(dy, derivative)];
        }),
    };
  });
  return gelu(x);
}

/**
 * `log softmax(logits)[target]` per row, `[n, vocab]` logits and `[n]` int32 targets →
 * `[n]`, with a fused gradient `dy · (onehot − softmax)`: no gather (whose gradient wasm
 * lacks) and no `[n, vocab]` log-softmax kept for the backward pass.
 */
export function targetLogprobs(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const vocabSize = logits.shape[1];
  const select = customGrad1((input, save) => {
    const rows = input as tf.Tensor2D;
    const logNormalizer = tf.logSumExp(rows, -1);
    const oneHot = floatOneHot(targets, vocabSize);
    const chosen = tf.sum(tf.mul(rows, oneHot), -1);
    save([rows, logNormalizer, targets]);
    oneHot.dispose();
    return {
      value: tf.sub(chosen, logNormalizer),
      gradFunc: (dy, saved) => {
        const [savedRows, savedNormalizer, savedTargets] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const probabilities = tf.exp(tf.sub(savedRows, tf.expandDims(savedNormalizer, 1)));
        const hot = floatOneHot(savedTargets, vocabSize);
        return [tf.mul(tf.sub(hot, probabilities), tf.expandDims((dy as tf.Tensor), 1))];
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
