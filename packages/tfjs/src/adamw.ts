import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, type AdamWSettings } from '@instructkit/core';

/** Resolved AdamW hyper-parameters (defaults filled in). */
export interface ResolvedAdamW {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

/**
 * Fills AdamW defaults and checks ranges.
 * @throws {InvalidArgumentError} naming `optimizer.<field>`.
 */
export function resolveAdamW(settings: AdamWSettings): ResolvedAdamW {
  const resolved = {
    learningRate: settings.learningRate,
    beta1: settings.beta1 ?? 0.9,
    beta2: settings.beta2 ?? 0.999,
    epsilon: settings.epsilon ?? 1e-8,
    weightDecay: settings.weightDecay ?? 0,
  };
  if (!(resolved.learningRate >= 0)) throw new InvalidArgumentError('optimizer.learningRate', `must be ≥ 0, got ${settings.learningRate}`);
  for (const field of ['beta1', 'beta2'] as const) {
    if (!(resolved[field] >= 0 && resolved[field] < 1)) throw new InvalidArgumentError(`optimizer.${field}`, `must be in [0, 1), got ${resolved[field]}`);
  }
  if (!(resolved.epsilon > 0)) throw new InvalidArgumentError('optimizer.epsilon', `must be > 0, got ${resolved.epsilon}`);
  if (!(resolved.weightDecay >= 0)) throw new InvalidArgumentError('optimizer.weightDecay', `must be ≥ 0, got ${resolved.weightDecay}`);
  return resolved;
}

/**
 * AdamW (Loshchilov & Hutter 2019) as PyTorch's `torch.optim.AdamW` computes it:
 * `p ← p·(1 − lr·wd)` (decoupled decay, matrices only), `m ← β1·m + (1−β1)·g`,
 * `v ← β2·v + (1−β2)·g²`, `p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)`.
 * Moments are tfjs variables, one pair per parameter, in parameter order.
 */
export class AdamW {
  /** First moments. */
  readonly firstMoments: tf.Variable[];
  /** Second moments. */
  readonly secondMoments: tf.Variable[];

  constructor(parameters: readonly tf.Variable[]) {
    this.firstMoments = parameters.map((parameter) => tf.variable(tf.zerosLike(parameter), false));
    this.secondMoments = parameters.map((parameter) => tf.variable(tf.zerosLike(parameter), false));
  }

  /**
   * Applies one update.
   * @param parameters - Same order as at construction.
   * @param gradients - One per parameter, already clipped / averaged.
   * @param settings - Hyper-parameters.
   * @param learningRate - This step's learning rate (from the schedule).
   * @param step - 1-based step number for bias correction.
   */
  apply(parameters: readonly tf.Variable[], gradients: readonly tf.Tensor[], settings: ResolvedAdamW, learningRate: number, step: number): void {
    const { beta1, beta2, epsilon, weightDecay } = settings;
    const stepSize = learningRate / (1 - beta1 ** step);
    const secondCorrectionRoot = Math.sqrt(1 - beta2 ** step);
    tf.tidy(() => {
      parameters.forEach((parameter, index) => {
        const gradient = gradients[index]!;
        const first = this.firstMoments[index]!;
        const second = this.secondMoments[index]!;
        let value: tf.Tensor = parameter;
        // Decoupled decay on matrices only: biases, norms and the scalar head's bias keep their scale.
        if (weightDecay > 0 && parameter.rank >= 2) value = tf.mul(value, 1 - learningRate * weightDecay);
        const nextFirst = tf.add(tf.mul(first, beta1), tf.mul(gradient, 1 - beta1));
        const nextSecond = tf.add(tf.mul(second, beta2), tf.mul(tf.square(gradient), 1 - beta2));
        const denominator = tf.add(tf.div(tf.sqrt(nextSecond), secondCorrectionRoot), epsilon);
        first.assign(nextFirst);
        second.assign(nextSecond);
        parameter.assign(tf.sub(value, tf.mul(tf.div(nextFirst, denominator), stepSize)));
      });
    });
  }

  /** Releases the moments. */
  dispose(): void {
    for (const moment of [...this.firstMoments, ...this.secondMoments]) moment.dispose();
  }
}
