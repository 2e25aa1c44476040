// Where a decoding step of the Optimum-layout (pruned) graph goes, 4M config, prompt 64 -> 64 new tokens.
// (The default for in-memory models is now the in-place cache, see src/runtime/ort-causal-lm.ts; this
// script keeps profiling the pruned path it was written for: --decoding-graph pruned by default.)
// Splits OrtCausalLM's step into JavaScript around session.run (feeds, cache views, mask),
// session.run itself, and the caller's argmax; then runs a bare loop that calls session.run
// directly with reused tensors (the floor the JavaScript side can reach).
// Usage: node bench/profile-decode.mjs [--operators onnxruntime|standard] [--batch 1] [--threads 2] [--spin auto|on|off] [--decoding-graph pruned|full] [--rounds 5]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { createOrtCausalLMFromWeights, spinningHelps } from '../dist/index.js';
import { randomWeights } from './random-weights.mjs';

process.env.INSTRUCTKIT_QUIET = '1';
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, index, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[index + 1]]] : pairs), []),
);
// Spinning of onnxruntime's intra-op threads: `auto` (the package default) decides from the load
// average; decided once here so that every variant of a run spins alike.
const spinSetting = args.spin === 'on' ? true : args.spin === 'off' ? false : 'auto';
const spinning = spinSetting === 'auto' ? spinningHelps() : spinSetting;
const config = { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 };
const operators = args.operators ?? 'onnxruntime';
const batchSize = Number(args.batch ?? 1);
const rounds = Number(args.rounds ?? 5);
const promptLength = 64;
const newTokens = 64;

const model = await createOrtCausalLMFromWeights({
  config,
  weights: randomWeights(config, 7),
  operators,
  decodingGraph: args['decoding-graph'] ?? 'pruned',
  sessionOptions: { intraOpThreads: Number(args.threads ?? 2), allowSpinning: spinning },
});
// Time the session that decoding runs (the pruned graph's unless --decoding-graph full).
const session = await model['sessionForDecoding']();
const originalRun = session.run.bind(session);
let runMs = 0;
session.run = async (...runArgs) => {
  const start = performance.now();
  const result = await originalRun(...runArgs);
  runMs += performance.now() - start;
  return result;
};

const vocab = config.vocabSize;
const ids = new Int32Array(batchSize * promptLength);
for (let index = 0; index < ids.length; index++) ids[index] = (index * 7919) % vocab;
const prompt = { batchSize, length: promptLength, ids, attentionMask: new Uint8Array(ids.length).fill(1) };

function argmax(logits, tokens) {
  for (let row = 0; row < batchSize; row++) {
    let best = 0;
    for (let token = 1; token < vocab; token++) if (logits[row * vocab + token] > logits[row * vocab + best]) best = token;
    tokens[row] = best;
  }
}

async function modelLoop() {
  const prefillStart = performance.now();
  const { logits, session: decoding } = await model.doStartDecoding({ batch: prompt, maxNewTokens: newTokens });
  const prefill = performance.now() - prefillStart;
  runMs = 0;
  let stepMs = 0;
  let sampleMs = 0;
  let current = logits;
  const tokens = new Int32Array(batchSize);
  const start = performance.now();
  for (let step = 0; step < newTokens - 1; step++) {
    const sampleStart = performance.now();
    argmax(current, tokens);
    const stepStart = performance.now();
    sampleMs += stepStart - sampleStart;
    current = await decoding.step(tokens);
    stepMs += performance.now() - stepStart;
  }
  const total = performance.now() - start;
  decoding.dispose();
  const steps = newTokens - 1;
  return { prefill, total: total / steps, run: runMs / steps, aroundRun: (stepMs - runMs) / steps, sample: sampleMs / steps, tokensPerSecond: (batchSize * newTokens) / ((prefill + total) / 1000) };
}

