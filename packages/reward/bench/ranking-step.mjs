// Benchmark: InstructGPT Eq. 1 as one batch element per prompt (each completion forwarded once)
// against the naive alternative of expanding every pair into its own K = 2 element (each
// completion forwarded K − 1 times). Same model, same data, tfjs wasm backend.
// Run after `npm run build`: node bench/ranking-step.mjs
import { createScalarModel } from '@instructkit/tfjs';
import { buildRankingTask } from '../dist/index.js';

const K = 9;
const PROMPTS = 4;
const REPEATS = 7;
const config = { architecture: 'gpt2', vocabSize: 256, contextLength: 64, hiddenSize: 64, numLayers: 2, numHeads: 4, eosTokenId: 0 };

let seed = 7;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const rankings = Array.from({ length: PROMPTS }, () => ({
  rows: Array.from({ length: K }, () => Array.from({ length: 24 + Math.floor(random() * 24) }, () => 1 + Math.floor(random() * 255))),
  ranks: Array.from({ length: K }, (_, index) => index),
}));
const kWay = buildRankingTask({ rankings, padTokenId: 0 });
const pairwise = buildRankingTask({
  rankings: rankings.flatMap((ranking) => {
    const pairs = [];
    for (let w = 0; w < K; w++) for (let l = w + 1; l < K; l++) pairs.push({ rows: [ranking.rows[w], ranking.rows[l]], ranks: [0, 1] });
    return pairs;
  }),
  padTokenId: 0,
});

async function measure(task) {
  const model = await createScalarModel({ config, seed: 1, backend: 'wasm' });
  model.configureTraining({ optimizer: { learningRate: 1e-4 } });
  await model.doTrainStep({ microbatches: [task] }); // warm-up
  const times = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    const started = performance.now();
    await model.doTrainStep({ microbatches: [task] });
    times.push(performance.now() - started);
  }
  model.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const naive = await measure(pairwise);
const grouped = await measure(kWay);
console.log(`\nRanking step, ${PROMPTS} prompts × K = ${K} (${(K * (K - 1)) / 2} pairs each), tfjs wasm, median of ${REPEATS} steps (shared machine: noisy)\n`);
console.log('| loss layout | rows forwarded | ms / step (median) | ratio vs pairwise |');
console.log('|---|---|---|---|');
console.log(`| pairs as separate K = 2 elements (baseline) | ${pairwise.batch.batchSize} | ${naive.toFixed(0)} | 1.00 |`);
console.log(`| InstructGPT Eq. 1: one element per prompt | ${kWay.batch.batchSize} | ${grouped.toFixed(0)} | ${(naive / grouped).toFixed(2)}× faster |`);
