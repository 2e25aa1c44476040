/**
 * The sim task's end-of-answer convention: every proper completion is the answer
 * followed by one space and this marker, with nothing after it
 * (`owl dog cat <end>`). Generation can stop on it as a stop sequence; the gold
 * scorer rewards answers that end with it.
 */
export const END_OF_ANSWER = '<end>';

/** An answer text split from its ending. */
export interface SplitAnswer {
  /** Text before the first end marker (or all of it), trimmed. */
  readonly answer: string;
  /** The marker is present and only whitespace follows it. */
  readonly endedProperly: boolean;
}

/**
 * Chat-template end tokens a decoder may leave after the answer; they do not count as
 * text after the marker (`owl dog cat <end><|end|>` ends properly).
 */
const TRAILING_SPECIAL_TOKENS = /<\|end\|>|<\|endoftext\|>/g;

/**
 * Splits a completion at the first {@link END_OF_ANSWER}. Text after the marker
 * (other than whitespace and chat end tokens) is ignored for correctness but means
 * the completion did not end properly.
 */
export function splitAnswer(completion: string): SplitAnswer {
  const at = completion.indexOf(END_OF_ANSWER);
  if (at === -1) return { answer: completion.trim(), endedProperly: false };
  const after = completion.slice(at + END_OF_ANSWER.length).replace(TRAILING_SPECIAL_TOKENS, '');
  return { answer: completion.slice(0, at).trim(), endedProperly: after.trim() === '' };
}

/** Appends the end marker: `withEnd('owl dog')` → `'owl dog <end>'`. */
export function withEnd(answer: string): string {
  return `${answer} ${END_OF_ANSWER}`;
}
