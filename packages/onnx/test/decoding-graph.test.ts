import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrtCausalLM, createOrtCausalLMFromWeights, decodeModelSummary, exportToOnnx, writeOnnxModel, type OrtCausalLM } from '../src/index';
import { pruneModelOutputs } from '../src/proto/onnx-proto';
import { chooseDecodingGraph } from '../src/runtime/ort-causal-lm';
import { leftPaddedBatch, maxAbsDiff, randomGpt2Weights, referenceGpt2, tinyConfig } from './helpers';

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
  const decodingGraph = 'pruned';

  it('gives the logits of the shared graph, for a model in memory and one loaded from a file', async () => {
    const exported = exportToOnnx({ config: tinyConfig, weights, operators });
    const file = path.join(directory, operators, 'model.onnx');
    await writeOnnxModel(exported, file);
    const reference = await createOrtCausalLM({ path: file, config: tinyConfig, sessionOptions, decodingGraph: 'full' });
    const expected = await decodeTwoSteps(reference);
    for (const model of [
      await createOrtCausalLM({ path: file, config: tinyConfig, sessionOptions, decodingGraph }),
      await createOrtCausalLMFromWeights({ config: tinyConfig, weights, operators, sessionOptions, decodingGraph }),
    ]) {
      const actual = await decodeTwoSteps(model);
      actual.forEach((values, index) => expect(maxAbsDiff(values, expected[index]!)).toBeLessThan(1e-6));
      await model.dispose();
    }
    await reference.dispose();
  });

  it('follows updateWeights', async () => {
    const updated = randomGpt2Weights(tinyConfig, 4);
    const model = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, operators, sessionOptions, decodingGraph });
    await decodeTwoSteps(model);
    await model.updateWeights(updated);
    const fresh = await createOrtCausalLMFromWeights({ config: tinyConfig, weights: updated, operators, sessionOptions, decodingGraph: 'full' });
    const [actual, expected] = [await decodeTwoSteps(model), await decodeTwoSteps(fresh)];
    actual.forEach((values, index) => expect(maxAbsDiff(values, expected[index]!)).toBeLessThan(1e-6));
    await Promise.all([model.dispose(), fresh.dispose()]);
  });
});

