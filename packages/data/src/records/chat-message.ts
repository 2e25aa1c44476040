import { z } from 'zod';

/**
 * One turn of a conversation: `{ role, content }`. Roles are the three of core's
 * `ChatMessage` (`system`, `user`, `assistant`); content is plain text.
 */
export const ChatMessage = z.object({
  /** Who speaks: `system` (instructions), `user` (the prompt side) or `assistant` (the model side). */
  role: z.enum(['system', 'user', 'assistant']),
  /** Text of the turn. May be empty. */
  content: z.string(),
});
/** One turn of a conversation (inferred from the {@link ChatMessage} schema). */
export type ChatMessage = z.infer<typeof ChatMessage>;

/** A conversation: at least one turn. */
export const ChatMessages = z.array(ChatMessage).min(1);
