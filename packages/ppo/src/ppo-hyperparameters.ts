import { z } from 'zod';

/**
 * PPO / PPO-ptx hyperparameters. Every field is optional in input and has the default
 * given in its description; `resolvePpoHyperparameters` fills them in. Parsed with zod,
 * so a config file's mistakes come back as `file:line: field: reason` errors.
 */
export const PpoHyperparameters = z
  .object({
    /** PPO iterations (rollout batch + its updates). Default: 20. */
    iterations: z.number().int().positive().default(20).describe('PPO iterations: rollout batch + its updates'),
    /** Episodes (prompts, one response each) per iteration. Default: 16. */
    rolloutBatchSize: z.number().int().positive().default(16).describe('episodes per iteration'),
    /** Episodes per optimizer step; must divide `rolloutBatchSize`. Default: 8. */
    minibatchSize: z.number().int().positive().default(8).describe('episodes per optimizer step'),
    /** Micro-batches per minibatch (gradient accumulation, for memory); must divide `minibatchSize`. Default: 1. */
    gradientAccumulation: z.number().int().positive().default(1),
    /** Passes over each rollout batch. Default: 4. */
    epochs: z.number().int().positive().default(4).describe('passes over each rollout batch'),
    /** ε of the clipped ratio. Default: 0.2. */
    clipRange: z.number().positive().default(0.2),
    /** ε of the value clipping. Default: 0.2. */
    valueClipRange: z.number().positive().default(0.2),
    /** GAE discount γ. Default: 1 (bandit episodes). */
    gamma: z.number().min(0).max(1).default(1),
    /** GAE λ. Default: 0.95. */
    lambda: z.number().min(0).max(1).default(0.95),
    /** β, the per-token KL coefficient (start value when adaptive). Default: 0.02 (InstructGPT). */
    klCoefficient: z.number().min(0).default(0.02),
    /** Adaptive β (Ziegler et al.): target KL in nats per response, horizon in episodes. Default: fixed β. */
    adaptiveKl: z.object({ target: z.number().positive(), horizon: z.number().positive() }).optional(),
    /** Tokens sampled per response at most. Default: 32. */
    maxNewTokens: z.number().int().positive().default(32),
    /** Sampling temperature of rollouts. Default: 1 (the policy's own distribution). */
    temperature: z.number().positive().default(1),
    /** Score given to (replace) or subtracted from (subtract) responses without EOS. Default: none. */
    eosPenalty: z.object({ value: z.number(), mode: z.enum(['replace', 'subtract']).default('replace') }).optional(),
    /** Whiten advantages per batch (masked). Default: true. */
    whitenAdvantages: z.boolean().default(true),
    /** Normalise RM scores with running mean/std before shaping. Default: false. */
    normalizeRewards: z.boolean().default(false),
    /** Entropy bonus weight in the policy loss. Default: 0. */
    entropyCoefficient: z.number().min(0).default(0),
    /** PPO-ptx γ: weight of the pretraining LM loss; used when a pretraining corpus is given. Default: 27.8 (InstructGPT). */
    ptxCoefficient: z.number().min(0).default(27.8),
    /** Pretraining sequences per episode in each update (PPO-ptx). Default: 8 (InstructGPT). */
    ptxExamplesPerEpisode: z.number().positive().default(8),
    /** EMA decay of policy weights, or 0 to keep no EMA. Default: 0.992 (InstructGPT). */
    emaDecay: z.number().min(0).max(1).default(0.992),
    /** Rows per generation batch and per forward pass when scoring a rollout (policy, reference, value); 0 = the whole rollout at once. Default: 0. */
    forwardBatchSize: z.number().int().min(0).default(0),
    /** Save a checkpoint every this many iterations (and at the end / on interrupt). Default: 10. */
    checkpointEvery: z.number().int().positive().default(10),
    /** Seed of prompt order, minibatch order and sampling. Default: 0. */
    seed: z.number().int().default(0),
  })
  .strict()
  .refine((value) => value.rolloutBatchSize % value.minibatchSize === 0, {
    message: 'must divide rolloutBatchSize',
    path: ['minibatchSize'],
  })
  .refine((value) => value.minibatchSize % value.gradientAccumulation === 0, {
    message: 'must divide minibatchSize',
    path: ['gradientAccumulation'],
  });

/** Fully resolved hyperparameters (defaults filled in). */
export type PpoHyperparameters = z.output<typeof PpoHyperparameters>;
/** Hyperparameters as a user writes them (every field optional). */
export type PpoHyperparametersInput = z.input<typeof PpoHyperparameters>;

