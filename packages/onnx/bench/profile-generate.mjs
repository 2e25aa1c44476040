// Core's `generate` on the 4M model over onnxruntime, against the bare greedy loop of
// bench/generate.mjs: how much of a generation the sampling loop in @instructkit/core adds.
// Usage: node bench/profile-generate.mjs [--batch 8] [--rounds 5] [--spin auto|on|off]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { generate } from '@instructkit/core';
import { createOrtCausalLMFromWeights, spinningHelps } from '../dist/index.js';
import { randomWeights } from './random-weights.mjs';

process.env.INSTRUCTKIT_QUIET = '1';
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, index, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[index + 1]]] : pairs), []),
);
const config = { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 };
const batchSize = Number(args.batch ?? 8);
const rounds = Number(args.rounds ?? 5);
const spinning = args.spin === 'on' ? true : args.spin === 'off' ? false : spinningHelps();
const promptLength = 64;
const newTokens = 64;

const model = await createOrtCausalLMFromWeights({ config, weights: randomWeights(config, 7), sessionOptions: { intraOpThreads: 2, allowSpinning: spinning } });
const prompts = Array.from({ length: batchSize }, (_, row) => Int32Array.from({ length: promptLength }, (_, column) => ((row * promptLength + column) * 7919) % config.vocabSize));

async function bareGreedy() {
  const ids = new Int32Array(batchSize * promptLength);
  prompts.forEach((prompt, row) => ids.set(prompt, row * promptLength));
  const { logits, session } = await model.doStartDecoding({ batch: { batchSize, length: promptLength, ids, attentionMask: new Uint8Array(ids.length).fill(1) }, maxNewTokens: newTokens });
  let current = logits;
  const tokens = new Int32Array(batchSize);
  for (let step = 0; step < newTokens; step++) {
    for (let row = 0; row < batchSize; row++) {
      let best = 0;
      for (let token = 1; token < config.vocabSize; token++) if (current[row * config.vocabSize + token] > current[row * config.vocabSize + best]) best = token;
      tokens[row] = best;
    }
    if (step < newTokens - 1) current = await session.step(tokens);
  }
  session.dispose();
}

const variants = {
  'bare greedy loop': bareGreedy,
  'generate, greedy': () => generate({ model, prompts, sampling: { maxNewTokens: newTokens, temperature: 0 } }),
  'generate, temperature 1': () => generate({ model, prompts, sampling: { maxNewTokens: newTokens, temperature: 1, seed: 1 } }),
  'generate, top-p 0.9': () => generate({ model, prompts, sampling: { maxNewTokens: newTokens, temperature: 1, topP: 0.9, seed: 1 } }),
};
const times = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (const run of Object.values(variants)) await run();
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const start = performance.now();
    await run();
    times[name].push(performance.now() - start);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`4M, batch ${batchSize}, prompt ${promptLength} -> ${newTokens} new tokens, spinning ${spinning ? 'on' : 'off'}, load ${loadavg()[0].toFixed(2)} (median of ${rounds}, interleaved)`);
for (const [name, values] of Object.entries(times)) {
  console.log(`  ${name.padEnd(26)} ${median(values).toFixed(1).padStart(7)} ms  ${Math.round((batchSize * newTokens) / (median(values) / 1000)).toLocaleString('en-US').padStart(6)} tok/s`);
}
await model.dispose();
