import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectClose, fixturePath } from '@instructkit/test-utils';
import { describeBackends } from '../src/test';
import { loadCausalLM, loadScalarModel, type TfjsCausalLM, type TfjsScalarModel } from '../src/index';

interface LogprobsFixture {
  cases: { ids: number[]; logprobs: number[]; lastLogSoftmax: number[] }[];
}
interface ScalarFixture {
  batches: { paddingSide: string; batchSize: number; length: number; ids: number[]; attentionMask: number[]; lastScores: number[]; values: number[] }[];
}

const readJson = <T>(name: string): T => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;

function singleRow(ids: number[]) {
  return { batchSize: 1, length: ids.length, ids: Int32Array.from(ids), attentionMask: new Uint8Array(ids.length).fill(1) };
}

function logSoftmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const sum = logits.reduce((total, value) => total + Math.exp(value - max), 0);
  return Array.from(logits, (value) => value - max - Math.log(sum));
}

describeBackends(['cpu', 'wasm'], () => {
  for (const fixture of ['tiny-gpt2', 'tiny-gpt2-noprefix']) {
    it(`matches the PyTorch next-token log-probs of ${fixture} within 1e-4`, async () => {
      const expected = readJson<LogprobsFixture>(`${fixture}/expected.json`);
      const model = await loadCausalLM(fixturePath(fixture));
      try {
        for (const testCase of expected.cases) {
          const { logprobs } = await model.doLogprobs({ batch: singleRow(testCase.ids) });
          expectClose(logprobs, testCase.logprobs, { atol: 1e-4, rtol: 0, label: `${fixture} logprobs (${testCase.ids.length} tokens)` });
          const { logits } = await model.doLogits({ batch: singleRow(testCase.ids) });
          const vocab = model.config.vocabSize;
          const last = logits.subarray((testCase.ids.length - 1) * vocab, testCase.ids.length * vocab);
          expectClose(logSoftmax(last), testCase.lastLogSoftmax, { atol: 1e-4, rtol: 0, label: `${fixture} last log-softmax` });
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('gives the same log-probs for real tokens of a left-padded batch as for the rows alone', async () => {
    const expected = readJson<LogprobsFixture>('tiny-gpt2/expected.json');
    const model = await loadCausalLM(fixturePath('tiny-gpt2'));
    try {
      const rows = expected.cases.slice(0, 3).map((testCase) => testCase.ids);
      const length = Math.max(...rows.map((row) => row.length));
      const ids = new Int32Array(rows.length * length).fill(127);
      const mask = new Uint8Array(rows.length * length);
      rows.forEach((row, index) => {
        ids.set(row, index * length + length - row.length);
        mask.fill(1, index * length + length - row.length, (index + 1) * length);
      });
      const { logprobs } = await model.doLogprobs({ batch: { batchSize: rows.length, length, ids, attentionMask: mask } });
      rows.forEach((row, index) => {
        const start = length - row.length;
        const offset = index * (length - 1) + start;
        expectClose(logprobs.subarray(offset, offset + row.length - 1), expected.cases[index]!.logprobs, { atol: 1e-4, rtol: 0, label: `row ${index}` });
        // Actions whose target is padding (t + 1 < start) are 0 by contract.
        expect(Array.from(logprobs.subarray(index * (length - 1), offset - 1))).toEqual(new Array(Math.max(start - 1, 0)).fill(0));
      });
    } finally {
      model.dispose();
    }
  });

  it('matches the PyTorch scalar-head scores, left- and right-padded', async () => {
    const expected = readJson<ScalarFixture>('tiny-gpt2-scalar/expected.json');
    const model = await loadScalarModel(fixturePath('tiny-gpt2-scalar'));
    try {
      for (const fixtureBatch of expected.batches) {
        const batch = {
          batchSize: fixtureBatch.batchSize,
          length: fixtureBatch.length,
          ids: Int32Array.from(fixtureBatch.ids),
          attentionMask: Uint8Array.from(fixtureBatch.attentionMask),
        };
        const last = await model.doScore({ batch });
        expectClose(last.scores, fixtureBatch.lastScores, { atol: 1e-4, rtol: 0, label: `${fixtureBatch.paddingSide} last scores` });
        const all = await model.doScore({ batch, positions: 'all' });
        expectClose(all.scores, fixtureBatch.values, { atol: 1e-4, rtol: 0, label: `${fixtureBatch.paddingSide} values` });
      }
    } finally {
      model.dispose();
    }
  });
});
