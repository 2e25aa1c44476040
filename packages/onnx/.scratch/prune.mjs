import * as ort from 'onnxruntime-node';
import { exportToOnnx } from '../dist/index.js';
const V = 50257, d = 256, L = 2; let s = 1;
const t = (shape, scale, off = 0) => { const data = new Float32Array(shape.reduce((a, b) => a * b, 1)); for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = off + (s / 2 ** 32 - 0.5) * scale; } return { dtype: 'float32', shape, data }; };
const config = { architecture: 'gpt2', vocabSize: V, contextLength: 128, hiddenSize: d, numLayers: L, numHeads: 4 };
const w = new Map([['wte.weight', t([V, d], 0.02)], ['wpe.weight', t([128, d], 0.02)], ['ln_f.weight', t([d], 0, 1)], ['ln_f.bias', t([d], 0)]]);
for (let l = 0; l < L; l++) { const p = `h.${l}`; for (const n of ['ln_1', 'ln_2']) { w.set(`${p}.${n}.weight`, t([d], 0, 1)); w.set(`${p}.${n}.bias`, t([d], 0)); }
  w.set(`${p}.attn.c_attn.weight`, t([d, 3 * d], 0.02)); w.set(`${p}.attn.c_attn.bias`, t([3 * d], 0)); w.set(`${p}.attn.c_proj.weight`, t([d, d], 0.02)); w.set(`${p}.attn.c_proj.bias`, t([d], 0));
  w.set(`${p}.mlp.c_fc.weight`, t([d, 4 * d], 0.02)); w.set(`${p}.mlp.c_fc.bias`, t([4 * d], 0)); w.set(`${p}.mlp.c_proj.weight`, t([4 * d, d], 0.02)); w.set(`${p}.mlp.c_proj.bias`, t([d], 0)); }
const { model } = exportToOnnx({ config, weights: w, operators: 'onnxruntime' });
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2 });
const b = 8, n = 64;
const feeds = { input_ids: new ort.Tensor('int64', new BigInt64Array(b * n).fill(5n), [b, n]), attention_mask: new ort.Tensor('int64', new BigInt64Array(b * n).fill(1n), [b, n]), position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: b * n }, (_, i) => BigInt(i % n)), [b, n]) };
for (let l = 0; l < L; l++) for (const k of ['key', 'value']) feeds[`past_key_values.${l}.${k}`] = new ort.Tensor('float32', new Float32Array(0), [b, 4, 0, 64]);
const last = ['last_logits', ...Array.from({ length: L }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat()];
for (const [label, fetches] of [['all', undefined], ['last', last], ['all', undefined], ['last', last]]) {
  const times = [];
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); await (fetches ? session.run(feeds, fetches) : session.run(feeds)); times.push(performance.now() - t0); }
  times.sort((a, b) => a - b); console.log(label, times[2].toFixed(1), 'ms');
}
