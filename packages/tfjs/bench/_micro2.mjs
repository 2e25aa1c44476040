import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../dist/index.js';
await selectBackend({ backend: 'wasm', log: () => {} });
function time(name, fn, reps = 5) {
  for (let i = 0; i < 2; i++) tf.tidy(() => { const r = fn(); (Array.isArray(r) ? r[0] : r).dataSync(); });
  const ts = [];
  for (let i = 0; i < reps; i++) { const s = performance.now(); tf.tidy(() => { const r = fn(); if (Array.isArray(r)) r[0].dataSync(); else r.dataSync(); }); ts.push(performance.now() - s); }
  ts.sort((a, b) => a - b); console.log(name.padEnd(40), ts[reps >> 1].toFixed(2), 'ms');
}
const as = Array.from({length: 32}, () => tf.randomNormal([128, 128])), bs = Array.from({length: 32}, () => tf.randomNormal([128, 64]));
time('32 x 2d [128,128]x[128,64] fixed b', () => as.map((x, i) => tf.matMul(x, bs[i])));
time('32 x 2d fresh b (clone)', () => as.map((x, i) => tf.matMul(x, tf.clone(bs[i]))));
time('32 x 2d fresh b (add0)', () => as.map((x, i) => tf.matMul(x, tf.add(bs[i], 0))));
const a = tf.randomNormal([32, 128, 128]), b = tf.randomNormal([32, 128, 64]);
time('32 gathers', () => { const o=[]; for (let i = 0; i < 32; i++) o.push(tf.gather(a, [i])); return o; });
time('stack 32 [128,64]', () => tf.stack(bs));
time('batched 4x[128,128]x[128,64]*8', () => tf.matMul(tf.randomNormal([4,128,128]), tf.randomNormal([4,128,64])));
const q = tf.randomNormal([128, 256]), kbd = tf.randomNormal([256, 512]);
time('blockdiag per batch [128,256]x[256,512] x8', () => { const o=[]; for (let i=0;i<8;i++) o.push(tf.matMul(tf.add(q,0), tf.add(kbd,0))); return o; });
