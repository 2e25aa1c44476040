import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generate, InvalidArgumentError, type TokenBatch } from '@instructkit/core';
import { expectClose } from '@instructkit/test-utils';
import { describeBackends } from '../src/test';
import { createCausalLM, type TfjsCausalLM } from '../src/index';
import { tinyConfig } from './helpers';

const PAD = 12;

function leftPadded(prompts: number[][]): TokenBatch {
  const length = Math.max(...prompts.map((prompt) => prompt.length));
  const ids = new Int32Array(prompts.length * length).fill(PAD);
  const attentionMask = new Uint8Array(prompts.length * length);
  prompts.forEach((prompt, row) => {
    ids.set(prompt, row * length + length - prompt.length);
    attentionMask.fill(1, row * length + length - prompt.length, (row + 1) * length);
  });
  return { batchSize: prompts.length, length, ids, attentionMask };
}

function argmax(values: Float32Array, offset: number, size: number): number {
  let best = 0;
  for (let index = 1; index < size; index++) if (values[offset + index]! > values[offset + best]!) best = index;
  return best;
}

/** Greedy decoding by re-running the whole sequence each step (no cache). */
async function greedyWithoutCache(model: TfjsCausalLM, prompts: number[][], steps: number): Promise<{ tokens: number[][]; logits: Float32Array[] }> {
  const rows = prompts.map((prompt) => [...prompt]);
  const logitsPerStep: Float32Array[] = [];
  const vocab = model.config.vocabSize;
  for (let step = 0; step < steps; step++) {
    const batch = leftPadded(rows);
    const { logits } = await model.doLogits({ batch });
    const last = new Float32Array(rows.length * vocab);
    rows.forEach((row, index) => {
      const offset = (index * batch.length + batch.length - 1) * vocab;
      last.set(logits.subarray(offset, offset + vocab), index * vocab);
      row.push(argmax(logits, offset, vocab));
    });
    logitsPerStep.push(last);
  }
  return { tokens: rows.map((row, index) => row.slice(prompts[index]!.length)), logits: logitsPerStep };
}

async function greedyWithCache(model: TfjsCausalLM, prompts: number[][], steps: number): Promise<{ tokens: number[][]; logits: Float32Array[] }> {
  const vocab = model.config.vocabSize;
  const { logits: first, session } = await model.doStartDecoding({ batch: leftPadded(prompts), maxNewTokens: steps });
  const tokens: number[][] = prompts.map(() => []);
  const logitsPerStep = [first];
  let logits = first;
  try {
    for (let step = 0; step < steps; step++) {
      const next = Int32Array.from(prompts, (_, row) => argmax(logits, row * vocab, vocab));
      next.forEach((token, row) => tokens[row]!.push(token));
      if (step < steps - 1) {
        logits = await session.step(next);
        logitsPerStep.push(logits);
      }
    }
  } finally {
    session.dispose();
  }
  return { tokens, logits: logitsPerStep };
}

describeBackends(['cpu', 'wasm'], () => {
  let model: TfjsCausalLM;
  const prompts = [[3, 1, 4, 1, 5], [9, 2], [6]];
  beforeAll(async () => {
    model = await createCausalLM({ config: tinyConfig({ contextLength: 16, numLayers: 2 }), seed: 11 });
  });
  afterAll(() => model.dispose());

  it('decodes greedily with the KV cache exactly as without it (left-padded batch)', async () => {
    const cached = await greedyWithCache(model, prompts, 8);
    const uncached = await greedyWithoutCache(model, prompts, 8);
    expect(cached.tokens).toEqual(uncached.tokens);
    cached.logits.forEach((logits, step) => expectClose(logits, uncached.logits[step]!, { atol: 1e-4, label: `logits at step ${step}` }));
  });

  it('keeps the live tensor count constant across repeated generation calls', async () => {
    await greedyWithCache(model, prompts, 4);
    const baseline = tf.memory().numTensors;
    for (let call = 0; call < 10; call++) {
      await greedyWithCache(model, prompts, 4);
      await model.doLogprobs({ batch: leftPadded(prompts), includeEntropy: true });
    }
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it("runs core's sampling loop: greedy generate equals uncached greedy, and its log-probs equal doLogprobs", async () => {
    const { sequences } = await generate({ model, prompts: prompts.map((prompt) => Int32Array.from(prompt)), sampling: { maxNewTokens: 5, temperature: 0, eosTokenIds: [] } });
    const uncached = await greedyWithoutCache(model, prompts, 5);
    expect(sequences.map((sequence) => Array.from(sequence.completionIds))).toEqual(uncached.tokens);
    const full = [...prompts[0]!, ...uncached.tokens[0]!];
    const { logprobs } = await model.doLogprobs({ batch: leftPadded([full]) });
    expectClose(sequences[0]!.logprobs, logprobs.subarray(prompts[0]!.length - 1), { atol: 1e-4, label: 'generated token log-probs' });
  });

  it('keeps the live tensor count constant across repeated sampled generate calls', async () => {
    const run = () => generate({ model, prompts: prompts.map((prompt) => Int32Array.from(prompt)), sampling: { maxNewTokens: 4, temperature: 1, topK: 5, seed: 3 } });
    await run();
    const baseline = tf.memory().numTensors;
    for (let call = 0; call < 10; call++) await run();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('refuses to decode past the context length with a typed error', async () => {
    const { session } = await model.doStartDecoding({ batch: leftPadded([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2, 3, 4, 5]]), maxNewTokens: 1 });
    try {
      await expect(session.step(Int32Array.of(1))).rejects.toThrow(InvalidArgumentError);
    } finally {
      session.dispose();
    }
  });

  it('names the offending entry of a bad batch', async () => {
    const batch = leftPadded([[1, 2, 99]]);
    await expect(model.doLogprobs({ batch })).rejects.toThrow(/batch.ids\[2\]: token id 99 is outside the vocabulary \[0, 13\)/);
  });
});
