import * as ort from 'onnxruntime-node';
import { exportToOnnx } from '../dist/index.js';
const config = { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 };
const d = 256, L = 4, H = 4; let s = 1;
const t = (shape, scale, off = 0) => { const data = new Float32Array(shape.reduce((a, b) => a * b, 1)); for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = off + (s / 2 ** 32 - 0.5) * scale; } return { dtype: 'float32', shape, data }; };
const w = new Map([['wte.weight', t([4096, d], 0.02)], ['wpe.weight', t([128, d], 0.02)], ['ln_f.weight', t([d], 0, 1)], ['ln_f.bias', t([d], 0)]]);
for (let l = 0; l < L; l++) { const p = `h.${l}`; for (const n of ['ln_1', 'ln_2']) { w.set(`${p}.${n}.weight`, t([d], 0, 1)); w.set(`${p}.${n}.bias`, t([d], 0)); }
  w.set(`${p}.attn.c_attn.weight`, t([d, 3 * d], 0.02)); w.set(`${p}.attn.c_attn.bias`, t([3 * d], 0)); w.set(`${p}.attn.c_proj.weight`, t([d, d], 0.02)); w.set(`${p}.attn.c_proj.bias`, t([d], 0));
  w.set(`${p}.mlp.c_fc.weight`, t([d, 4 * d], 0.02)); w.set(`${p}.mlp.c_fc.bias`, t([4 * d], 0)); w.set(`${p}.mlp.c_proj.weight`, t([4 * d, d], 0.02)); w.set(`${p}.mlp.c_proj.bias`, t([d], 0)); }
const session = await ort.InferenceSession.create(exportToOnnx({ config, weights: w, operators: 'onnxruntime' }).model, { intraOpNumThreads: 2, extra: { session: { intra_op: { allow_spinning: '0' } } } });
const past = 96, b = 8;
const feeds = { input_ids: new ort.Tensor('int64', new BigInt64Array(b).fill(3n), [b, 1]), attention_mask: new ort.Tensor('int64', new BigInt64Array(b * (past + 1)).fill(1n), [b, past + 1]), position_ids: new ort.Tensor('int64', new BigInt64Array(b).fill(BigInt(past)), [b, 1]) };
for (let l = 0; l < L; l++) for (const k of ['key', 'value']) feeds[`past_key_values.${l}.${k}`] = new ort.Tensor('float32', new Float32Array(b * H * past * (d / H)), [b, H, past, d / H]);
const all = ['last_logits', ...Array.from({ length: L }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat()];
const times = { all: [], last: [] };
for (let block = 0; block < 10; block++) for (const [name, f] of [['all', all], ['last', ['last_logits']]]) { const t0 = performance.now(); for (let i = 0; i < 20; i++) await session.run(feeds, f); times[name].push((performance.now() - t0) / 20); }
const med = (a) => [...a].sort((x, y) => x - y)[5];
console.log('with cache out', med(times.all).toFixed(3), 'last_logits only', med(times.last).toFixed(3));
// preallocated outputs
const fetchObj = { last_logits: null };
const bufs = {};
for (let l = 0; l < L; l++) for (const k of ['key', 'value']) { const arr = new Float32Array(b * H * (past + 1) * (d / H)); bufs[`present.${l}.${k}`] = arr; fetchObj[`present.${l}.${k}`] = new ort.Tensor('float32', arr, [b, H, past + 1, d / H]); }
const out = await session.run(feeds, fetchObj);
console.log('prealloc same buffer?', out['present.0.key'].data === bufs['present.0.key'], out['present.0.key'].data.buffer === bufs['present.0.key'].buffer, Object.keys(out));
const ref = await session.run(feeds, all);
let diff = 0; for (let i = 0; i < ref['present.3.value'].data.length; i++) diff = Math.max(diff, Math.abs(ref['present.3.value'].data[i] - bufs['present.3.value'][i]));
console.log('diff', diff, 'nonzero', bufs['present.3.value'].some((v) => v !== 0));
const tp = [];
for (let block = 0; block < 10; block++) { const t0 = performance.now(); for (let i = 0; i < 20; i++) await session.run(feeds, fetchObj); tp.push((performance.now() - t0) / 20); }
console.log('prealloc', med(tp).toFixed(3));
