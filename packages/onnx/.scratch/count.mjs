import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { exportToOnnx, decodeModelSummary } from '../dist/index.js';
const config = { architecture: 'gpt2', vocabSize: 512, contextLength: 128, hiddenSize: 64, numLayers: 4, numHeads: 4 };
const d = 64; const t = (shape) => ({ dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01) });
const w = new Map([['wte.weight', t([512, d])], ['wpe.weight', t([128, d])], ['ln_f.weight', t([d])], ['ln_f.bias', t([d])]]);
for (let l = 0; l < 4; l++) { const p = `h.${l}`; for (const n of ['ln_1', 'ln_2']) { w.set(`${p}.${n}.weight`, t([d])); w.set(`${p}.${n}.bias`, t([d])); }
  w.set(`${p}.attn.c_attn.weight`, t([d, 3 * d])); w.set(`${p}.attn.c_attn.bias`, t([3 * d])); w.set(`${p}.attn.c_proj.weight`, t([d, d])); w.set(`${p}.attn.c_proj.bias`, t([d]));
  w.set(`${p}.mlp.c_fc.weight`, t([d, 4 * d])); w.set(`${p}.mlp.c_fc.bias`, t([4 * d])); w.set(`${p}.mlp.c_proj.weight`, t([4 * d, d])); w.set(`${p}.mlp.c_proj.bias`, t([d])); }
for (const operators of ['standard', 'onnxruntime']) {
  const { model } = exportToOnnx({ config, weights: w, operators });
  const path = `/tmp/onnxwork/opt-${operators}.onnx`;
  await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', optimizedModelFilePath: path, logSeverityLevel: 3 });
  const before = decodeModelSummary(model).opTypes.length;
  const ops = decodeModelSummary(readFileSync(path)).opTypes; const counts = {}; for (const op of ops) counts[op] = (counts[op] ?? 0) + 1;
  console.log(operators, 'nodes exported', before, 'after ORT optimisation', ops.length, JSON.stringify(counts));
}
