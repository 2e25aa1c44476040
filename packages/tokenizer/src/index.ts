/**
 * @packageDocumentation
 * Byte-level BPE tokenizer with exact GPT-2 parity, Hugging Face tokenizer.json I/O,
 * training and a chat template with assistant masks.
 */
export { loadTokenizer, TOKENIZER_PRESETS } from './load-tokenizer';
export type { TokenizerPreset } from './load-tokenizer';
export { Tokenizer } from './tokenizer';
export type { AllowedSpecial, EncodeOptions, DecodeOptions, EncodeBatchOptions, TokenStreamDecoder } from './tokenizer';
export type { AddedToken, TokenizerSpec } from './tokenizer-spec';
export { CHAT_SPECIAL_TOKENS } from './chat-template';
export type { ChatTurn, RenderChatOptions, RenderedChat } from './chat-template';
export { TokenizerFileError } from './tokenizer-file-error';
export { GPT2_SPLIT_PATTERN, preTokenize } from './pre-tokenizer';
export { BYTE_TO_UNICODE } from './byte-level';
export { trainTokenizer } from './train-tokenizer';
export type { TrainTokenizerSettings } from './train-tokenizer';
