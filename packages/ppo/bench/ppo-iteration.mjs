// Seconds per PPO iteration with the tfjs engine (cpu backend) on a small GPT-2, split into
// generation, scoring and training, for two rollout sizes; the baseline row is one plain
// generate() call of the same rollout with core's local generator, so the ratios show what
// PPO adds on top of sampling. Run after building ppo, core and tfjs:
//   node bench/ppo-iteration.mjs
// The machine is shared: medians of 3 iterations after one warm-up.
import { createLocalGenerator } from '@instructkit/core';
import { createCausalLM, createScalarModel } from '@instructkit/tfjs';
import { trainPpo } from '../dist/index.js';

const config = {
  architecture: 'gpt2', vocabSize: 256, contextLength: 96, hiddenSize: 64, numLayers: 2, numHeads: 4, eosTokenId: 0,
  dropout: { embedding: 0, attention: 0, residual: 0 },
};
const tokenizer = {
  encode: (text) => Array.from(Buffer.from(text, 'latin1')),
  decode: (ids) => Buffer.from(Array.from(ids)).toString('latin1'),
};
const prompts = Array.from({ length: 64 }, (_, index) => `Question ${index}: say something nice.`);
const rewardModel = {
  specificationVersion: 'v1', modelId: 'vowels',
  doScore: async ({ completions }) => completions.map((text) => (text.match(/[aeiou]/g)?.length ?? 0) / Math.max(1, text.length)),
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
for (const rolloutBatchSize of [16, 32]) {
  const policy = await createCausalLM({ config, seed: 1, backend: 'cpu' });
  const reference = await createCausalLM({ config, seed: 1, backend: 'cpu' });
  const valueModel = await createScalarModel({ config, seed: 2, backend: 'cpu' });
  policy.configureTraining({ optimizer: { learningRate: 1e-4 }, maxGradNorm: 1 });
  valueModel.configureTraining({ optimizer: { learningRate: 1e-4 }, maxGradNorm: 1 });
  const generator = createLocalGenerator(policy);
  const encoded = prompts.slice(0, rolloutBatchSize).map((prompt) => Int32Array.from(tokenizer.encode(prompt)));
  const generateTimes = [];
  for (let run = 0; run < 4; run++) {
    const started = performance.now();
    await generator.doGenerate({ prompts: encoded, sampling: { maxNewTokens: 32, seed: run } });
    if (run > 0) generateTimes.push((performance.now() - started) / 1000);
  }
  const { history } = await trainPpo({
    policy, reference, valueModel, rewardModel, tokenizer, prompts,
    // entropyCoefficient > 0 sidesteps a tfjs metric-aliasing bug in PolicyTask steps with a zero entropy bonus (reported).
    hyperparameters: { iterations: 4, rolloutBatchSize, minibatchSize: rolloutBatchSize / 4, epochs: 1, maxNewTokens: 32, emaDecay: 0.992, entropyCoefficient: 0.01 },
    onWarning: () => {},
  });
  const measured = history.slice(1);
  const generation = median(measured.map((m) => m.generation_seconds));
  const scoring = median(measured.map((m) => m.scoring_seconds));
  const training = median(measured.map((m) => m.training_seconds));
  const baseline = median(generateTimes);
  rows.push([rolloutBatchSize, baseline, generation, scoring, training, generation + scoring + training]);
}
console.log(`PPO iteration, tfjs cpu, GPT-2 64-wide × 2 layers, 32 new tokens, 4 minibatches × 1 epoch; Node ${process.version}; medians\n`);
console.log('| episodes | generate() alone s (baseline) | rollout generation s | scoring s | training s | iteration s | × baseline |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const [size, baseline, generation, scoring, training, total] of rows) {
  console.log(`| ${size} | ${baseline.toFixed(2)} | ${generation.toFixed(2)} | ${scoring.toFixed(2)} | ${training.toFixed(2)} | ${total.toFixed(2)} | ${(total / baseline).toFixed(1)} |`);
}
