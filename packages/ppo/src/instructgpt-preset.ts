import type { OptimizationSettings } from '@instructkit/core';
import type { PpoHyperparametersInput } from './ppo-hyperparameters';

/** PPO hyperparameters plus the optimizer settings to give the engines of the policy and value models. */
export interface PpoPreset {
  /** For `trainPpo`'s `hyperparameters`. */
  readonly hyperparameters: PpoHyperparametersInput;
  /** For the policy's engine (`configureTraining` in @instructkit/tfjs). */
  readonly policyOptimization: OptimizationSettings;
  /** For the value model's engine. */
  readonly valueOptimization: OptimizationSettings;
}

/** Scale of the preset. */
export interface InstructgptPresetOptions {
  /**
   * Divides the paper's rollout batch (512 episodes in 8 minibatches) so that small
   * models on the embedded task run fast; the number of minibatches stays 8. Default: 8
   * (64 episodes, minibatches of 8).
   */
  readonly batchScale?: number;
  /** Peak policy learning rate. Default: 1e-5 (tiny models on the embedded task; the paper's models used less). */
  readonly learningRate?: number;
  /** Tokens per response at most. Default: 32 (the embedded task's answers are short; the paper: 256). */
  readonly maxNewTokens?: number;
}

/**
 * InstructGPT's PPO settings (Ouyang et al. 2022, §3.5 and App. C.4), scaled to the
 * embedded task: β = 0.02 fixed, no discount (γ = 1), clip ε = 0.2, one inner epoch over
 * 8 minibatches per batch, EMA 0.992, PPO-ptx γ = 27.8 with 8 pretraining sequences per
 * episode, temperature 1, learning-rate warmup over the first 10 iterations, AdamW β2 = 0.95.
 * Only the batch size, response length and learning rate are scaled.
 *
 * @example
 * const preset = instructgptPreset();
 * await trainPpo({ ...models, hyperparameters: { ...preset.hyperparameters, iterations: 50 } });
 */
export function instructgptPreset(options: InstructgptPresetOptions = {}): PpoPreset {
  const batchScale = options.batchScale ?? 8;
  const rolloutBatchSize = Math.max(8, Math.round(512 / batchScale));
  const minibatchSize = rolloutBatchSize / 8;
  const learningRate = options.learningRate ?? 1e-5;
  const warmupSteps = 10 * 8;
  return {
    hyperparameters: {
      rolloutBatchSize,
      minibatchSize,
      epochs: 1,
      clipRange: 0.2,
      valueClipRange: 0.2,
      gamma: 1,
      lambda: 0.95,
      klCoefficient: 0.02,
      maxNewTokens: options.maxNewTokens ?? 32,
      temperature: 1,
      whitenAdvantages: true,
      ptxCoefficient: 27.8,
      ptxExamplesPerEpisode: 8,
      emaDecay: 0.992,
    },
    policyOptimization: {
      optimizer: { learningRate, beta1: 0.9, beta2: 0.95, epsilon: 1e-5 },
      schedule: { kind: 'constant', warmupSteps },
      maxGradNorm: 1,
    },
    valueOptimization: {
      optimizer: { learningRate: learningRate * 2, beta1: 0.9, beta2: 0.95, epsilon: 1e-5 },
      schedule: { kind: 'constant', warmupSteps },
      maxGradNorm: 1,
    },
  };
}
