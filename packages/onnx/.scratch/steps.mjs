import * as ort from 'onnxruntime-node';
import { exportToOnnx } from '../dist/index.js';
const preset = process.argv[2] ?? '4m';
const cfgs = { '4m': { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 }, '124m': { architecture: 'gpt2', vocabSize: 50257, contextLength: 1024, hiddenSize: 768, numLayers: 12, numHeads: 12 } };
const config = cfgs[preset]; const d = config.hiddenSize, L = config.numLayers, H = config.numHeads; let s = 1;
const t = (shape, scale, off = 0) => { const data = new Float32Array(shape.reduce((a, b) => a * b, 1)); for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = off + (s / 2 ** 32 - 0.5) * scale; } return { dtype: 'float32', shape, data }; };
const w = new Map([['wte.weight', t([config.vocabSize, d], 0.02)], ['wpe.weight', t([config.contextLength, d], 0.02)], ['ln_f.weight', t([d], 0, 1)], ['ln_f.bias', t([d], 0)]]);
for (let l = 0; l < L; l++) { const p = `h.${l}`; for (const n of ['ln_1', 'ln_2']) { w.set(`${p}.${n}.weight`, t([d], 0, 1)); w.set(`${p}.${n}.bias`, t([d], 0)); }
  w.set(`${p}.attn.c_attn.weight`, t([d, 3 * d], 0.02)); w.set(`${p}.attn.c_attn.bias`, t([3 * d], 0)); w.set(`${p}.attn.c_proj.weight`, t([d, d], 0.02)); w.set(`${p}.attn.c_proj.bias`, t([d], 0));
  w.set(`${p}.mlp.c_fc.weight`, t([d, 4 * d], 0.02)); w.set(`${p}.mlp.c_fc.bias`, t([4 * d], 0)); w.set(`${p}.mlp.c_proj.weight`, t([4 * d, d], 0.02)); w.set(`${p}.mlp.c_proj.bias`, t([d], 0)); }
const threads = Number(process.argv[3] ?? 2);
const sessions = {};
for (const operators of ['standard', 'onnxruntime']) sessions[operators] = await ort.InferenceSession.create(exportToOnnx({ config, weights: w, operators }).model, { intraOpNumThreads: threads, ...(process.argv[4] === 'nospin' ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}) });
const past = 96;
const fetches = ['last_logits', ...Array.from({ length: L }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat()];
for (const b of [1, 8]) {
  const feeds = { input_ids: new ort.Tensor('int64', new BigInt64Array(b).fill(3n), [b, 1]), attention_mask: new ort.Tensor('int64', new BigInt64Array(b * (past + 1)).fill(1n), [b, past + 1]), position_ids: new ort.Tensor('int64', new BigInt64Array(b).fill(BigInt(past)), [b, 1]) };
  for (let l = 0; l < L; l++) for (const k of ['key', 'value']) feeds[`past_key_values.${l}.${k}`] = new ort.Tensor('float32', new Float32Array(b * H * past * (d / H)), [b, H, past, d / H]);
  const times = { standard: [], onnxruntime: [] };
  const iterations = preset === '4m' ? 20 : 3;
  for (let block = 0; block < 10; block++) for (const name of ['standard', 'onnxruntime']) {
    const t0 = performance.now(); for (let i = 0; i < iterations; i++) await sessions[name].run(feeds, fetches); times[name].push((performance.now() - t0) / iterations);
  }
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`${preset} b=${b} past=${past} threads=${threads}: standard ${med(times.standard).toFixed(3)} ms/step, onnxruntime ${med(times.onnxruntime).toFixed(3)} ms/step, ratio ${(med(times.standard) / med(times.onnxruntime)).toFixed(2)}x`);
}
