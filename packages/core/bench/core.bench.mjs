// Benchmarks of core's machinery, on the built dist/. Run: `pnpm --filter @instructkit/core bench`
// (after `build`). Prints markdown tables; each row's ratio is against the table's baseline.
// Times are medians of several runs: the machine is shared, so single runs are noisy.
import {
  applyTopK,
  applyTopP,
  argmax,
  applyTemperature,
  createRng,
  fromFloat32,
  generate,
  logSoftmax,
  parseSafetensors,
  sampleFromLogits,
  serializeSafetensors,
  toFloat32,
} from '../dist/index.js';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(run, repeats) {
  run(); // warm-up
  const samples = [];
  for (let index = 0; index < repeats; index++) {
    const start = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

function table(title, unit, rows) {
  const baseline = rows[0][1];
  console.log(`\n### ${title}\n\n| case | median ${unit} | ratio to ${rows[0][0]} |\n|---|---:|---:|`);
  for (const [name, value, extra] of rows) console.log(`| ${name} | ${value.toFixed(3)}${extra ?? ''} | ${(value / baseline).toFixed(2)}× |`);
}

// --- safetensors: 64 MiB of float32 in 16 tensors -------------------------------------
const rng = createRng(1);
const tensors = new Map();
for (let index = 0; index < 16; index++) {
  const values = new Float32Array(1 << 20);
  for (let element = 0; element < values.length; element++) values[element] = rng.next() - 0.5;
  tensors.set(`h.${index}.weight`, { dtype: 'float32', shape: [1024, 1024], data: values });
}
const bytes = serializeSafetensors(tensors);
const megabytes = bytes.byteLength / 2 ** 20;
// Baseline: copying each tensor's bytes out of the file, the least work a reader that returns owned, aligned arrays can do.
const headerEnd = bytes.byteLength - 64 * 2 ** 20;
const copyMs = time(() => {
  for (let index = 0; index < 16; index++) bytes.slice(headerEnd + index * 4 * 2 ** 20, headerEnd + (index + 1) * 4 * 2 ** 20);
}, 7);
const parseMs = time(() => parseSafetensors(bytes), 7);
const serializeMs = time(() => serializeSafetensors(tensors), 7);
const half = fromFloat32(tensors.get('h.0.weight').data, [1024, 1024], 'float16');
const brain = fromFloat32(tensors.get('h.0.weight').data, [1024, 1024], 'bfloat16');
const copy4Ms = time(() => tensors.get('h.0.weight').data.slice(), 15);
table(`safetensors, ${megabytes.toFixed(0)} MiB F32 (throughput in the last column)`, 'ms', [
  ["copy of each tensor's bytes (baseline)", copyMs, ` (${(megabytes / copyMs * 1000).toFixed(0)} MiB/s)`],
  ['parseSafetensors', parseMs, ` (${(megabytes / parseMs * 1000).toFixed(0)} MiB/s)`],
  ['serializeSafetensors', serializeMs, ` (${(megabytes / serializeMs * 1000).toFixed(0)} MiB/s)`],
]);
table('dtype conversion, 1M elements', 'ms', [
  ['Float32Array copy (baseline)', copy4Ms],
  ['toFloat32(F16)', time(() => toFloat32(half), 15)],
  ['toFloat32(BF16)', time(() => toFloat32(brain), 15)],
  ['fromFloat32(…, float16)', time(() => fromFloat32(tensors.get('h.0.weight').data, [1024, 1024], 'float16'), 15)],
  ['fromFloat32(…, bfloat16)', time(() => fromFloat32(tensors.get('h.0.weight').data, [1024, 1024], 'bfloat16'), 15)],
]);

// --- one sampling step over GPT-2's vocabulary ----------------------------------------
const vocabSize = 50257;
const logits = new Float32Array(vocabSize);
for (let index = 0; index < vocabSize; index++) logits[index] = rng.normal() * 3;
const sampler = createRng(2);
const repeats = 41;
table(`one sampling step, vocabulary ${vocabSize}`, 'ms', [
  ['logSoftmax (baseline: every step records the log-prob)', time(() => logSoftmax(logits), repeats)],
  ['greedy (argmax)', time(() => argmax(logits), repeats)],
  ['temperature 0.7 + draw', time(() => sampleFromLogits(applyTemperature(Float32Array.from(logits), 0.7), sampler), repeats)],
  ['top-k 50 + draw', time(() => sampleFromLogits(applyTopK(Float32Array.from(logits), 50), sampler), repeats)],
  ['top-p 0.9 + draw', time(() => sampleFromLogits(applyTopP(Float32Array.from(logits), 0.9), sampler), repeats)],
]);

// --- the generate loop around a model that costs nothing ------------------------------
// Shows the sampler's own overhead per generated token, which an engine's forward pass adds to.
const batchRows = 8;
const newTokens = 32;
const rowLogits = new Float32Array(batchRows * vocabSize);
for (let row = 0; row < batchRows; row++) rowLogits.set(logits, row * vocabSize);
const freeModel = {
  specificationVersion: 'v1',
  modelId: 'free',
  config: { architecture: 'gpt2', vocabSize, contextLength: 1024, hiddenSize: 8, numLayers: 1, numHeads: 1 },
  async doLogprobs() { throw new Error('unused'); },
  async doLogits() { throw new Error('unused'); },
  async doStartDecoding() {
    return { logits: rowLogits.slice(), session: { batchSize: batchRows, step: async () => rowLogits.slice(), dispose() {} } };
  },
};
const prompts = Array.from({ length: batchRows }, (_, row) => Int32Array.from([row + 1, 2, 3]));
async function timeAsync(run, repeats) {
  await run();
  const samples = [];
  for (let index = 0; index < repeats; index++) {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}
const perToken = async (sampling) => (await timeAsync(() => generate({ model: freeModel, prompts, sampling: { maxNewTokens: newTokens, ...sampling } }), 5)) / (batchRows * newTokens);
const greedyMs = await perToken({ temperature: 0 });
const rows = [
  ['greedy (baseline)', greedyMs],
  ['temperature 1', await perToken({ temperature: 1 })],
  ['top-k 50', await perToken({ topK: 50 })],
  ['top-p 0.9', await perToken({ topP: 0.9 })],
  ['repetition penalty 1.2 + top-k 50', await perToken({ repetitionPenalty: 1.2, topK: 50 })],
];
table(`generate() overhead per token, batch ${batchRows} × ${newTokens} new tokens, vocabulary ${vocabSize}, zero-cost model`, 'ms/token', rows.map(([name, ms]) => [name, ms, ` (${Math.round(1000 / ms)} tok/s)`]));
