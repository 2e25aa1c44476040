import { z } from 'zod';
import { ChatMessages } from './chat-message';

/**
 * TRL's standard preference record: a prompt and two completions, the labeler
 * preferring `chosen`. `margin` (how strongly, ≥ 0) feeds the reward model's
 * `-log σ(r_w − r_l − m)`; `promptId` ties pairs expanded from one ranking together.
 *
 * @example
 * ```json
 * {"prompt":"List three fruits.","chosen":"Apple, pear, plum.","rejected":"No."}
 * ```
 */
export const PreferencePair = z
  .object({
    /** The prompt text. */
    prompt: z.string(),
    /** The preferred completion (without the prompt). */
    chosen: z.string(),
    /** The dispreferred completion (without the prompt). */
    rejected: z.string(),
    /** Preference strength, ≥ 0. Default: absent (treated as 0). */
    margin: z.number().finite().nonnegative().optional(),
    /** Id of the prompt, when known; `pairsToRankings` groups by it. Default: absent. */
    promptId: z.string().min(1).optional(),
  })
  .superRefine((pair, context) => {
    if (pair.chosen === pair.rejected) {
      context.addIssue({ code: 'custom', path: ['rejected'], message: 'is identical to "chosen"' });
    }
  });
/** A preference pair (inferred from the {@link PreferencePair} schema). */
export type PreferencePair = z.infer<typeof PreferencePair>;

/**
 * TRL's conversational preference record: the prompt as a conversation, and the
 * chosen and rejected continuations as assistant turns.
 */
export const ConversationalPreferencePair = z.object({
  /** The conversation up to the user's last turn. */
  prompt: ChatMessages,
  /** The preferred continuation (usually one assistant turn). */
  chosen: ChatMessages,
  /** The dispreferred continuation. */
  rejected: ChatMessages,
  /** Preference strength, ≥ 0. Default: absent. */
  margin: z.number().finite().nonnegative().optional(),
  /** Id of the prompt, when known. Default: absent. */
  promptId: z.string().min(1).optional(),
});
/** A conversational preference pair (inferred from {@link ConversationalPreferencePair}). */
export type ConversationalPreferencePair = z.infer<typeof ConversationalPreferencePair>;
