import { z } from 'zod';
import { IsoDateTime } from './iso-date-time';

/**
 * A labeler's demonstration of the desired output for a prompt — the SFT data of
 * InstructGPT (§3.2).
 *
 * @example
 * ```json
 * {"promptId":"p-1","completion":"Apple, pear, plum.","labelerId":"l-3"}
 * ```
 */
export const Demonstration = z.object({
  /** `id` of the {@link Prompt} this answers. */
  promptId: z.string().min(1),
  /** The desired assistant output, without the prompt. */
  completion: z.string().min(1),
  /** Who wrote it. */
  labelerId: z.string().min(1),
  /** When it was written (ISO-8601). Default: absent. */
  createdAt: IsoDateTime.optional(),
});
/** A demonstration record (inferred from the {@link Demonstration} schema). */
export type Demonstration = z.infer<typeof Demonstration>;
