/**
 * The plain description a {@link Tokenizer} is built from and saved back to: what a
 * Hugging Face `tokenizer.json` (BPE model, byte-level pre-tokenizer) holds.
 */

/** A token matched in raw text before pre-tokenization (HF's `added_tokens`). */
export interface AddedToken {
  /** Token id. */
  readonly id: number;
  /** The exact text the token stands for, e.g. `<|endoftext|>`. */
  readonly content: string;
  /**
   * Special tokens (end of text, chat role markers) are matched in text only when
   * `encode` allows them; non-special added tokens are always matched (HF semantics).
   */
  readonly special: boolean;
  /** HF flags, kept so that a saved file says what it was loaded with. Not applied when encoding. */
  readonly singleWord?: boolean;
  /** HF flag: strip whitespace on the left. Kept for saving; not applied when encoding. */
  readonly lstrip?: boolean;
  /** HF flag: strip whitespace on the right. Kept for saving; not applied when encoding. */
  readonly rstrip?: boolean;
  /** HF flag: match on normalized text. Kept for saving. */
  readonly normalized?: boolean;
}

/** Everything needed to build a byte-level BPE tokenizer. */
export interface TokenizerSpec {
  /** Model vocabulary: byte-level token string (`Ġthe`) → id. */
  readonly vocab: ReadonlyMap<string, number>;
  /** Merges in rank order (rank 0 first), each a pair of vocabulary token strings. */
  readonly merges: ReadonlyArray<readonly [string, string]>;
  /** Added and special tokens; an id may also appear in `vocab` (GPT-2's `<|endoftext|>` does). */
  readonly addedTokens: readonly AddedToken[];
  /** Prepend a space to text that does not start with one (HF `ByteLevel.add_prefix_space`). Default false. */
  readonly addPrefixSpace?: boolean;
  /** Take a pre-token found whole in the vocabulary as is, skipping merges (HF `ignore_merges`). Default false. */
  readonly ignoreMerges?: boolean;
  /** Token used for bytes the vocabulary lacks; when absent such bytes are dropped (HF behaviour). */
  readonly unknownToken?: string;
  /** End-of-sequence token content, e.g. `<|endoftext|>`. */
  readonly eosToken?: string;
  /** Padding token content; defaults to `eosToken`. */
  readonly padToken?: string;
}
