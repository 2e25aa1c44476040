import { createOrtCausalLMFromWeights } from '../dist/index.js';
process.env.INSTRUCTKIT_QUIET = '1';
const config = { architecture: 'gpt2', vocabSize: 4096, contextLength: 128, hiddenSize: 256, numLayers: 4, numHeads: 4 };
const d = 256, L = 4; let s = 1;
const t = (shape, scale, off = 0) => { const data = new Float32Array(shape.reduce((a, b) => a * b, 1)); for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = off + (s / 2 ** 32 - 0.5) * scale; } return { dtype: 'float32', shape, data }; };
const w = new Map([['wte.weight', t([4096, d], 0.02)], ['wpe.weight', t([128, d], 0.02)], ['ln_f.weight', t([d], 0, 1)], ['ln_f.bias', t([d], 0)]]);
for (let l = 0; l < L; l++) { const p = `h.${l}`; for (const n of ['ln_1', 'ln_2']) { w.set(`${p}.${n}.weight`, t([d], 0, 1)); w.set(`${p}.${n}.bias`, t([d], 0)); }
  w.set(`${p}.attn.c_attn.weight`, t([d, 3 * d], 0.02)); w.set(`${p}.attn.c_attn.bias`, t([3 * d], 0)); w.set(`${p}.attn.c_proj.weight`, t([d, d], 0.02)); w.set(`${p}.attn.c_proj.bias`, t([d], 0));
  w.set(`${p}.mlp.c_fc.weight`, t([d, 4 * d], 0.02)); w.set(`${p}.mlp.c_fc.bias`, t([4 * d], 0)); w.set(`${p}.mlp.c_proj.weight`, t([4 * d, d], 0.02)); w.set(`${p}.mlp.c_proj.bias`, t([d], 0)); }
const operators = process.argv[2] ?? 'onnxruntime';
const model = await createOrtCausalLMFromWeights({ config, weights: w, operators, sessionOptions: { intraOpThreads: 2 } });
for (const b of [1, 8]) {
  const ids = new Int32Array(b * 64).map((_, i) => (i * 7919) % 4096);
  const batch = { batchSize: b, length: 64, ids, attentionMask: new Uint8Array(ids.length).fill(1) };
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    const { session } = await model.doStartDecoding({ batch, maxNewTokens: 64 });
    const t1 = performance.now();
    const tokens = new Int32Array(b).fill(5);
    for (let i = 0; i < 63; i++) await session.step(tokens);
    const t2 = performance.now();
    console.log(operators, `b=${b} prompt ${(t1 - t0).toFixed(1)} ms, step ${((t2 - t1) / 63).toFixed(3)} ms, tok/s ${(b * 64 / ((t2 - t0) / 1000)).toFixed(0)}`);
  }
}
