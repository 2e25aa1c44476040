import { z } from 'zod';
import { ChatMessages } from './chat-message';
import { IsoDateTime } from './iso-date-time';

/**
 * A prompt as InstructGPT collected them (§3.2): written by a user of the playground
 * or API, or by a labeler. Exactly one of `text` (a single instruction) or `messages`
 * (a conversation ending on the user's turn) is given.
 *
 * @example
 * ```json
 * {"id":"p-1","text":"List three fruits.","userId":"u-7","source":"playground","createdAt":"2026-11-25T06:25:00Z"}
 * ```
 */
export const Prompt = z
  .object({
    /** Unique id; demonstrations, rankings and ratings refer to it as `promptId`. */
    id: z.string().min(1),
    /** The instruction as plain text. Exclusive with `messages`. */
    text: z.string().min(1).optional(),
    /** The conversation so far. Exclusive with `text`. */
    messages: ChatMessages.optional(),
    /** Stable pseudonymous id of the author; splits and per-user caps use it. */
    userId: z.string().min(1),
    /** Where the prompt came from, e.g. `playground`, `api`, `labeler`, `sim`, `import`. */
    source: z.string().min(1),
    /** When it was written (ISO-8601 date-time). */
    createdAt: IsoDateTime,
    /** Free-form metadata (task family, language, …). Default: absent. */
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((prompt, context) => {
    if (prompt.text === undefined && prompt.messages === undefined) {
      context.addIssue({ code: 'custom', path: ['text'], message: 'expected either "text" or "messages"' });
    } else if (prompt.text !== undefined && prompt.messages !== undefined) {
      context.addIssue({ code: 'custom', path: ['messages'], message: 'give either "text" or "messages", not both' });
    }
  });
/** A prompt record (inferred from the {@link Prompt} schema). */
export type Prompt = z.infer<typeof Prompt>;