// The floor: session.run on reused cache buffers, int64 feeds written in place, no checks.
async function bareLoop() {
  const heads = config.numHeads;
  const headDim = config.hiddenSize / heads;
  const capacity = promptLength + newTokens;
  const buffers = [0, 1].map(() => Array.from({ length: 2 * config.numLayers }, () => new Float32Array(batchSize * heads * capacity * headDim)));
  const cacheTensors = (set, prefix, length) => {
    const tensors = {};
    for (let layer = 0; layer < config.numLayers; layer++) {
      ['key', 'value'].forEach((kind, offset) => {
        tensors[`${prefix}.${layer}.${kind}`] = new ort.Tensor('float32', set[2 * layer + offset].subarray(0, batchSize * heads * length * headDim), [batchSize, heads, length, headDim]);
      });
    }
    return tensors;
  };
  const int64 = (values, dims) => new ort.Tensor('int64', BigInt64Array.from(values, (value) => BigInt(value)), dims);
  const positions = [];
  for (let row = 0; row < batchSize; row++) for (let column = 0; column < promptLength; column++) positions.push(column);
  const emptyCache = {};
  for (let layer = 0; layer < config.numLayers; layer++) for (const kind of ['key', 'value']) emptyCache[`past_key_values.${layer}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [batchSize, heads, 0, headDim]);
  let outputs = await originalRun(
    { input_ids: int64(ids, [batchSize, promptLength]), attention_mask: int64(prompt.attentionMask, [batchSize, promptLength]), position_ids: int64(positions, [batchSize, promptLength]), ...emptyCache },
    { last_logits: null, ...cacheTensors(buffers[0], 'present', promptLength) },
  );
  const tokenIds = new BigInt64Array(batchSize);
  const positionIds = new BigInt64Array(batchSize);
  const maskData = new BigInt64Array(batchSize * capacity).fill(1n);
  const tokens = new Int32Array(batchSize);
  const logitsOut = new ort.Tensor('float32', new Float32Array(batchSize * vocab), [batchSize, vocab]);
  let current = outputs.last_logits.data;
  const start = performance.now();
  let run = 0;
  let length = promptLength;
  let which = 0;
  for (let step = 0; step < newTokens - 1; step++) {
    argmax(current, tokens);
    for (let row = 0; row < batchSize; row++) {
      tokenIds[row] = BigInt(tokens[row]);
      positionIds[row] = BigInt(length);
    }
    const feeds = {
      input_ids: new ort.Tensor('int64', tokenIds, [batchSize, 1]),
      position_ids: new ort.Tensor('int64', positionIds, [batchSize, 1]),
      attention_mask: new ort.Tensor('int64', maskData.subarray(0, batchSize * (length + 1)), [batchSize, length + 1]),
      ...cacheTensors(buffers[which], 'past_key_values', length),
    };
    const fetches = { last_logits: logitsOut, ...cacheTensors(buffers[1 - which], 'present', length + 1) };
    const runStart = performance.now();
    outputs = await originalRun(feeds, fetches);
    run += performance.now() - runStart;
    current = logitsOut.data;
    which = 1 - which;
    length++;
  }
  const steps = newTokens - 1;
  return { total: (performance.now() - start) / steps, run: run / steps };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
await modelLoop();
await bareLoop();
const results = { model: [], bare: [] };
for (let round = 0; round < rounds; round++) {
  results.model.push(await modelLoop());
  results.bare.push(await bareLoop());
}
const pick = (list, key) => median(list.map((entry) => entry[key])).toFixed(3);
console.log(`4M, ${operators} ops, ${args['decoding-graph'] ?? 'pruned'} decoding graph, batch ${batchSize}, threads ${args.threads ?? 2}, spinning ${spinning ? 'on' : 'off'}${spinSetting === 'auto' ? ' (auto)' : ''}, load ${loadavg()[0].toFixed(2)}; ms per decoding step (median of ${rounds})`);
console.log(`  OrtCausalLM: ${pick(results.model, 'tokensPerSecond')} tok/s; prompt pass ${pick(results.model, 'prefill')} ms; step total ${pick(results.model, 'total')} = session.run ${pick(results.model, 'run')} + around run ${pick(results.model, 'aroundRun')} + argmax ${pick(results.model, 'sample')}`);
console.log(`  bare loop:   total ${pick(results.bare, 'total')}, session.run ${pick(results.bare, 'run')}`);
await model.dispose();
