// Per-kernel profile of one 4M training step on wasm (forward + backward + AdamW).
// Usage: node bench/profile-train-step.mjs [--small] — imports the built dist/.
import * as tf from '@tensorflow/tfjs-core';
import { createCausalLM, selectBackend } from '../dist/index.js';

const small = process.argv.includes('--small');
const config = small
  ? { architecture: 'gpt2', vocabSize: 2048, contextLength: 128, hiddenSize: 128, numLayers: 4, numHeads: 4 }
  : { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 };
await selectBackend({ backend: 'wasm', log: () => {} });
const model = await createCausalLM({ config: { ...config, dropout: { embedding: 0.1, attention: 0.1, residual: 0.1 } }, seed: 1 });
model.configureTraining({ optimizer: { learningRate: 1e-4, beta2: 0.95, weightDecay: 0.1 }, maxGradNorm: 1 });
const ids = new Int32Array(8 * 128).map((_, index) => (index * 7919) % config.vocabSize);
const task = { kind: 'language-modeling', batch: { batchSize: 8, length: 128, ids, attentionMask: new Uint8Array(1024).fill(1) }, lossMask: new Uint8Array(8 * 127).fill(1) };
await model.doTrainStep({ microbatches: [task] });
const wall = [];
const cpu = [];
for (let repetition = 0; repetition < 5; repetition++) {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  await model.doTrainStep({ microbatches: [task] });
  const used = process.cpuUsage(cpuStarted);
  wall.push(performance.now() - started);
  cpu.push((used.user + used.system) / 1000);
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
console.log(`unprofiled step (median of 5): ${median(cpu).toFixed(0)} ms CPU, ${median(wall).toFixed(0)} ms wall`);
if (process.argv.includes('--no-profile')) process.exit(0);
const started = performance.now();
const profile = await tf.profile(async () => { await model.doTrainStep({ microbatches: [task] }); });
const total = performance.now() - started;
const byKernel = new Map();
for (const kernel of profile.kernels) {
  const key = `${kernel.name} ${JSON.stringify(kernel.inputShapes)}`;
  const entry = byKernel.get(key) ?? { time: 0, count: 0 };
  entry.time += kernel.kernelTimeMs; entry.count += 1;
  byKernel.set(key, entry);
}
const byName = new Map();
for (const kernel of profile.kernels) byName.set(kernel.name, (byName.get(kernel.name) ?? 0) + kernel.kernelTimeMs);
const kernelTotal = profile.kernels.reduce((sum, kernel) => sum + kernel.kernelTimeMs, 0);
console.log(`profiled step: ${total.toFixed(0)} ms wall, ${kernelTotal.toFixed(0)} ms in ${profile.kernels.length} kernels`);
console.log('\nby kernel:');
for (const [name, time] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${time.toFixed(1).padStart(8)} ms  ${name}`);
console.log('\nby kernel and shape:');
for (const [key, entry] of [...byKernel].sort((a, b) => b[1].time - a[1].time).slice(0, 40)) console.log(`${entry.time.toFixed(1).padStart(8)} ms ×${String(entry.count).padStart(3)}  ${key}`);
model.dispose();
