import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrtCausalLM, createOrtCausalLMFromWeights, decodeModelSummary, exportToOnnx, writeOnnxModel, type OrtCausalLM } from '../src/index';
import { pruneModelOutputs } from '../src/proto/onnx-proto';
import { leftPaddedBatch, maxAbsDiff, randomGpt2Weights, tinyConfig } from './helpers';

const directory = mkdtempSync(path.join(tmpdir(), 'instructkit-onnx-decoding-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const sessionOptions = { intraOpThreads: 1 } as const;
const isDecodingOutput = (name: string) => name === 'last_logits' || name.startsWith('present.');

/** Prompt logits and two steps of logits of a fixed left-padded batch. */
async function decodeTwoSteps(model: OrtCausalLM): Promise<Float32Array[]> {
  const { logits, session } = await model.doStartDecoding({ batch: leftPaddedBatch([[4, 8, 15, 16], [23, 42]], 0), maxNewTokens: 2 });
  const first = await session.step(Int32Array.of(5, 6));
  const second = await session.step(Int32Array.of(7, 8));
  session.dispose();
  return [logits, first, second].map((values) => Float32Array.from(values));
}

describe('pruneModelOutputs', () => {
  it('keeps the decoding outputs and only the nodes and weights they need', () => {
    const { model } = exportToOnnx({ config: tinyConfig, weights: randomGpt2Weights(tinyConfig, 1) });
    const full = decodeModelSummary(model);
    const pruned = decodeModelSummary(pruneModelOutputs(model, isDecodingOutput)!);
    expect(pruned.outputs.map((output) => output.name)).toEqual(['last_logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);
    expect(pruned.inputs).toEqual(full.inputs);
    // The scoring head (LogSoftmax over every position) and the full-sequence unembedding are gone.
    expect(full.opTypes).toContain('LogSoftmax');
    expect(pruned.opTypes).not.toContain('LogSoftmax');
    expect(pruned.opTypes.filter((op) => op === 'Gemm')).toHaveLength(1);
    expect(pruned.initializers.map((tensor) => tensor.name)).toContain('wte.weight');
  });

  it('returns undefined when every output is kept', () => {
    const { model } = exportToOnnx({ config: tinyConfig, weights: randomGpt2Weights(tinyConfig, 1) });
    expect(pruneModelOutputs(model, () => true)).toBeUndefined();
  });
});

describe.each(['standard', 'onnxruntime'] as const)('decoding on the pruned graph (%s ops)', (operators) => {
  const weights = randomGpt2Weights(tinyConfig, 3);

  it('gives the logits of the shared graph, for a model in memory and one loaded from a file', async () => {
    const exported = exportToOnnx({ config: tinyConfig, weights, operators });
    const file = path.join(directory, operators, 'model.onnx');
    await writeOnnxModel(exported, file);
    const reference = await createOrtCausalLM({ path: file, config: tinyConfig, sessionOptions, decodingGraph: 'full' });
    const expected = await decodeTwoSteps(reference);
    for (const model of [
      await createOrtCausalLM({ path: file, config: tinyConfig, sessionOptions }),
      await createOrtCausalLMFromWeights({ config: tinyConfig, weights, operators, sessionOptions }),
    ]) {
      const actual = await decodeTwoSteps(model);
      actual.forEach((values, index) => expect(maxAbsDiff(values, expected[index]!)).toBeLessThan(1e-6));
      await model.dispose();
    }
    await reference.dispose();
  });

  it('follows updateWeights', async () => {
    const updated = randomGpt2Weights(tinyConfig, 4);
    const model = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, operators, sessionOptions });
    await decodeTwoSteps(model);
    await model.updateWeights(updated);
    const fresh = await createOrtCausalLMFromWeights({ config: tinyConfig, weights: updated, operators, sessionOptions, decodingGraph: 'full' });
    const [actual, expected] = [await decodeTwoSteps(model), await decodeTwoSteps(fresh)];
    actual.forEach((values, index) => expect(maxAbsDiff(values, expected[index]!)).toBeLessThan(1e-6));
    await Promise.all([model.dispose(), fresh.dispose()]);
  });
});
