import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrtCausalLM, createOrtScalarModel, exportCheckpointToOnnx } from '../src/index';
import { leftPaddedBatch, maxAbsDiff } from './helpers';

// HF GPT-2 checkpoints with log-probs / scores computed in float64 by PyTorch (an independent
// implementation): scripts/dev/make-gpt2-fixture.py.
const fixtures = path.join(import.meta.dirname, '..', '..', 'test-utils', 'fixtures');
const out = mkdtempSync(path.join(tmpdir(), 'instructkit-onnx-parity-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const sessionOptions = { intraOpThreads: 1 } as const;

interface LmCase { ids: number[]; logprobs: number[]; lastLogSoftmax: number[] }
interface ScalarBatch { batchSize: number; length: number; ids: number[]; attentionMask: number[]; lastScores: number[]; values: number[] }

describe.each(['standard', 'onnxruntime'] as const)('parity with the PyTorch reference (%s ops)', (operators) => {
  for (const fixture of ['tiny-gpt2', 'tiny-gpt2-noprefix']) {
    it(`${fixture}: log-probs of every case, unpadded and left-padded in one batch, within 1e-4`, async () => {
      const target = path.join(out, `${fixture}-${operators}`);
      await exportCheckpointToOnnx({ modelDirectory: path.join(fixtures, fixture), outDirectory: target, operators });
      const model = await createOrtCausalLM({ directory: target, sessionOptions });
      const { cases } = JSON.parse(readFileSync(path.join(fixtures, fixture, 'expected.json'), 'utf8')) as { cases: LmCase[] };
      const vocab = model.config.vocabSize;
      for (const testCase of cases) {
        const batch = leftPaddedBatch([testCase.ids], 0);
        expect(maxAbsDiff((await model.doLogprobs({ batch })).logprobs, testCase.logprobs)).toBeLessThan(1e-4);
        const { logits } = await model.doLogits({ batch });
        const last = Array.from(logits.subarray((testCase.ids.length - 1) * vocab));
        const max = Math.max(...last);
        const logSum = Math.log(last.reduce((sum, value) => sum + Math.exp(value - max), 0)) + max;
        expect(maxAbsDiff(last.map((value) => value - logSum), testCase.lastLogSoftmax)).toBeLessThan(1e-4);
      }
      const padded = leftPaddedBatch(cases.map((testCase) => testCase.ids), 127);
      const { logprobs } = await model.doLogprobs({ batch: padded });
      const steps = padded.length - 1;
      cases.forEach((testCase, row) => {
        const real = logprobs.subarray(row * steps + steps - testCase.logprobs.length, (row + 1) * steps);
        expect(maxAbsDiff(real, testCase.logprobs)).toBeLessThan(1e-4);
      });
      await model.dispose();
    });
  }

  it('tiny-gpt2-scalar: last-token scores and per-token values, left and right padded, within 1e-4', async () => {
    const target = path.join(out, `scalar-${operators}`);
    const result = await exportCheckpointToOnnx({ modelDirectory: path.join(fixtures, 'tiny-gpt2-scalar'), outDirectory: target, operators });
    expect(result.head).toBe('scalar');
    const model = await createOrtScalarModel({ directory: target, sessionOptions });
    const { batches } = JSON.parse(readFileSync(path.join(fixtures, 'tiny-gpt2-scalar', 'expected.json'), 'utf8')) as { batches: ScalarBatch[] };
    for (const expected of batches) {
      const batch = { batchSize: expected.batchSize, length: expected.length, ids: Int32Array.from(expected.ids), attentionMask: Uint8Array.from(expected.attentionMask) };
      expect(maxAbsDiff((await model.doScore({ batch })).scores, expected.lastScores)).toBeLessThan(1e-4);
      expect(maxAbsDiff((await model.doScore({ batch, positions: 'all' })).scores, expected.values)).toBeLessThan(1e-4);
    }
    await model.dispose();
  });
});
