import { exportToOnnx, createOrtCausalLM } from '/work/main/packages/onnx/dist/index.js';
process.env.INSTRUCTKIT_QUIET = '1';
const config = { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 };
const d = 256; let s = 7;
const t = (shape, scale, off = 0) => { const data = new Float32Array(shape.reduce((a, b) => a * b, 1)); for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = off + (s / 2 ** 32 - 0.5) * 2 * scale; } return { dtype: 'float32', shape, data }; };
// GPT-2 initialisation scale (std 0.02 ~ uniform 0.035), so the distributions are not flat.
const w = new Map([['wte.weight', t([4096, d], 0.1)], ['wpe.weight', t([128, d], 0.035)], ['ln_f.weight', t([d], 0.1, 1)], ['ln_f.bias', t([d], 0.05)]]);
for (let l = 0; l < 4; l++) { const p = `h.${l}`; for (const n of ['ln_1', 'ln_2']) { w.set(`${p}.${n}.weight`, t([d], 0.1, 1)); w.set(`${p}.${n}.bias`, t([d], 0.05)); }
  w.set(`${p}.attn.c_attn.weight`, t([d, 3 * d], 0.1)); w.set(`${p}.attn.c_attn.bias`, t([3 * d], 0.05)); w.set(`${p}.attn.c_proj.weight`, t([d, d], 0.05)); w.set(`${p}.attn.c_proj.bias`, t([d], 0.05));
  w.set(`${p}.mlp.c_fc.weight`, t([d, 4 * d], 0.1)); w.set(`${p}.mlp.c_fc.bias`, t([4 * d], 0.05)); w.set(`${p}.mlp.c_proj.weight`, t([4 * d, d], 0.05)); w.set(`${p}.mlp.c_proj.bias`, t([d], 0.05)); }
const rows = 4, len = 128;
const ids = new Int32Array(rows * len); for (let i = 0; i < ids.length; i++) ids[i] = (i * 7919 + 13) % 4096;
const batch = { batchSize: rows, length: len, ids, attentionMask: new Uint8Array(ids.length).fill(1) };
let reference;
for (const precision of ['float32', 'float16', 'int8']) {
  const { model } = exportToOnnx({ config, weights: w, precision, operators: 'onnxruntime' });
  const lm = await createOrtCausalLM({ model, config, sessionOptions: { intraOpThreads: 2 } });
  const { logprobs, entropy } = await lm.doLogprobs({ batch, includeEntropy: true });
  if (!reference) { reference = logprobs; console.log('mean entropy', entropy.reduce((a, b) => a + b) / entropy.length); }
  let max = 0, sum = 0; for (let i = 0; i < logprobs.length; i++) { const dd = Math.abs(logprobs[i] - reference[i]); max = Math.max(max, dd); sum += dd; }
  console.log(`| ${precision} | ${(model.byteLength / 2 ** 20).toFixed(1)} MiB | ${max.toExponential(1)} | ${(sum / logprobs.length).toExponential(1)} |`);
  await lm.dispose();
}
