import { describe, expect, it } from 'vitest';
import { createLocalGenerator, type TransformerConfig } from '@instructkit/core';
import { createCausalLM } from '@instructkit/tfjs';
import { expectClose } from '@instructkit/test-utils';
import { createOrtPolicyGenerator } from '../src/runtime/create-ort-policy-generator';

const config: TransformerConfig = {
  architecture: 'gpt2',
  vocabSize: 40,
  contextLength: 24,
  hiddenSize: 16,
  numLayers: 2,
  numHeads: 2,
  eosTokenId: 0,
  dropout: { embedding: 0, attention: 0, residual: 0 },
};
const prompts = [Int32Array.of(5, 6, 7), Int32Array.of(9), Int32Array.of(3, 4, 11, 12, 13)];

describe('createOrtPolicyGenerator', () => {
  it('samples what the tfjs policy samples, before and after a training step, refreshing only when the policy steps', async () => {
    const policy = await createCausalLM({ config, seed: 4, backend: 'cpu' });
    policy.configureTraining({ optimizer: { learningRate: 0.05 } });
    const generator = createOrtPolicyGenerator({ policy, sessionOptions: { intraOpThreads: 1 } });
    const local = createLocalGenerator(policy);
    const sampling = { maxNewTokens: 6, temperature: 1, seed: 11, eosTokenIds: [] };
    try {
      const compare = async () => {
        const [fromOrt, fromTfjs] = [await generator.doGenerate({ prompts, sampling }), await local.doGenerate({ prompts, sampling })];
        fromOrt.sequences.forEach((sequence, i) => {
          expect(Array.from(sequence.completionIds)).toEqual(Array.from(fromTfjs.sequences[i]!.completionIds));
          expectClose(sequence.logprobs, fromTfjs.sequences[i]!.logprobs, { atol: 1e-4, label: `row ${i}` });
        });
        return fromOrt;
      };
      const before = await compare();
      await compare();
      expect(generator.refreshes).toBe(1);

      // One step pushing every row towards token 1 changes what gets sampled.
      const length = 6;
      const ids = Int32Array.from({ length: 4 * length }, (_, i) => (i % length === 0 ? 2 : 1));
      await policy.doTrainStep({
        microbatches: [{ kind: 'language-modeling', batch: { batchSize: 4, length, ids, attentionMask: new Uint8Array(ids.length).fill(1) }, lossMask: new Uint8Array(4 * (length - 1)).fill(1) }],
      });
      const after = await compare();
      expect(generator.refreshes).toBe(2);
      expect(after.sequences.map((s) => Array.from(s.logprobs))).not.toEqual(before.sequences.map((s) => Array.from(s.logprobs)));
    } finally {
      await generator.dispose();
      policy.dispose();
    }
  });
});
