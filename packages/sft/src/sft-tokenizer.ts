import type { ChatMessage } from '@instructkit/core';

/**
 * What the SFT trainers need from a tokenizer. `@instructkit/tokenizer`'s `Tokenizer`
 * satisfies it; any object with these members works.
 */
export interface SftTokenizer {
  /** Token ids of `text`, no special tokens added. */
  encode(text: string): ArrayLike<number>;
  /**
   * Renders a conversation with the chat template: ids, and a mask with 1 on the tokens the
   * model must learn (assistant turns and their end markers). Needed for `messages` records.
   */
  renderChat?(messages: readonly ChatMessage[]): { readonly ids: ArrayLike<number>; readonly assistantMask: ArrayLike<number> };
  /** Text of token ids (needed by the reward-model checkpoint selector). */
  decode?(ids: ArrayLike<number>): string;
  /** Appended after each document/completion so the model learns to stop. */
  readonly eosTokenId?: number | undefined;
  /** The tokenizer as Hugging Face `tokenizer.json` text, written into exported checkpoints. */
  toTokenizerJson?(): string;
}
