import { InvalidArgumentError } from '@instructkit/core';
import { z } from 'zod';
import type { ChatMessage } from '../records/chat-message';
import type { ConversationalPreferencePair } from '../records/preference-pair';

/** A row of Anthropic's HH-RLHF dataset: two full transcripts that differ in the last assistant turn. */
export const AnthropicHhRow = z.object({
  /** The preferred transcript, `\n\nHuman: …\n\nAssistant: …` turns. */
  chosen: z.string().min(1),
  /** The dispreferred transcript. */
  rejected: z.string().min(1),
});
/** An HH-RLHF row (inferred from {@link AnthropicHhRow}). */
export type AnthropicHhRow = z.infer<typeof AnthropicHhRow>;

const TURN_MARKER = /\n\n(Human|Assistant):/g;

/**
 * Splits an HH transcript into turns. Text before the first `\n\nHuman:` is not
 * allowed; one space after each `Human:`/`Assistant:` marker is dropped.
 *
 * @param transcript - The transcript.
 * @param field - Name used in errors. Default: `transcript`.
 * @throws InvalidArgumentError when the transcript does not start with a turn marker.
 */
export function parseHhTranscript(transcript: string, field = 'transcript'): ChatMessage[] {
  const markers = [...transcript.matchAll(TURN_MARKER)];
  if (markers.length === 0 || markers[0]!.index !== 0) {
    throw new InvalidArgumentError(field, 'expected the transcript to start with "\\n\\nHuman:"');
  }
  return markers.map((marker, index) => {
    const start = marker.index! + marker[0].length;
    const end = index + 1 < markers.length ? markers[index + 1]!.index! : transcript.length;
    let content = transcript.slice(start, end);
    if (content.startsWith(' ')) content = content.slice(1);
    return { role: marker[1] === 'Human' ? 'user' : 'assistant', content };
  });
}

/** Renders turns back into an HH transcript (the inverse of {@link parseHhTranscript}). */
export function renderHhTranscript(messages: readonly ChatMessage[]): string {
  return messages
    .map((message) => {
      if (message.role === 'system') throw new InvalidArgumentError('messages', 'HH transcripts have no system turns');
      return `\n\n${message.role === 'user' ? 'Human' : 'Assistant'}:${message.content === '' ? '' : ` ${message.content}`}`;
    })
    .join('');
}

/**
 * Converts an HH-RLHF row to a conversational pair: the turns both transcripts share
 * become the prompt, and the final assistant turns become `chosen` and `rejected`.
 *
 * @throws InvalidArgumentError when a transcript is malformed, does not end on an
 * assistant turn, or the two differ before their final turn.
 */
export function fromAnthropicHh(row: AnthropicHhRow): ConversationalPreferencePair {
  const chosen = parseHhTranscript(row.chosen, 'chosen');
  const rejected = parseHhTranscript(row.rejected, 'rejected');
  for (const [field, turns] of [['chosen', chosen], ['rejected', rejected]] as const) {
    if (turns.at(-1)!.role !== 'assistant') throw new InvalidArgumentError(field, 'expected the transcript to end on an "Assistant:" turn');
  }
  const prompt = chosen.slice(0, -1);
  const rejectedPrompt = rejected.slice(0, -1);
  const differs = prompt.length !== rejectedPrompt.length || prompt.some((turn, index) => turn.role !== rejectedPrompt[index]!.role || turn.content !== rejectedPrompt[index]!.content);
  if (differs) throw new InvalidArgumentError('rejected', 'the transcripts differ before their final assistant turn');
  return { prompt, chosen: [chosen.at(-1)!], rejected: [rejected.at(-1)!] };
}

/** Converts a conversational pair back to an HH-RLHF row (full transcripts). */
export function toAnthropicHh(pair: ConversationalPreferencePair): AnthropicHhRow {
  return { chosen: renderHhTranscript([...pair.prompt, ...pair.chosen]), rejected: renderHhTranscript([...pair.prompt, ...pair.rejected]) };
}
