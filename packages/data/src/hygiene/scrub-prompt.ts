import type { Prompt } from '../records/prompt';
import { scrubPii, type PiiFinding, type ScrubPiiOptions } from './scrub-pii';

/** A finding in a prompt: which message it was in (`-1` for `text`), and where. */
export interface PromptPiiFinding extends PiiFinding {
  /** Index in `messages`, or -1 when the prompt has `text`. */
  readonly message: number;
}

/**
 * {@link scrubPii} over a whole {@link Prompt}: its `text`, or every message's content.
 *
 * @returns The scrubbed prompt (a copy) and the findings, offsets relative to the text or message they were in.
 */
export function scrubPrompt<T extends Pick<Prompt, 'text' | 'messages'>>(prompt: T, options: ScrubPiiOptions = {}): { prompt: T; findings: PromptPiiFinding[] } {
  if (prompt.messages) {
    const findings: PromptPiiFinding[] = [];
    const messages = prompt.messages.map((message, index) => {
      const result = scrubPii(message.content, options);
      findings.push(...result.findings.map((finding) => ({ ...finding, message: index })));
      return { ...message, content: result.text };
    });
    return { prompt: { ...prompt, messages }, findings };
  }
  const result = scrubPii(prompt.text ?? '', options);
  return { prompt: { ...prompt, text: result.text }, findings: result.findings.map((finding) => ({ ...finding, message: -1 })) };
}
