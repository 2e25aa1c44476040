import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedAdamW } from '@instructkit/core';

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
