import { InvalidArgumentError } from '@instructkit/core';
import type { ChatMessage } from '../records/chat-message';
import type { ConversationRecord } from '../records/conversation-record';
import type { Demonstration } from '../records/demonstration';
import type { Prompt } from '../records/prompt';

/** A prompt as chat turns: its `messages`, or its `text` as one user turn. */
export function promptMessages(prompt: Pick<Prompt, 'text' | 'messages'>): ChatMessage[] {
  return prompt.messages ? [...prompt.messages] : [{ role: 'user', content: prompt.text ?? '' }];
}

/**
 * Joins a demonstration to its prompt as an SFT conversation: the prompt's turns, then
 * the demonstration as the assistant's answer.
 *
 * @throws InvalidArgumentError when the ids do not match.
 */
export function demonstrationToConversation(prompt: Prompt, demonstration: Demonstration): ConversationRecord {
  if (prompt.id !== demonstration.promptId) {
    throw new InvalidArgumentError('demonstration.promptId', `is ${demonstration.promptId}, but the prompt's id is ${prompt.id}`);
  }
  return { id: prompt.id, messages: [...promptMessages(prompt), { role: 'assistant', content: demonstration.completion }] };
}
