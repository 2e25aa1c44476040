import type { CausalLMV1, TransformerConfig } from '@instructkit/core';

/**
 * A bigram language model whose next-token distribution depends only on the previous
 * token: p(next | prev) = table[prev][next]. Its log-likelihoods can be computed by
 * hand, which makes it an independent reference for the scorers.
 */
export function createBigramModel(table: number[][]): CausalLMV1 {
  const vocabSize = table.length;
  const config: TransformerConfig = {
    architecture: 'gpt2',
    vocabSize,
    contextLength: 16,
    hiddenSize: 4,
    numLayers: 1,
    numHeads: 1,
    eosTokenId: 0,
  };
  return {
    specificationVersion: 'v1',
    modelId: 'bigram',
    config,
    async doLogprobs({ batch }) {
      const logprobs = new Float32Array(batch.batchSize * (batch.length - 1));
      for (let b = 0; b < batch.batchSize; b++) {
        for (let t = 0; t + 1 < batch.length; t++) {
          if (!batch.attentionMask[b * batch.length + t + 1]) continue;
          const prev = batch.ids[b * batch.length + t]!;
          const next = batch.ids[b * batch.length + t + 1]!;
          logprobs[b * (batch.length - 1) + t] = Math.log(table[prev]![next]!);
        }
      }
      return { logprobs };
    },
    async doLogits() {
      throw new Error('not used');
    },
    async doStartDecoding() {
      throw new Error('not used');
    },
  };
}

/** Encodes lower-case letters a..z as 1..26 and space as 27 (0 is EOS). */
export const letterTokenizer = {
  encode: (text: string) => [...text].map((char) => (char === ' ' ? 27 : char.charCodeAt(0) - 96)),
  decode: (ids: ArrayLike<number>) =>
    Array.from(ids, (id) => (id === 27 ? ' ' : id === 0 ? '' : String.fromCharCode(id + 96))).join(''),
};
