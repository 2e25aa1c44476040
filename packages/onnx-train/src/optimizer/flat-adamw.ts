import type { ResolvedAdamW } from '@instructkit/core';

/** A contiguous range of the flat buffers and whether it gets weight decay. */
export interface FlatSegment {
  readonly offset: number;
  readonly size: number;
  readonly decay: boolean;
}

/** Global L2 norm of a flat gradient buffer (accumulated in float64). */
export function globalNorm(gradients: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < gradients.length; index++) {
    const value = gradients[index]!;
    sum += value * value;
  }
  return Math.sqrt(sum);
}

/**
 * One AdamW step (Loshchilov & Hutter 2019) in place over flat Float32Array buffers, as
 * `torch.optim.AdamW` computes it: `p ← p·(1 − lr·wd)` on decayed segments,
 * `m ← β1·m + (1−β1)·g`, `v ← β2·v + (1−β2)·g²`,
 * `p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)`. Allocates nothing.
 *
 * @param step - 1-based step number for bias correction.
 * @param gradientScale - Multiplies every gradient as it is read (clipping folded into the update:
 *   one pass over the buffers instead of two). Default: 1.
 */
export function flatAdamWStep(
  parameters: Float32Array,
  gradients: Float32Array,
  firstMoments: Float32Array,
  secondMoments: Float32Array,
  segments: readonly FlatSegment[],
  settings: ResolvedAdamW,
  learningRate: number,
  step: number,
  gradientScale = 1,
): void {
  const { beta1, beta2, epsilon, weightDecay } = settings;
  const stepSize = learningRate / (1 - beta1 ** step);
  const inverseSecondCorrectionRoot = 1 / Math.sqrt(1 - beta2 ** step);
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  for (const segment of segments) {
    const decayFactor = segment.decay && weightDecay > 0 ? 1 - learningRate * weightDecay : 1;
    const end = segment.offset + segment.size;
    for (let index = segment.offset; index < end; index++) {
      const gradient = gradients[index]! * gradientScale;
      const first = beta1 * firstMoments[index]! + oneMinusBeta1 * gradient;
      const second = beta2 * secondMoments[index]! + oneMinusBeta2 * gradient * gradient;
      firstMoments[index] = first;
      secondMoments[index] = second;
      parameters[index] = parameters[index]! * decayFactor - (stepSize * first) / (Math.sqrt(second) * inverseSecondCorrectionRoot + epsilon);
    }
  }
}
