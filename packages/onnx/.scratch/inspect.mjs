import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { exportToOnnx, decodeModelSummary } from '/work/main/packages/onnx/dist/index.js';
const config = { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 };
const d = 256; let s = 1;
const t = (shape, scale, off = 0) => { const data = new Float32Array(shape.reduce((a, b) => a * b, 1)); for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = off + (s / 2 ** 32 - 0.5) * scale; } return { dtype: 'float32', shape, data }; };
const w = new Map([['wte.weight', t([4096, d], 0.02)], ['wpe.weight', t([128, d], 0.02)], ['ln_f.weight', t([d], 0, 1)], ['ln_f.bias', t([d], 0)]]);
for (let l = 0; l < 4; l++) { const p = `h.${l}`; for (const n of ['ln_1', 'ln_2']) { w.set(`${p}.${n}.weight`, t([d], 0, 1)); w.set(`${p}.${n}.bias`, t([d], 0)); }
  w.set(`${p}.attn.c_attn.weight`, t([d, 3 * d], 0.02)); w.set(`${p}.attn.c_attn.bias`, t([3 * d], 0)); w.set(`${p}.attn.c_proj.weight`, t([d, d], 0.02)); w.set(`${p}.attn.c_proj.bias`, t([d], 0));
  w.set(`${p}.mlp.c_fc.weight`, t([d, 4 * d], 0.02)); w.set(`${p}.mlp.c_fc.bias`, t([4 * d], 0)); w.set(`${p}.mlp.c_proj.weight`, t([4 * d, d], 0.02)); w.set(`${p}.mlp.c_proj.bias`, t([d], 0)); }
for (const [label, inputs] of [['init', false], ['inputs', true]]) {
  const { model } = exportToOnnx({ config, weights: w, weightsAsInputs: inputs });
  const path = `/tmp/onnxwork/opt-${label}.onnx`;
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads: 2, optimizedModelFilePath: path });
  const summary = decodeModelSummary(readFileSync(path));
  const counts = {}; for (const op of summary.opTypes) counts[op] = (counts[op] ?? 0) + 1;
  console.log(label, summary.opTypes.length, JSON.stringify(counts));
  // time single decode step b=1 past=64
  const feeds = { input_ids: new ort.Tensor('int64', new BigInt64Array(1), [1, 1]), attention_mask: new ort.Tensor('int64', new BigInt64Array(65).fill(1n), [1, 65]), position_ids: new ort.Tensor('int64', BigInt64Array.of(64n), [1, 1]) };
  for (let l = 0; l < 4; l++) for (const k of ['key', 'value']) feeds[`past_key_values.${l}.${k}`] = new ort.Tensor('float32', new Float32Array(4 * 64 * 64), [1, 4, 64, 64]);
  if (inputs) for (const [n, v] of w) feeds[n] = new ort.Tensor('float32', v.data, v.shape);
  for (let i = 0; i < 20; i++) await session.run(feeds);
  const t0 = performance.now(); for (let i = 0; i < 200; i++) await session.run(feeds); console.log(label, 'ms/step', (performance.now() - t0) / 200);
}
