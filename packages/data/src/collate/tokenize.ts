import type { ChatMessage } from '../records/chat-message';
import type { ConversationRecord } from '../records/conversation-record';
import { ranksOf, type Ranking } from '../records/ranking';
import type { TokenizedRanking } from './collate-rankings';

/** Anything that turns text into token ids, e.g. `@instructkit/tokenizer`'s tokenizer. */
export interface TokenEncoder {
  /** Token ids of `text`, without special tokens. */
  encode(text: string): number[];
}

/** Anything that renders a conversation with a chat template, marking the assistant tokens. */
export interface ChatRenderer {
  /** Token ids of the rendered conversation and, per token, 1 where it belongs to an assistant turn. */
  renderChat(messages: readonly ChatMessage[]): { ids: number[]; assistantMask: readonly number[] | Uint8Array };
}

/** Token ids with a per-token loss mask (1 = train on it), ready for `collateLanguageModeling`. */
export interface MaskedTokens {
  /** Token ids. */
  readonly ids: number[];
  /** Per-token 0/1, as long as `ids`. */
  readonly lossMask: number[];
}

/**
 * Tokenizes a prompt and its completion separately and concatenates them, masking the
 * loss to the completion (and the end-of-text token, when given), as SFT trains only
 * on what the assistant writes.
 */
export function tokenizePromptCompletion(prompt: string, completion: string, encoder: TokenEncoder, options: { readonly eosTokenId?: number } = {}): MaskedTokens {
  const promptIds = encoder.encode(prompt);
  const completionIds = [...encoder.encode(completion), ...(options.eosTokenId === undefined ? [] : [options.eosTokenId])];
  return { ids: [...promptIds, ...completionIds], lossMask: [...promptIds.map(() => 0), ...completionIds.map(() => 1)] };
}

/** Renders a conversation with the chat template; the loss covers the assistant tokens only. */
export function tokenizeConversation(record: ConversationRecord, renderer: ChatRenderer): MaskedTokens {
  const { ids, assistantMask } = renderer.renderChat(record.messages);
  return { ids, lossMask: Array.from(assistantMask, (value) => (value ? 1 : 0)) };
}

/**
 * Tokenizes each completion of a ranking after its prompt (prompt + completion
 * [+ end-of-text]) and reads the ranks from `order`, ready for `collateRankings`.
 */
export function tokenizeRanking(ranking: Ranking, prompt: string, encoder: TokenEncoder, options: { readonly eosTokenId?: number } = {}): TokenizedRanking {
  const promptIds = encoder.encode(prompt);
  const eos = options.eosTokenId === undefined ? [] : [options.eosTokenId];
  return {
    sequences: ranking.completions.map((completion) => [...promptIds, ...encoder.encode(completion.text), ...eos]),
    ranks: ranksOf(ranking),
  };
}
