import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import { createOrtCausalLM, createOrtCausalLMFromWeights, decodeModelSummary, exportToOnnx, writeOnnxModel } from '../src/index';
import { maxAbsDiff, randomGpt2Weights, referenceGpt2, rightPaddedBatch, tinyConfig } from './helpers';

const directory = mkdtempSync(path.join(tmpdir(), 'instructkit-onnx-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const sessionOptions = { intraOpThreads: 1 } as const;
const ids = [3, 14, 15, 9, 26, 53, 58, 9, 7, 9, 32];

describe('exportToOnnx', () => {
  const weights = randomGpt2Weights(tinyConfig, 4);

  it('writes opset 17 in the Optimum decoder layout with weights as initializers', () => {
    const { model } = exportToOnnx({ config: tinyConfig, weights });
    const summary = decodeModelSummary(model);
    expect(summary.opsetImports['']).toBe(17);
    expect(summary.inputs.map((input) => input.name)).toEqual([
      'input_ids', 'attention_mask', 'position_ids',
      'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value',
    ]);
    // Extra outputs fetched instead of the full logits: `token_logprobs` / `token_entropy` for
    // scoring, `last_logits` [batch, vocab] for decoding.
    expect(summary.outputs.map((output) => output.name)).toEqual([
      'logits', 'token_logprobs', 'token_entropy', 'last_logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value',
    ]);
    expect(summary.inputs[3]!.shape).toEqual(['batch_size', 4, 'past_sequence_length', 8]);
    expect(summary.initializers.find((tensor) => tensor.name === 'h.1.attn.c_attn.weight')).toMatchObject({ shape: [32, 96], elementType: 'float32', external: false });
    // The tied unembedding reuses wte: no transposed copy, no lm_head initializer.
    expect(summary.initializers.filter((tensor) => tensor.shape[0] === 64 || tensor.shape[1] === 64)).toHaveLength(1);
    expect(JSON.parse(summary.metadata['instructkit.config']!)).toEqual(tinyConfig);
  });

  it('moves weights to an external data file that onnxruntime loads', async () => {
    const exported = exportToOnnx({ config: tinyConfig, weights, externalData: 'always' });
    const modelPath = path.join(directory, 'external', 'model.onnx');
    await writeOnnxModel(exported, modelPath);
    const dataPath = path.join(directory, 'external', 'model.onnx_data');
    expect(statSync(dataPath).size).toBe(exported.externalData!.byteLength);
    expect(statSync(modelPath).size).toBeLessThan(exported.externalData!.byteLength / 4);
    expect(decodeModelSummary(readFileSync(modelPath)).initializers.find((tensor) => tensor.name === 'wte.weight')!.external).toBe(true);
    const model = await createOrtCausalLM({ path: modelPath, config: tinyConfig, sessionOptions });
    const { logits } = await model.doLogits({ batch: rightPaddedBatch([ids], 0) });
    expect(maxAbsDiff(logits, referenceGpt2(tinyConfig, weights, ids).logits)).toBeLessThan(1e-4);
    await model.dispose();
  });

  it('rejects weights whose shape does not match the config, naming the weight', () => {
    const broken = new Map(weights);
    broken.set('h.1.mlp.c_fc.weight', { dtype: 'float32', shape: [32, 100], data: new Float32Array(3200) });
    expect(() => exportToOnnx({ config: tinyConfig, weights: broken })).toThrow(InvalidArgumentError);
    expect(() => exportToOnnx({ config: tinyConfig, weights: broken })).toThrow(/weights\.h\.1\.mlp\.c_fc\.weight: shape \[32, 100\]/);
  });

  it('keeps the accuracy loss of float16 and int8 variants small (measured against float32)', async () => {
    const batch = rightPaddedBatch([ids], 0);
    const full = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, sessionOptions });
    const reference = await full.doLogprobs({ batch });
    const losses: Record<string, number> = {};
    for (const precision of ['float16', 'int8'] as const) {
      const { model: bytes } = exportToOnnx({ config: tinyConfig, weights, precision });
      expect(decodeModelSummary(bytes).initializers.find((tensor) => tensor.name.startsWith('h.0.attn.c_attn.weight'))!.elementType).toBe(precision === 'int8' ? 'int8' : 'float16');
      const model = await createOrtCausalLM({ model: bytes, config: tinyConfig, sessionOptions });
      losses[precision] = maxAbsDiff((await model.doLogprobs({ batch })).logprobs, reference.logprobs);
      await model.dispose();
    }
    // Measured here: float16 ~1e-3, int8 ~2e-2 nats on this random model (see README).
    expect(losses.float16).toBeLessThan(1e-2);
    expect(losses.int8).toBeLessThan(0.15);
    expect(losses.int8).toBeGreaterThan(losses.float16!);
    await full.dispose();
  });
});

describe('OrtCausalLM.updateWeights', () => {
  for (const liveWeights of ['reexport', 'inputs'] as const) {
    it(`samples from the new parameters after a refresh (${liveWeights})`, async () => {
      const before = randomGpt2Weights(tinyConfig, 5);
      const after = randomGpt2Weights(tinyConfig, 6);
      const model = await createOrtCausalLMFromWeights({ config: tinyConfig, weights: before, liveWeights, sessionOptions });
      const batch = rightPaddedBatch([ids], 0);
      const first = await model.doLogits({ batch });
      expect(maxAbsDiff(first.logits, referenceGpt2(tinyConfig, before, ids).logits)).toBeLessThan(1e-4);
      await model.updateWeights(after);
      const second = await model.doLogits({ batch });
      expect(maxAbsDiff(second.logits, referenceGpt2(tinyConfig, after, ids).logits)).toBeLessThan(1e-4);
      await expect(model.updateWeights(new Map([['h.9.ln_1.weight', after.get('ln_f.weight')!]]))).rejects.toThrow(/parameters\.h\.9\.ln_1\.weight/);
      await model.dispose();
    });
  }
});
