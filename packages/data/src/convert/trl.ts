import { InvalidArgumentError } from '@instructkit/core';
import { z } from 'zod';
import { ChatMessage, ChatMessages } from '../records/chat-message';
import type { ConversationRecord } from '../records/conversation-record';
import type { ConversationalPreferencePair, PreferencePair } from '../records/preference-pair';

/**
 * A row of a TRL preference dataset, any of its four shapes: standard or
 * conversational, with an explicit `prompt` or an implicit one (shared by `chosen`
 * and `rejected`).
 */
export const TrlPreferenceRow = z.object({
  /** Explicit prompt: text or messages. Absent for implicit-prompt datasets. */
  prompt: z.union([z.string(), ChatMessages]).optional(),
  /** Preferred continuation (with the prompt, when it is implicit). */
  chosen: z.union([z.string(), ChatMessages]),
  /** Dispreferred continuation (with the prompt, when it is implicit). */
  rejected: z.union([z.string(), ChatMessages]),
  /** Optional preference strength. */
  margin: z.number().finite().nonnegative().optional(),
});
/** A TRL preference row (inferred from {@link TrlPreferenceRow}). */
export type TrlPreferenceRow = z.infer<typeof TrlPreferenceRow>;

/** A row of a TRL SFT dataset: `{ messages }`, or `{ prompt, completion }` as text or messages. */
export const TrlSftRow = z.union([
  z.object({ messages: ChatMessages }),
  z.object({ prompt: z.union([z.string(), ChatMessages]), completion: z.union([z.string(), ChatMessages]) }),
]);
/** A TRL SFT row (inferred from {@link TrlSftRow}). */
export type TrlSftRow = z.infer<typeof TrlSftRow>;

/** Whether a preference pair is conversational (its prompt is a list of messages). */
export function isConversationalPair(pair: PreferencePair | ConversationalPreferencePair): pair is ConversationalPreferencePair {
  return Array.isArray(pair.prompt);
}

function sharedMessagePrefix(left: readonly ChatMessage[], right: readonly ChatMessage[]): number {
  let length = 0;
  while (length < left.length && length < right.length && left[length]!.role === right[length]!.role && left[length]!.content === right[length]!.content) {
    length += 1;
  }
  return length;
}

/**
 * The prompt TRL would extract from implicit-prompt text: the longest common prefix,
 * moved back so that a space before the first differing character stays with the
 * completions (TRL's `extract_prompt` does the same).
 */
function sharedTextPrefix(left: string, right: string): number {
  let length = 0;
  while (length < left.length && length < right.length && left[length] === right[length]) length += 1;
  if (length === left.length || length === right.length) {
    // One continuation is a prefix of the other: keep at least one character in each.
    length = Math.max(0, Math.min(left.length, right.length) - 1);
  }
  while (length > 0 && left[length - 1] === ' ') length -= 1;
  return length;
}

/**
 * Converts a TRL preference row to a {@link PreferencePair} (text) or a
 * {@link ConversationalPreferencePair} (messages). An implicit prompt is recovered as
 * the common prefix of `chosen` and `rejected` (messages shared by both, or the
 * longest common text prefix).
 *
 * @throws InvalidArgumentError when text and messages are mixed, or an implicit prompt is empty.
 */
export function fromTrlPreference(row: TrlPreferenceRow): PreferencePair | ConversationalPreferencePair {
  const margin = row.margin === undefined ? {} : { margin: row.margin };
  const { chosen, rejected, prompt } = row;
  if (typeof chosen === 'string' && typeof rejected === 'string') {
    if (prompt !== undefined && typeof prompt !== 'string') throw new InvalidArgumentError('prompt', 'is a list of messages, but chosen and rejected are text');
    if (prompt !== undefined) return { prompt, chosen, rejected, ...margin };
    const length = sharedTextPrefix(chosen, rejected);
    if (length === 0) throw new InvalidArgumentError('chosen', 'implicit prompt: chosen and rejected share no prefix');
    return { prompt: chosen.slice(0, length), chosen: chosen.slice(length), rejected: rejected.slice(length), ...margin };
  }
  if (Array.isArray(chosen) && Array.isArray(rejected)) {
    if (prompt !== undefined && !Array.isArray(prompt)) throw new InvalidArgumentError('prompt', 'is text, but chosen and rejected are messages');
    if (prompt !== undefined) return { prompt, chosen, rejected, ...margin };
    const length = sharedMessagePrefix(chosen, rejected);
    if (length === 0) throw new InvalidArgumentError('chosen', 'implicit prompt: chosen and rejected share no leading message');
    if (length === chosen.length || length === rejected.length) throw new InvalidArgumentError('rejected', 'implicit prompt: one continuation is empty');
    return { prompt: chosen.slice(0, length), chosen: chosen.slice(length), rejected: rejected.slice(length), ...margin };
  }
  throw new InvalidArgumentError('rejected', 'chosen and rejected must both be text or both be messages');
}

/**
 * Converts a preference pair to a TRL preference row: explicit prompt by default, or
 * with `implicitPrompt` the prompt prepended to both continuations.
 */
export function toTrlPreference(
  pair: PreferencePair | ConversationalPreferencePair,
  options: { readonly implicitPrompt?: boolean } = {},
): TrlPreferenceRow {
  const margin = pair.margin === undefined ? {} : { margin: pair.margin };
  if (!options.implicitPrompt) return { prompt: pair.prompt, chosen: pair.chosen, rejected: pair.rejected, ...margin };
  if (isConversationalPair(pair)) {
    return { chosen: [...pair.prompt, ...pair.chosen], rejected: [...pair.prompt, ...pair.rejected], ...margin };
  }
  return { chosen: pair.prompt + pair.chosen, rejected: pair.prompt + pair.rejected, ...margin };
}

/**
 * Converts a TRL SFT row to a {@link ConversationRecord}: text prompt/completion become
 * one user and one assistant turn; message prompt/completion are concatenated.
 */
export function fromTrlSft(row: TrlSftRow): ConversationRecord {
  if ('messages' in row) return { messages: row.messages };
  const prompt: ChatMessage[] = typeof row.prompt === 'string' ? [{ role: 'user', content: row.prompt }] : row.prompt;
  const completion: ChatMessage[] = typeof row.completion === 'string' ? [{ role: 'assistant', content: row.completion }] : row.completion;
  return { messages: [...prompt, ...completion] };
}

/**
 * Converts a conversation to a TRL SFT row: `{ messages }` (default), or conversational
 * prompt–completion with the final assistant turn as the completion.
 *
 * @throws InvalidArgumentError when `prompt-completion` is asked of a conversation not ending on an assistant turn.
 */
export function toTrlSft(record: ConversationRecord, options: { readonly format?: 'messages' | 'prompt-completion' } = {}): TrlSftRow {
  if ((options.format ?? 'messages') === 'messages') return { messages: record.messages };
  const last = record.messages.at(-1);
  if (last?.role !== 'assistant' || record.messages.length < 2) {
    throw new InvalidArgumentError('messages', 'prompt-completion needs a conversation that ends on an assistant turn after a prompt');
  }
  return { prompt: record.messages.slice(0, -1), completion: [last] };
}
