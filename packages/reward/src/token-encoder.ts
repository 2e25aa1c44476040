/**
 * The part of a tokenizer the reward package needs: text to token ids. `@instructkit/tokenizer`'s
 * tokenizer satisfies it, and so does any object with an `encode` method.
 */
export interface TokenEncoder {
  /** Token ids of `text`, without special tokens added. */
  encode(text: string): ArrayLike<number>;
}
