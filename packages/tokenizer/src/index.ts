/**
 * @packageDocumentation
 * Byte-level BPE tokenizer with exact GPT-2 parity, Hugging Face tokenizer.json I/O, training and chat templates.
 */
export const PACKAGE_NAME = '@instructkit/tokenizer';
