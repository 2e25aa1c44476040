import type { Prompt } from '../records/prompt';

/**
 * The text hygiene functions compare: `text`, or the turns of `messages` joined by
 * newlines.
 */
export function promptText(prompt: Pick<Prompt, 'text' | 'messages'>): string {
  return prompt.text ?? (prompt.messages ?? []).map((message) => message.content).join('\n');
}