describe('decoding on the in-place cache graph', () => {
  const weights = randomGpt2Weights(tinyConfig, 5);

  it('is the default for models built from weights, and gives the float64 reference logits at every step', async () => {
    const model = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, sessionOptions });
    expect(model.decodingGraph).toBe('in-place');
    // Rows of different lengths (left-padded, as core's generate pads), with a hole in the middle row.
    const prompts = [[4, 8, 15, 16, 23], [42, 7], [3, 9, 27]];
    const batch = leftPaddedBatch(prompts, 0);
    batch.attentionMask[1 * batch.length + 3] = 0;
    const realPrompts = prompts.map((row, index) => (index === 1 ? [7] : row));
    const { logits, session } = await model.doStartDecoding({ batch, maxNewTokens: 6 });
    const sequences = realPrompts.map((row) => [...row]);
    const vocab = tinyConfig.vocabSize;
    let current = logits;
    for (let step = 0; step < 6; step++) {
      for (let row = 0; row < prompts.length; row++) {
        const { logits: expected } = referenceGpt2(tinyConfig, weights, sequences[row]!);
        const last = expected.subarray((sequences[row]!.length - 1) * vocab, sequences[row]!.length * vocab);
        expect(maxAbsDiff(current.subarray(row * vocab, (row + 1) * vocab), last)).toBeLessThan(1e-4);
      }
      if (step === 5) break;
      const next = Int32Array.from(prompts, (_, row) => (step * 11 + row * 5 + 1) % vocab);
      next.forEach((token, row) => sequences[row]!.push(token));
      current = await session.step(next);
    }
    await session.step(Int32Array.of(1, 2, 3));
    await expect(session.step(Int32Array.of(1, 2, 3))).rejects.toThrow(/started for 11 positions/);
    session.dispose();
    await model.dispose();
  });

  it('gives the shared graph\'s logits and follows updateWeights', async () => {
    const model = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, sessionOptions });
    const full = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, sessionOptions, decodingGraph: 'full' });
    const compare = async () => {
      const [actual, expected] = [await decodeTwoSteps(model), await decodeTwoSteps(full)];
      actual.forEach((values, index) => expect(maxAbsDiff(values, expected[index]!)).toBeLessThan(1e-5));
    };
    await compare();
    const updated = randomGpt2Weights(tinyConfig, 6);
    await Promise.all([model.updateWeights(updated), full.updateWeights(updated)]);
    await compare();
    await Promise.all([model.dispose(), full.dispose()]);
  });

  it('works for any head size and leaves CUDA on the pruned graph', async () => {
    const oddHeads = { ...tinyConfig, hiddenSize: 36, numHeads: 6 };
    const oddWeights = randomGpt2Weights(oddHeads, 7);
    const model = await createOrtCausalLMFromWeights({ config: oddHeads, weights: oddWeights, sessionOptions });
    expect(model.decodingGraph).toBe('in-place');
    const { logits, session } = await model.doStartDecoding({ batch: leftPaddedBatch([[1, 2, 3]], 0), maxNewTokens: 2 });
    const stepped = await session.step(Int32Array.of(4));
    const { logits: expected } = referenceGpt2(oddHeads, oddWeights, [1, 2, 3, 4]);
    const vocab = oddHeads.vocabSize;
    expect(maxAbsDiff(logits, expected.subarray(2 * vocab, 3 * vocab))).toBeLessThan(1e-4);
    expect(maxAbsDiff(stepped, expected.subarray(3 * vocab, 4 * vocab))).toBeLessThan(1e-4);
    await model.dispose();
    expect(chooseDecodingGraph(undefined, tinyConfig, { executionProviders: ['cuda', 'cpu'] })).toBe('pruned');
    expect(chooseDecodingGraph(undefined, tinyConfig, { executionProviders: ['cpu'] })).toBe('in-place');
    expect(chooseDecodingGraph('full', tinyConfig, { executionProviders: ['cpu'] })).toBe('full');
  });

  it('continues on new weights after updateWeights in the middle of a generation, as the pruned graph does', async () => {
    const updated = randomGpt2Weights(tinyConfig, 8);
    const results = [];
    for (const decodingGraph of ['in-place', 'pruned'] as const) {
      const model = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, sessionOptions, decodingGraph });
      const { session } = await model.doStartDecoding({ batch: leftPaddedBatch([[4, 8, 15], [16]], 0), maxNewTokens: 3 });
      await session.step(Int32Array.of(1, 2));
      await model.updateWeights(updated);
      results.push(Float32Array.from(await session.step(Int32Array.of(3, 4))));
      await model.dispose();
    }
    expect(maxAbsDiff(results[0]!, results[1]!)).toBeLessThan(1e-5);
  });

  it('is the default for float files this package exported, not for int8 ones', async () => {
    for (const precision of ['float32', 'float16', 'int8'] as const) {
      const file = path.join(directory, `in-place-${precision}`, 'model.onnx');
      await writeOnnxModel(exportToOnnx({ config: tinyConfig, weights, precision }), file);
      const model = await createOrtCausalLM({ path: file, config: tinyConfig, sessionOptions });
      const full = await createOrtCausalLM({ path: file, config: tinyConfig, sessionOptions, decodingGraph: 'full' });
      expect(model.decodingGraph).toBe(precision === 'int8' ? 'pruned' : 'in-place');
      const [actual, expected] = [await decodeTwoSteps(model), await decodeTwoSteps(full)];
      actual.forEach((values, index) => expect(maxAbsDiff(values, expected[index]!)).toBeLessThan(precision === 'int8' ? 1e-6 : 1e-5));
      await Promise.all([model.dispose(), full.dispose()]);
    }
  });

  it('gives the shared graph\'s logits for a prompt row without tokens', async () => {
    const model = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, sessionOptions });
    const full = await createOrtCausalLMFromWeights({ config: tinyConfig, weights, sessionOptions, decodingGraph: 'full' });
    const batch = leftPaddedBatch([[4, 8, 15], []], 0);
    const [actual, expected] = await Promise.all([model, full].map(async (each) => {
      const { logits, session } = await each.doStartDecoding({ batch, maxNewTokens: 1 });
      const stepped = await session.step(Int32Array.of(5, 6));
      return [Float32Array.from(logits), Float32Array.from(stepped)];
    }));
    actual!.forEach((values, index) => expect(maxAbsDiff(values, expected![index]!)).toBeLessThan(1e-5));
    await Promise.all([model.dispose(), full.dispose()]);
  });
});
