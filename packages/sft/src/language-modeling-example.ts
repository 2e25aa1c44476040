import { InvalidArgumentError, type ChatMessage } from '@instructkit/core';
import type { SftTokenizer } from './sft-tokenizer';

/**
 * One tokenized training sequence: ids and, per token, whether the model is trained to
 * produce it (1) or only conditions on it (0).
 */
export interface LanguageModelingExample {
  /** Token ids. */
  readonly ids: Int32Array;
  /** `ids.length` entries: 1 where the token is a prediction target. */
  readonly targetMask: Uint8Array;
}

/** Text records the SFT trainers accept: TRL prompt–completion, chat messages, or plain text (pretraining). */
export type SftRecord =
  | { readonly prompt: string; readonly completion: string }
  | { readonly messages: readonly ChatMessage[] }
  | { readonly text: string };

/**
 * Tokenizes one record:
 * - `{text}` (pretraining): every token is a target; EOS appended.
 * - `{prompt, completion}`: only completion tokens and the appended EOS are targets.
 * - `{messages}`: the tokenizer's chat template; targets from its `assistantMask`.
 *
 * @throws InvalidArgumentError for a `messages` record when the tokenizer has no `renderChat`,
 *   or a record of none of the three shapes.
 */
export function tokenizeRecord(tokenizer: SftTokenizer, record: SftRecord, field = 'record'): LanguageModelingExample {
  const eos = tokenizer.eosTokenId === undefined ? [] : [tokenizer.eosTokenId];
  if ('messages' in record) {
    if (!tokenizer.renderChat) throw new InvalidArgumentError('tokenizer', `has no renderChat; needed for ${field}.messages`);
    const rendered = tokenizer.renderChat(record.messages);
    return { ids: Int32Array.from(rendered.ids), targetMask: Uint8Array.from(rendered.assistantMask) };
  }
  if ('prompt' in record && 'completion' in record) {
    const prompt = Array.from(tokenizer.encode(record.prompt));
    const completion = [...Array.from(tokenizer.encode(record.completion)), ...eos];
    const targetMask = new Uint8Array(prompt.length + completion.length);
    targetMask.fill(1, prompt.length);
    return { ids: Int32Array.from([...prompt, ...completion]), targetMask };
  }
  if ('text' in record) {
    const ids = Int32Array.from([...Array.from(tokenizer.encode(record.text)), ...eos]);
    return { ids, targetMask: new Uint8Array(ids.length).fill(1) };
  }
  throw new InvalidArgumentError(field, 'expected {text}, {prompt, completion} or {messages}');
}
