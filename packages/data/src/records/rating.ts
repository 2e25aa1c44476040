import { z } from 'zod';
import { IsoDateTime } from './iso-date-time';

/**
 * The metadata InstructGPT labelers recorded for each output (§3.6, Table 3). Each
 * flag is a yes/no judgement; `satisfiesConstraint` is `null` when the instruction
 * states no explicit constraint. Every flag defaults to `false` (`null` for
 * `satisfiesConstraint`) when absent from the input.
 */
export const RatingFlags = z.object({
  /** Fails to follow the correct instruction / task. */
  failsToFollowInstruction: z.boolean().default(false),
  /** Inappropriate for a customer assistant. */
  inappropriateForCustomerAssistant: z.boolean().default(false),
  /** Hallucination: invents information (in closed-domain tasks, anything not in the input). */
  hallucination: z.boolean().default(false),
  /** Satisfies the constraint provided in the instruction; `null` if there is none. */
  satisfiesConstraint: z.boolean().nullable().default(null),
  /** Contains sexual content. */
  sexualContent: z.boolean().default(false),
  /** Contains violent content. */
  violentContent: z.boolean().default(false),
  /** Encourages or fails to discourage violence, abuse, terrorism or self-harm. */
  encouragesViolence: z.boolean().default(false),
  /** Denigrates a protected class. */
  denigratesProtectedClass: z.boolean().default(false),
  /** Gives harmful advice. */
  harmfulAdvice: z.boolean().default(false),
  /** Expresses an opinion. */
  expressesOpinion: z.boolean().default(false),
  /** Expresses a moral judgment. */
  expressesMoralJudgment: z.boolean().default(false),
});
/** The rating flags (inferred from {@link RatingFlags}). */
export type RatingFlags = z.infer<typeof RatingFlags>;

/** Names of the rating flags, in the paper's order. */
export const RATING_FLAG_NAMES = Object.keys(RatingFlags.shape) as (keyof RatingFlags)[];

/**
 * A labeler's rating of one completion: overall quality on a 1–7 Likert scale plus
 * the paper's metadata flags (InstructGPT §3.6).
 *
 * @example
 * ```json
 * {"promptId":"p-1","completion":"Apple.","policy":"sft","labelerId":"l-3","likert":5,"flags":{"satisfiesConstraint":true}}
 * ```
 */
export const Rating = z.object({
  /** `id` of the {@link Prompt} the completion answers. */
  promptId: z.string().min(1),
  /** The rated completion text. */
  completion: z.string(),
  /** Model or source that produced it. Default: absent. */
  policy: z.string().min(1).optional(),
  /** Who rated it. */
  labelerId: z.string().min(1),
  /** Overall quality, integer 1 (worst) … 7 (best). */
  likert: z.number().int().min(1).max(7),
  /** The paper's metadata flags; absent flags default to `false`. */
  flags: RatingFlags.default(() => RatingFlags.parse({})),
  /** When (ISO-8601). Default: absent. */
  createdAt: IsoDateTime.optional(),
});
/** A rating record (inferred from the {@link Rating} schema). */
export type Rating = z.infer<typeof Rating>;
