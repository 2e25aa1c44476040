import { InvalidArgumentError } from '@instructkit/core';
import { z } from 'zod';
import type { ChatMessage } from '../records/chat-message';
import type { ConversationRecord } from '../records/conversation-record';

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

/** A row of an OpenAI chat fine-tuning JSONL file. */
export const OpenAiChatRow = z.object({
  /** The conversation; `developer` is read as `system`. */
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
        content: z.union([z.string(), z.array(TextPart), z.null()]).optional(),
        /** 0 excludes an assistant turn from training in OpenAI's format; InstructKit trains on all. */
        weight: z.union([z.literal(0), z.literal(1)]).optional(),
        tool_calls: z.array(z.unknown()).optional(),
      }),
    )
    .min(1),
});
/** An OpenAI chat row (inferred from {@link OpenAiChatRow}). */
export type OpenAiChatRow = z.infer<typeof OpenAiChatRow>;

/**
 * Converts an OpenAI chat fine-tuning row to a {@link ConversationRecord}. Text content
 * parts are joined; `developer` turns become `system`. `weight` is dropped.
 *
 * @throws InvalidArgumentError for tool or function turns, tool calls or missing content.
 */
export function fromOpenAiChat(row: OpenAiChatRow): ConversationRecord {
  const messages = row.messages.map((message, index): ChatMessage => {
    const field = `messages[${index}]`;
    if (message.role === 'tool' || message.role === 'function' || message.tool_calls !== undefined) {
      throw new InvalidArgumentError(field, 'tool and function calls are not supported');
    }
    if (message.content === undefined || message.content === null) throw new InvalidArgumentError(`${field}.content`, 'is missing');
    const content = typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join('');
    return { role: message.role === 'developer' ? 'system' : message.role, content };
  });
  return { messages };
}

/** Converts a conversation to an OpenAI chat fine-tuning row. */
export function toOpenAiChat(record: ConversationRecord): OpenAiChatRow {
  return { messages: record.messages.map((message) => ({ role: message.role, content: message.content })) };
}
