import { describe, expect, it } from 'vitest';
import { createLocalGenerator, generate, InvalidArgumentError } from '../src/index';
import { MockCausalLM } from '../src/test';

// A context-free table: every step draws from the same distribution (no EOS in it).
const table = [0.4, 0.3, 0.15, 0.1, 0.05];
const tableModel = () => new MockCausalLM({ distribution: () => table, config: { vocabSize: 5, eosTokenId: undefined, contextLength: 256 } });
const prompt = (...ids: number[]) => Int32Array.from(ids);

function counts(sequences: { completionIds: Int32Array }[], vocabSize: number): number[] {
  const tally = new Array(vocabSize).fill(0);
  for (const sequence of sequences) for (const token of sequence.completionIds) tally[token]++;
  return tally;
}

function chiSquare(observed: number[], probabilities: number[]): number {
  const total = observed.reduce((sum, count) => sum + count, 0);
  return observed.reduce((sum, count, index) => sum + (count - total * probabilities[index]!) ** 2 / (total * probabilities[index]!), 0);
}

const manyPrompts = Array.from({ length: 100 }, (_, index) => prompt(index % 5));

describe('generate', () => {
  it("samples tokens with the model's frequencies at temperature 1", async () => {
    const { sequences } = await generate({ model: tableModel(), prompts: manyPrompts, sampling: { maxNewTokens: 30, seed: 11 } });
    expect(chiSquare(counts(sequences, 5), table)).toBeLessThan(18.5); // χ²(4) at p = 0.001, n = 3000
  });

  it('sharpens the distribution with temperature (p^(1/T) renormalised)', async () => {
    const { sequences } = await generate({ model: tableModel(), prompts: manyPrompts, sampling: { maxNewTokens: 30, temperature: 0.5, seed: 12 } });
    const squared = table.map((probability) => probability ** 2);
    const total = squared.reduce((sum, value) => sum + value, 0);
    expect(chiSquare(counts(sequences, 5), squared.map((value) => value / total))).toBeLessThan(18.5);
  });

  it('draws only from the top-k and top-p supports, in proportion', async () => {
    const topK = await generate({ model: tableModel(), prompts: manyPrompts, sampling: { maxNewTokens: 20, topK: 2, seed: 13 } });
    const kCounts = counts(topK.sequences, 5);
    expect(kCounts.slice(2)).toEqual([0, 0, 0]);
    expect(chiSquare(kCounts.slice(0, 2), [4 / 7, 3 / 7])).toBeLessThan(10.8); // χ²(1) at p = 0.001
    const topP = await generate({ model: tableModel(), prompts: manyPrompts, sampling: { maxNewTokens: 20, topP: 0.8, seed: 14 } });
    const pCounts = counts(topP.sequences, 5);
    expect(pCounts.slice(3)).toEqual([0, 0]); // 0.4 + 0.3 + 0.15 reaches 0.8
    expect(chiSquare(pCounts.slice(0, 3), [0.4 / 0.85, 0.3 / 0.85, 0.15 / 0.85])).toBeLessThan(13.8); // χ²(2)
  });

  it("records the model's own log-prob of each token, before temperature and filtering", async () => {
    const { sequences } = await generate({ model: tableModel(), prompts: manyPrompts.slice(0, 10), sampling: { maxNewTokens: 10, temperature: 0.7, topK: 3, seed: 15 } });
    for (const sequence of sequences) {
      expect(sequence.logprobs.length).toBe(sequence.completionIds.length);
      sequence.completionIds.forEach((token, index) => expect(sequence.logprobs[index]).toBeCloseTo(Math.log(table[token]!), 6));
    }
  });

  it('is reproducible for a seed, whatever the batch size, and differs across seeds', async () => {
    const run = (seed: number, batchSize?: number) =>
      generate({ model: tableModel(), prompts: manyPrompts.slice(0, 8), sampling: { maxNewTokens: 12, seed }, batchSize }).then(({ sequences }) =>
        sequences.map((sequence) => Array.from(sequence.completionIds)),
      );
    const reference = await run(5);
    expect(await run(5)).toEqual(reference);
    expect(await run(5, 3)).toEqual(reference);
    expect(await run(6)).not.toEqual(reference);
  });

  it('decodes greedily at temperature 0 on a context-dependent model', async () => {
    // Next token is (last + 1) mod 6 with probability 0.9.
    const model = new MockCausalLM({
      distribution: (context) => Array.from({ length: 6 }, (_, token) => (token === (context.at(-1)! + 1) % 6 ? 0.9 : 0.02)),
      config: { vocabSize: 6, eosTokenId: undefined },
    });
    const { sequences } = await generate({ model, prompts: [prompt(4), prompt(0, 1)], sampling: { maxNewTokens: 4, temperature: 0 } });
    expect(Array.from(sequences[0]!.completionIds)).toEqual([5, 0, 1, 2]);
    expect(Array.from(sequences[1]!.completionIds)).toEqual([2, 3, 4, 5]);
    expect(sequences[0]!.finishReason).toBe('length');
  });

  it('left-pads prompts with an attention mask, feeds finished rows the pad id, and disposes the session', async () => {
    const model = new MockCausalLM({ distribution: (context) => (context.length >= 3 ? [0, 0, 1] : [1, 0, 0]), config: { vocabSize: 3, eosTokenId: 2, padTokenId: 1 } });
    const { sequences } = await generate({ model, prompts: [prompt(0), prompt(0, 0)], sampling: { maxNewTokens: 5 } });
    const start = model.calls[0]!;
    expect(start.method).toBe('doStartDecoding');
    if (start.method !== 'doStartDecoding') return;
    expect(Array.from(start.batch.ids)).toEqual([1, 0, 0, 0]);
    expect(Array.from(start.batch.attentionMask)).toEqual([0, 1, 1, 1]);
    // Row 1 reaches 3 tokens first and ends with EOS (2); row 0 one step later.
    expect(Array.from(sequences[0]!.completionIds)).toEqual([0, 0, 2]);
    expect(Array.from(sequences[1]!.completionIds)).toEqual([0, 2]);
    expect(sequences.map((sequence) => sequence.finishReason)).toEqual(['eos', 'eos']);
    const steps = model.calls.filter((call) => call.method === 'step').map((call) => (call.method === 'step' ? Array.from(call.tokens) : []));
    expect(steps).toEqual([[0, 0], [0, 2]]); // no step after the last token is chosen
    expect(model.openSessions).toBe(0);
  });

  it('stops a row on a stop sequence and keeps it in the output', async () => {
    const model = new MockCausalLM({ distribution: (context) => Array.from({ length: 6 }, (_, token) => (token === (context.at(-1)! + 1) % 6 ? 0.9 : 0.02)), config: { vocabSize: 6, eosTokenId: 5 } });
    const { sequences } = await generate({ model, prompts: [prompt(0), prompt(2)], sampling: { maxNewTokens: 10, temperature: 0, stopSequences: [[2, 3]] } });
    expect(Array.from(sequences[0]!.completionIds)).toEqual([1, 2, 3]);
    expect(sequences[0]!.finishReason).toBe('stop-sequence');
    expect(Array.from(sequences[1]!.completionIds)).toEqual([3, 4, 5]);
    expect(sequences[1]!.finishReason).toBe('eos');
  });

  it('applies the repetition penalty to prompt and generated tokens', async () => {
    const model = new MockCausalLM({ distribution: () => [0.5, 0.3, 0.2], config: { vocabSize: 3, eosTokenId: undefined } });
    const greedy = (repetitionPenalty: number) =>
      generate({ model, prompts: [prompt(2)], sampling: { maxNewTokens: 3, temperature: 0, repetitionPenalty } }).then(({ sequences }) => Array.from(sequences[0]!.completionIds));
    expect(await greedy(1)).toEqual([0, 0, 0]);
    // log 0.5 = −0.69 → −1.39 once 0 is seen, below log 0.3 = −1.20; then 1 is penalised to −2.41.
    expect(await greedy(2)).toEqual([0, 1, 0]);
  });

  it('disposes the session when the model fails mid-way, and when aborted', async () => {
    const failing = new MockCausalLM({
      distribution: (context) => {
        if (context.length > 2) throw new Error('engine failure');
        return [0.5, 0.5];
      },
      config: { vocabSize: 2, eosTokenId: undefined },
    });
    await expect(generate({ model: failing, prompts: [prompt(0)], sampling: { maxNewTokens: 5 } })).rejects.toThrow('engine failure');
    expect(failing.openSessions).toBe(0);

    const controller = new AbortController();
    const model = new MockCausalLM({
      distribution: (context) => {
        if (context.length === 3) controller.abort();
        return [0.5, 0.5];
      },
      config: { vocabSize: 2, eosTokenId: undefined },
    });
    await expect(generate({ model, prompts: [prompt(0)], sampling: { maxNewTokens: 10 }, signal: controller.signal })).rejects.toThrow(/abort/i);
    expect(model.openSessions).toBe(0);
  });

  it('rejects empty prompts, unknown ids and prompts that cannot fit the context', async () => {
    const model = tableModel();
    await expect(generate({ model, prompts: [prompt()] })).rejects.toThrow(/prompts\[0\]: is empty/);
    await expect(generate({ model, prompts: [prompt(1, 9)] })).rejects.toThrow(/prompts\[0\]\[1\]: 9 is not a token id of a 5-token vocabulary/);
    await expect(generate({ model, prompts: [prompt(1)], sampling: { maxNewTokens: 256 } })).rejects.toThrow(InvalidArgumentError);
    await expect(generate({ model, prompts: [prompt(1)], sampling: { topP: 1.5 } })).rejects.toThrow(/sampling\.topP/);
  });
});

describe('createLocalGenerator', () => {
  it('serves requests through generate with default sampling options', async () => {
    const model = tableModel();
    const generator = createLocalGenerator(model, { maxNewTokens: 4, seed: 3 });
    expect(generator).toMatchObject({ specificationVersion: 'v1', modelId: 'mock-causal-lm' });
    const viaGenerator = await generator.doGenerate({ prompts: [prompt(1)], sampling: { topK: 2 } });
    const direct = await generate({ model, prompts: [prompt(1)], sampling: { maxNewTokens: 4, seed: 3, topK: 2 } });
    expect(viaGenerator.sequences[0]!.completionIds).toEqual(direct.sequences[0]!.completionIds);
    expect(viaGenerator.sequences[0]!.completionIds.length).toBe(4);
  });
});
