import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '/work/main/packages/tfjs/dist/index.js';
await selectBackend({ backend: 'wasm', log: () => {} });
function time(name, fn, reps = 5) {
  for (let i = 0; i < 2; i++) tf.tidy(() => { const r = fn(); r.dataSync(); });
  const ts = [];
  for (let i = 0; i < reps; i++) { const s = performance.now(); tf.tidy(() => { const r = fn(); r.dataSync(); }); ts.push(performance.now() - s); }
  ts.sort((a, b) => a - b); console.log(name.padEnd(40), ts[reps >> 1].toFixed(2), 'ms');
}
const a = tf.randomNormal([32, 128, 128]), b = tf.randomNormal([32, 128, 64]);
time('batched [32,128,128]x[32,128,64]', () => tf.matMul(a, b));
time('per-item gather', () => { const outs = []; for (let i = 0; i < 32; i++) { const idx = tf.tensor1d([i], 'int32'); outs.push(tf.matMul(tf.reshape(tf.gather(a, idx), [128, 128]), tf.reshape(tf.gather(b, idx), [128, 64]))); } return tf.stack(outs); });
time('per-item unstack', () => { const as = tf.unstack(a), bs = tf.unstack(b); return tf.stack(as.map((x, i) => tf.matMul(x, bs[i]))); });
time('per-item split', () => { const as = tf.split(a, 32), bs = tf.split(b, 32); return tf.concat(as.map((x, i) => tf.matMul(tf.reshape(x,[128,128]), tf.reshape(bs[i],[128,64])))); });
const x = tf.randomNormal([1024, 1024]);
time('tanh 1M', () => tf.tanh(x)); time('sigmoid 1M', () => tf.sigmoid(x)); time('exp 1M', () => tf.exp(x)); time('mul 1M', () => tf.mul(x, x)); time('div 1M', () => tf.div(x, x));
time('softmax 1M rows1024', () => tf.softmax(x));
const g = tf.randomNormal([1024, 256]);
time('sum axis0 [1024,256]', () => tf.sum(g, 0)); time('ones@g', () => tf.matMul(tf.ones([1, 1024]), g));
time('transpose [1024,256]', () => tf.transpose(g));
time('sum axis-1 [1024,1024]', () => tf.sum(x, -1)); time('max axis-1', () => tf.max(x, -1));
time('2d [1024,256]x[256,1024]', () => tf.matMul(g, tf.transpose(g)));
