import { z } from 'zod';
import type { PromptCompletion } from '../records/conversation-record';

/** A row of an Alpaca-style dataset. */
export const AlpacaRow = z.object({
  /** The task. */
  instruction: z.string().min(1),
  /** Optional context for the task; empty when there is none. Default: `''`. */
  input: z.string().default(''),
  /** The reference answer. */
  output: z.string().min(1),
});
/** An Alpaca row (inferred from {@link AlpacaRow}). */
export type AlpacaRow = z.infer<typeof AlpacaRow>;

/**
 * Converts an Alpaca row to a prompt–completion record. The prompt is the instruction,
 * followed by a blank line and the input when there is one.
 */
export function fromAlpaca(row: z.input<typeof AlpacaRow>): PromptCompletion {
  const input = row.input ?? '';
  return { prompt: input === '' ? row.instruction : `${row.instruction}\n\n${input}`, completion: row.output };
}

/** Converts a prompt–completion record to an Alpaca row (the prompt becomes the instruction, input empty). */
export function toAlpaca(record: PromptCompletion): AlpacaRow {
  return { instruction: record.prompt, input: '', output: record.completion };
}
