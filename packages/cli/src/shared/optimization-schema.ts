import { z } from 'zod';

/** zod schema of core's `AdamWSettings`. */
export const AdamWSettingsSchema = z
  .object({
    learningRate: z.number().positive(),
    beta1: z.number().min(0).lt(1).optional(),
    beta2: z.number().min(0).lt(1).optional(),
    epsilon: z.number().positive().optional(),
    weightDecay: z.number().min(0).optional(),
  })
  .strict();

/** zod schema of core's `LearningRateSchedule`. */
export const LearningRateScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant'), warmupSteps: z.number().int().min(0).optional() }).strict(),
  z
    .object({
      kind: z.literal('linear'),
      warmupSteps: z.number().int().min(0).optional(),
      totalSteps: z.number().int().positive(),
      finalRatio: z.number().min(0).max(1).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('cosine'),
      warmupSteps: z.number().int().min(0).optional(),
      totalSteps: z.number().int().positive(),
      finalRatio: z.number().min(0).max(1).optional(),
    })
    .strict(),
]);

/** zod schema of core's `OptimizationSettings`, shared by every training command's config. */
export const OptimizationSettingsSchema = z
  .object({
    optimizer: AdamWSettingsSchema,
    schedule: LearningRateScheduleSchema.optional(),
    maxGradNorm: z.number().min(0).optional(),
    seed: z.number().int().optional(),
  })
  .strict();
