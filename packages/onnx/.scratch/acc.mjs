import { exportToOnnx, createOrtCausalLM, readCheckpointWeights } from '/work/main/packages/onnx/dist/index.js';
import { loadModelConfig } from '@instructkit/core';
process.env.INSTRUCTKIT_QUIET = '1';
const dir = '/work/main/packages/test-utils/fixtures/tiny-gpt2';
const config = await loadModelConfig(dir);
const weights = await readCheckpointWeights(dir);
const { readFileSync } = await import('node:fs');
const { cases } = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8'));
for (const precision of ['float32', 'float16', 'int8']) {
  for (const operators of ['standard', 'onnxruntime']) {
    const { model } = exportToOnnx({ config, weights, precision, operators });
    const lm = await createOrtCausalLM({ model, config, sessionOptions: { intraOpThreads: 1 } });
    let max = 0, sum = 0, n = 0;
    for (const c of cases) {
      const batch = { batchSize: 1, length: c.ids.length, ids: Int32Array.from(c.ids), attentionMask: new Uint8Array(c.ids.length).fill(1) };
      const { logprobs } = await lm.doLogprobs({ batch });
      c.logprobs.forEach((v, i) => { const d = Math.abs(v - logprobs[i]); max = Math.max(max, d); sum += d; n++; });
    }
    console.log(`| ${precision} | ${operators} | ${(model.byteLength / 1024).toFixed(0)} KiB | ${max.toExponential(1)} | ${(sum / n).toExponential(1)} |`);
    await lm.dispose();
  }
}
