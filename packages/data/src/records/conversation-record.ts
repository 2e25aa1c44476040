import { z } from 'zod';
import { ChatMessages } from './chat-message';

/**
 * A conversation for supervised fine-tuning (TRL's and OpenAI's `messages` format).
 * The loss covers the assistant turns, so at least one is required.
 *
 * @example
 * ```json
 * {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}
 * ```
 */
export const ConversationRecord = z
  .object({
    /** The turns, in order. */
    messages: ChatMessages,
    /** Optional id (e.g. the prompt id). Default: absent. */
    id: z.string().min(1).optional(),
  })
  .superRefine((record, context) => {
    if (!record.messages.some((message) => message.role === 'assistant')) {
      context.addIssue({ code: 'custom', path: ['messages'], message: 'expected at least one "assistant" turn to train on' });
    }
  });
/** A conversation record (inferred from the {@link ConversationRecord} schema). */
export type ConversationRecord = z.infer<typeof ConversationRecord>;

/**
 * TRL's standard prompt–completion SFT record (also what the Alpaca converter emits).
 */
export const PromptCompletion = z.object({
  /** The prompt text. */
  prompt: z.string().min(1),
  /** The desired completion. */
  completion: z.string().min(1),
});
/** A prompt–completion record (inferred from {@link PromptCompletion}). */
export type PromptCompletion = z.infer<typeof PromptCompletion>;
