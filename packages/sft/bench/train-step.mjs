// Benchmark: SFT throughput with padded rows (baseline) against sequence packing, on
// variable-length sequences, tfjs wasm backend. Tokens counted are real (non-pad) tokens.
// Run after `npm run build`: node bench/train-step.mjs
import { createCausalLM } from '@instructkit/tfjs';
import { collateExamples, packExamples } from '../dist/index.js';

const LENGTH = 128;
const SEQUENCES = 64;
const REPEATS = 5;
const config = { architecture: 'gpt2', vocabSize: 256, contextLength: LENGTH, hiddenSize: 64, numLayers: 2, numHeads: 4, eosTokenId: 0 };

let seed = 3;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
// Lengths skewed short with a long tail, like instruction data.
const examples = Array.from({ length: SEQUENCES }, () => {
  const length = Math.min(LENGTH, 8 + Math.floor(random() ** 2 * LENGTH));
  return { ids: Int32Array.from({ length }, () => 1 + Math.floor(random() * 255)), targetMask: new Uint8Array(length).fill(1) };
});
const realTokens = examples.reduce((sum, example) => sum + example.ids.length, 0);

async function measure(tasks) {
  const model = await createCausalLM({ config, seed: 1, backend: 'wasm' });
  model.configureTraining({ optimizer: { learningRate: 1e-4 } });
  await model.doTrainStep({ microbatches: [tasks[0]] }); // warm-up
  const times = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    const started = performance.now();
    for (const task of tasks) await model.doTrainStep({ microbatches: [task] });
    times.push(performance.now() - started);
  }
  model.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] / 1000;
}

const batch = 8;
const padded = [];
for (let start = 0; start < examples.length; start += batch) padded.push(collateExamples(examples.slice(start, start + batch), 0, LENGTH));
const packedRows = packExamples(examples, LENGTH);
const packed = [];
for (let start = 0; start < packedRows.length; start += batch) packed.push(collateExamples(packedRows.slice(start, start + batch), 0, LENGTH));
const paddedSeconds = await measure(padded);
const packedSeconds = await measure(packed);
const paddedRate = realTokens / paddedSeconds;
const packedRate = realTokens / packedSeconds;
console.log(`\nOne epoch of ${SEQUENCES} sequences (${realTokens} real tokens, max ${LENGTH}), batch ${batch}, tfjs wasm, median of ${REPEATS} (shared machine: noisy)\n`);
console.log('| layout | rows | real tokens / s (median) | ratio vs padded |');
console.log('|---|---|---|---|');
console.log(`| padded rows (baseline) | ${SEQUENCES} | ${paddedRate.toFixed(0)} | 1.00 |`);
console.log(`| packed rows of ${LENGTH} | ${packedRows.length} | ${packedRate.toFixed(0)} | ${(packedRate / paddedRate).toFixed(2)} |`);
