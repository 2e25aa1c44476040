import { it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildGpt2Graph } from '../src/export/gpt2-graph';
import type { HostTensor } from '@instructkit/core';

function rand(shape: number[], seed: number, scale = 0.1): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1); const d = new Float32Array(n);
  let s = seed >>> 0; for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; d[i] = ((s / 2 ** 32) - 0.5) * 2 * scale; }
  return { dtype: 'float32', shape, data: d };
}
it('runs', async () => {
  const config = { architecture: 'gpt2' as const, vocabSize: 50, contextLength: 32, hiddenSize: 16, numLayers: 2, numHeads: 2 };
  const w = new Map<string, HostTensor>(); let seed = 1;
  const d = 16;
  w.set('wte.weight', rand([50, d], seed++)); w.set('wpe.weight', rand([32, d], seed++));
  for (let l = 0; l < 2; l++) {
    for (const ln of ['ln_1', 'ln_2']) { w.set(`h.${l}.${ln}.weight`, rand([d], seed++, 1)); w.set(`h.${l}.${ln}.bias`, rand([d], seed++)); }
    w.set(`h.${l}.attn.c_attn.weight`, rand([d, 3 * d], seed++)); w.set(`h.${l}.attn.c_attn.bias`, rand([3 * d], seed++));
    w.set(`h.${l}.attn.c_proj.weight`, rand([d, d], seed++)); w.set(`h.${l}.attn.c_proj.bias`, rand([d], seed++));
    w.set(`h.${l}.mlp.c_fc.weight`, rand([d, 4 * d], seed++)); w.set(`h.${l}.mlp.c_fc.bias`, rand([4 * d], seed++));
    w.set(`h.${l}.mlp.c_proj.weight`, rand([4 * d, d], seed++)); w.set(`h.${l}.mlp.c_proj.bias`, rand([d], seed++));
  }
  w.set('ln_f.weight', rand([d], seed++, 1)); w.set('ln_f.bias', rand([d], seed++));
  for (const precision of ['float32', 'float16', 'int8'] as const) {
  const { graph } = buildGpt2Graph({ config, weights: w, head: 'lm', precision });
  const bytes = graph.toModel();
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  const b = 2, s = 5;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]), [b, s]),
    attention_mask: new ort.Tensor('int64', BigInt64Array.from([0n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n]), [b, s]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from([0n, 0n, 1n, 2n, 3n, 0n, 1n, 2n, 3n, 4n]), [b, s]),
  };
  for (let l = 0; l < 2; l++) for (const k of ['key', 'value']) feeds[`past_key_values.${l}.${k}`] = new ort.Tensor('float32', new Float32Array(0), [b, 2, 0, 8]);
  const out = await session.run(feeds);
  console.log(precision, Object.keys(out), out.logits!.dims, out['present.0.key']!.dims, Array.from((out.logits!.data as Float32Array).slice(0, 5)));
  }
});
