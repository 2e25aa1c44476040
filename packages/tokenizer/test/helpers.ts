import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import type { Tokenizer } from '../src/index';

/**
 * Hugging Face's own JavaScript tokenizer (tokenizers.js) built from our saved
 * tokenizer.json: an independent implementation of the same scheme, used as a second oracle.
 */
export function huggingFaceTwin(tokenizer: Tokenizer): { encode(text: string): number[] } {
  const json = JSON.parse(tokenizer.toTokenizerJson());
  const config = { eos_token: tokenizer.spec.eosToken ?? null, add_bos_token: false, add_eos_token: false };
  const twin = new HfTokenizer(json, config);
  return { encode: (text) => twin.encode(text, { add_special_tokens: false }).ids };
}
