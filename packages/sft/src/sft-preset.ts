import type { AdamWSettings } from '@instructkit/core';

/**
 * Hyperparameters of a supervised fine-tuning recipe. The trainers take a preset and let any
 * field be overridden; `dropout` goes into the model's config when it is created or loaded.
 */
export interface SftPreset {
  /** Passes over the demonstrations. */
  readonly epochs: number;
  /** Sequences per optimizer step (before gradient accumulation splits them). */
  readonly sequencesPerBatch: number;
  /** AdamW settings. */
  readonly optimizer: AdamWSettings;
  /** Learning-rate schedule; `totalSteps` is filled in by the trainer. */
  readonly schedule: { readonly kind: 'cosine' | 'linear' | 'constant'; readonly warmupSteps: number; readonly finalRatio: number };
  /** Dropout the model should train with (set in `TransformerConfig.dropout`). */
  readonly dropout: { readonly residual: number };
  /** Fraction of each epoch's sequences drawn from pretraining data (0 = none). */
  readonly pretrainingMix: number;
}

/** Overrides accepted by the preset factories. */
export interface SftPresetOverrides {
  /** Peak learning rate. Default: 9.65e-6 (InstructGPT 1.3B/6B). Tiny models want ~1e-3. */
  readonly learningRate?: number;
  /** Default: the preset's. */
  readonly epochs?: number;
  /** Default: 32 (InstructGPT 1.3B/6B). */
  readonly sequencesPerBatch?: number;
}

/**
 * InstructGPT's SFT recipe (Ouyang et al. 2022, Appendix C.1): 16 epochs, cosine decay to 10%
 * of the peak with no warmup, residual dropout 0.2, Adam β1 0.9, β2 0.95, batch 32, LR 9.65e-6.
 * The paper picks the final checkpoint by reward-model score on validation prompts, not by
 * validation loss (which overfits after one epoch): pair it with `rewardModelSelector`.
 *
 * @example
 * ```ts
 * const preset = instructgptPreset({ learningRate: 1e-3 }); // a tiny model learns faster
 * await sft({ model, tokenizer, train, preset, runDirectory: 'runs/sft' });
 * ```
 */
export function instructgptPreset(overrides: SftPresetOverrides = {}): SftPreset {
  return {
    epochs: overrides.epochs ?? 16,
    sequencesPerBatch: overrides.sequencesPerBatch ?? 32,
    optimizer: { learningRate: overrides.learningRate ?? 9.65e-6, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0 },
    schedule: { kind: 'cosine', warmupSteps: 0, finalRatio: 0.1 },
    dropout: { residual: 0.2 },
    pretrainingMix: 0,
  };
}

/**
 * The SFT variant InstructGPT initializes PPO from (Appendix C.3): the same recipe for 2 epochs
 * with 10% pretraining data mixed in, which keeps the policy closer to the pretraining
 * distribution for PPO-ptx.
 */
export function ppoInitPreset(overrides: SftPresetOverrides = {}): SftPreset {
  return { ...instructgptPreset(overrides), epochs: overrides.epochs ?? 2, pretrainingMix: 0.1 };
}
