// Training and generation throughput of the tfjs engine on one backend (default wasm).
// Usage: node bench/train-and-generate.mjs [--backend wasm] [--steps 5] [--quick]
// Imports the built dist/: run `npm run build` first. Prints a markdown table; each number is
// the median over the measured repetitions (the machine is shared: medians, not means).
// Rates are given per wall-clock second and per CPU second of this process: wasm runs on
// one thread, so on a busy shared machine the CPU-second rate is the steadier estimate of
// what an idle machine would do.
import { parseArgs } from 'node:util';
import { createCausalLM, selectBackend } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    steps: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
  },
});
const measuredSteps = Number(args.steps);
// The measurements on this machine for the 4M config (tokens/s, training, one thread).
const BASELINE_TFJS = 630;
const PYTORCH_CPU = 3500;

const configs = [
  { name: '~4M (V4096 T128 d256 L4 H4)', config: { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 } },
  { name: '~1M (V2048 T128 d128 L4 H4)', config: { architecture: 'gpt2', vocabSize: 2048, contextLength: 128, hiddenSize: 128, numLayers: 4, numHeads: 4 } },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function randomBatch(batchSize, length, vocabSize, seed) {
  let state = seed;
  const ids = new Int32Array(batchSize * length);
  for (let index = 0; index < ids.length; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    ids[index] = state % vocabSize;
  }
  return { batchSize, length, ids, attentionMask: new Uint8Array(batchSize * length).fill(1) };
}

async function trainingTokensPerSecond(config, dropout) {
  const model = await createCausalLM({ config: { ...config, dropout: { embedding: dropout, attention: dropout, residual: dropout } }, seed: 1 });
  model.configureTraining({ optimizer: { learningRate: 1e-4, beta2: 0.95, weightDecay: 0.1 }, maxGradNorm: 1 });
  const batch = randomBatch(8, 128, config.vocabSize, 1);
  const task = { kind: 'language-modeling', batch, lossMask: new Uint8Array(8 * 127).fill(1) };
  await model.doTrainStep({ microbatches: [task] }); // warm-up (kernel setup, allocations)
  const rates = [];
  const cpuRates = [];
  for (let step = 0; step < measuredSteps; step++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const result = await model.doTrainStep({ microbatches: [task] });
    const cpu = process.cpuUsage(cpuStarted);
    rates.push(result.tokens / ((performance.now() - started) / 1000));
    cpuRates.push(result.tokens / ((cpu.user + cpu.system) / 1e6));
  }
  const parameters = model.parameterCount;
  model.dispose();
  return { rate: median(rates), cpuRate: median(cpuRates), parameters };
}

async function generationTokensPerSecond(config, batchSize, newTokens) {
  const model = await createCausalLM({ config, seed: 1 });
  const prompt = randomBatch(batchSize, 16, config.vocabSize, 2);
  const rates = [];
  const cpuRates = [];
  for (let repetition = 0; repetition < 3; repetition++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const { logits, session } = await model.doStartDecoding({ batch: prompt, maxNewTokens: newTokens });
    let current = logits;
    for (let step = 0; step < newTokens; step++) {
      const next = new Int32Array(batchSize);
      for (let row = 0; row < batchSize; row++) {
        let best = 0;
        for (let token = 1; token < config.vocabSize; token++) if (current[row * config.vocabSize + token] > current[row * config.vocabSize + best]) best = token;
        next[row] = best;
      }
      current = await session.step(next);
    }
    session.dispose();
    const cpu = process.cpuUsage(cpuStarted);
    if (repetition > 0) {
      rates.push((batchSize * newTokens) / ((performance.now() - started) / 1000));
      cpuRates.push((batchSize * newTokens) / ((cpu.user + cpu.system) / 1e6));
    }
  }
  model.dispose();
  return { rate: median(rates), cpuRate: median(cpuRates) };
}

await selectBackend({ backend: args.backend });
const rows = [];
for (const { name, config } of args.quick ? configs.slice(1) : configs) {
  const withDropout = await trainingTokensPerSecond(config, 0.1);
  const withoutDropout = await trainingTokensPerSecond(config, 0);
  const generateOne = await generationTokensPerSecond(config, 1, 64);
  const generateEight = await generationTokensPerSecond(config, 8, 64);
  rows.push({ name, parameters: withDropout.parameters, withDropout, withoutDropout, generateOne, generateEight });
}

const format = (value) => value.toFixed(0);
const both = (measured) => `${format(measured.cpuRate)} (${format(measured.rate)})`;
console.log(`\nBackend: ${args.backend}; training batch 8 × 128, AdamW; generation: 16-token prompt + 64 new tokens, greedy, KV cache.`);
console.log(`Tokens per CPU-second of this process (per wall-clock second in brackets); medians of ${measuredSteps} steps / 2 runs; load average ${(await import('node:os')).loadavg()[0].toFixed(1)}.\n`);
console.log('| model | parameters | train, dropout 0.1 | train, no dropout | ratio vs tfjs baseline 630 | ratio vs PyTorch 3,500 | generate, batch 1 | generate, batch 8 |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const fourMillion = row.name.startsWith('~4M');
  const ratio = (reference) => (fourMillion ? `${(row.withDropout.cpuRate / reference).toFixed(2)}×` : '—');
  console.log(
    `| ${row.name} | ${(row.parameters / 1e6).toFixed(2)}M | ${both(row.withDropout)} | ${both(row.withoutDropout)} | ${ratio(BASELINE_TFJS)} | ${ratio(PYTORCH_CPU)} | ${both(row.generateOne)} | ${both(row.generateEight)} |`,
  );
}
