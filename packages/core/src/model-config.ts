/**
 * Architecture-level description of a decoder-only transformer, independent of
 * engine. Parsed from / written to Hugging Face `config.json` by `parseModelConfig`
 * and `toHuggingFaceConfig`.
 */
export interface TransformerConfig {
  /** Block family. `gpt2` today; `llama` (RMSNorm, RoPE, SwiGLU, GQA) is planned beside it. */
  readonly architecture: 'gpt2' | 'llama';
  /** Vocabulary size (rows of the token embedding). */
  readonly vocabSize: number;
  /** Maximum sequence length (learned position embeddings for gpt2). HF: `n_positions`. */
  readonly contextLength: number;
  /** Residual stream width. HF: `n_embd`. */
  readonly hiddenSize: number;
  /** Number of transformer blocks. HF: `n_layer`. */
  readonly numLayers: number;
  /** Attention heads; `hiddenSize` must be divisible by it. HF: `n_head`. */
  readonly numHeads: number;
  /** Key/value heads for grouped-query attention. Default: `numHeads`. */
  readonly numKeyValueHeads?: number;
  /** MLP inner width. Default: `4 * hiddenSize`. HF: `n_inner`. */
  readonly intermediateSize?: number;
  /** LayerNorm epsilon. Default: 1e-5. */
  readonly layerNormEpsilon?: number;
  /** Dropout probabilities used in training. Default: all 0.1 (GPT-2). */
  readonly dropout?: {
    /** After token + position embedding. HF: `embd_pdrop`. */
    readonly embedding?: number;
    /** On attention probabilities. HF: `attn_pdrop`. */
    readonly attention?: number;
    /** On each residual branch output. HF: `resid_pdrop`. */
    readonly residual?: number;
  };
  /** Whether the unembedding shares the token embedding matrix. Default: true (GPT-2). */
  readonly tieWordEmbeddings?: boolean;
  /** Beginning-of-sequence token id, if the tokenizer has one. */
  readonly bosTokenId?: number;
  /** End-of-sequence token id; generation stops on it. */
  readonly eosTokenId?: number;
  /** Padding token id; defaults to `eosTokenId` (GPT-2 has no pad token). */
  readonly padTokenId?: number;
}
