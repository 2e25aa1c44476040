/**
 * A hand-made bandit for PPO's learning tests: a 5-token vocabulary, short prompts, a
 * proxy reward model that likes `a` and (less) `b`, and a gold scorer that likes `a`
 * only — so optimising the proxy raises gold too, but not one-for-one.
 */
import type { RewardModelV1 } from '@instructkit/core';
import { estimateKl } from '../src/estimate-kl';
import { buildRolloutBatch } from '../src/build-rollout-batch';
import { SeededRandom } from '../src/seeded-random';
import { createSamplingGenerator, createTabularPolicy, createTabularValueModel, type TabularPolicy } from './tabular-model';

export const VOCABULARY = ['', 'a', 'b', 'c', 'd'];
export const EOS = 0;

export const tokenizer = {
  encode: (text: string) => Array.from(text, (character) => VOCABULARY.indexOf(character)),
  decode: (ids: ArrayLike<number>) => Array.from(ids, (id) => VOCABULARY[id]).join(''),
};

export const PROMPTS = ['a', 'b', 'c', 'd', 'ab', 'cd', 'ba', 'dc', 'ca', 'bd'];

function textReward(modelId: string, weights: Record<string, number>): RewardModelV1 {
  return {
    specificationVersion: 'v1',
    modelId,
    async doScore({ completions }) {
      return completions.map((text) => (text.length === 0 ? 0 : Array.from(text).reduce((sum, character) => sum + (weights[character] ?? 0), 0) / text.length));
    },
  };
}

export const proxyReward = textReward('proxy', { a: 1, b: 0.6 });
export const goldReward = textReward('gold', { a: 1, b: 0.1 });

/** The "SFT" starting table: seeded small logits, EOS likely enough for ~4-token answers. */
export function sftTable(seed = 1): Float32Array {
  const random = new SeededRandom(seed);
  const table = new Float32Array(VOCABULARY.length * VOCABULARY.length);
  for (let index = 0; index < table.length; index++) table[index] = (random.next() - 0.5) * 1.0;
  for (let row = 0; row < VOCABULARY.length; row++) table[row * VOCABULARY.length + EOS] = 0;
  return table;
}

/** Fresh policy, frozen reference, value model and generator, all from the SFT table. */
export function createBanditModels(options: { learningRate?: number } = {}) {
  const table = sftTable();
  const policy = createTabularPolicy({ vocabSize: VOCABULARY.length, eosTokenId: EOS, table, learningRate: options.learningRate ?? 0.05 });
  const reference = createTabularPolicy({ vocabSize: VOCABULARY.length, eosTokenId: EOS, table, modelId: 'reference' });
  const valueModel = createTabularValueModel(VOCABULARY.length, { learningRate: 0.05 });
  return { policy, reference, valueModel, generator: createSamplingGenerator(policy), tokenizer, prompts: PROMPTS };
}

/** Mean proxy and gold reward and k3 KL of a policy, measured on fresh samples with a fixed seed. */
export async function measurePolicy(policy: TabularPolicy, reference: TabularPolicy, samples = 400) {
  const prompts = Array.from({ length: samples }, (_, index) => PROMPTS[index % PROMPTS.length]!);
  const { sequences } = await createSamplingGenerator(policy).doGenerate({
    prompts: prompts.map((prompt) => Int32Array.from(tokenizer.encode(prompt))),
    sampling: { maxNewTokens: 6, seed: 12345 },
  });
  const completions = sequences.map((sequence) => tokenizer.decode(sequence.completionIds.filter((id) => id !== EOS)));
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const layout = buildRolloutBatch(sequences, EOS);
  const kl = estimateKl({
    batchSize: samples,
    logprobs: (await policy.doLogprobs({ batch: layout.batch })).logprobs,
    refLogprobs: (await reference.doLogprobs({ batch: layout.batch })).logprobs,
    mask: layout.actionMask,
  });
  return {
    proxy: mean(await proxyReward.doScore({ prompts, completions })),
    gold: mean(await goldReward.doScore({ prompts, completions })),
    kl: kl.unbiased,
  };
}
