import { describe, expect, it } from 'vitest';
import { generate, UnsupportedError } from '@instructkit/core';
import { GraphBuilder, createOrtCausalLM, createOrtScalarModel } from '../src/index';
import { leftPaddedBatch, maxAbsDiff, rightPaddedBatch, seededValues } from './helpers';

const vocab = 16;
const heads = 2;
const headDim = 3;

/**
 * A decoder ONNX written by "someone else": a bigram model (logits of position t depend only on
 * token t) in the Optimum merged layout without `position_ids`, with `use_cache_branch`, and a
 * cache of one layer. Its log-probs are known in closed form.
 */
function bigramDecoder(table: Float32Array): Uint8Array {
  const graph = new GraphBuilder('bigram');
  const ids = graph.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  graph.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const pastKey = graph.input('past_key_values.0.key', 'float32', ['batch_size', heads, 'past_sequence_length', headDim]);
  const pastValue = graph.input('past_key_values.0.value', 'float32', ['batch_size', heads, 'past_sequence_length', headDim]);
  graph.input('use_cache_branch', 'bool', [1]);
  const logitsTable = graph.initializer('bigram.weight', { elementType: 'float32', shape: [vocab, vocab], bytes: new Uint8Array(table.buffer) });
  const keyTable = graph.initializer('key.weight', { elementType: 'float32', shape: [vocab, heads * headDim], bytes: new Uint8Array(seededValues(vocab * heads * headDim, 5, 1).buffer) });
  graph.output(graph.gather(logitsTable, ids), 'logits', ['batch_size', 'sequence_length', vocab]);
  const keys = graph.transpose(graph.reshape(graph.gather(keyTable, ids), [0, 0, heads, headDim]), [0, 2, 1, 3]);
  graph.output(graph.concat([pastKey, keys], 2), 'present.0.key', ['batch_size', heads, 'total_sequence_length', headDim]);
  graph.output(graph.concat([pastValue, keys], 2), 'present.0.value', ['batch_size', heads, 'total_sequence_length', headDim]);
  return graph.toModel();
}

describe('createOrtCausalLM on a foreign decoder', () => {
  const table = seededValues(vocab * vocab, 9, 3);

  it('infers the config from the graph and scores with the closed-form bigram log-probs', async () => {
    const model = await createOrtCausalLM({ model: bigramDecoder(table), sessionOptions: { intraOpThreads: 1 } });
    expect(model.layout).toMatchObject({ hasPositionIds: false, hasUseCacheBranch: true, hasLastLogits: false, numLayers: 1, numKeyValueHeads: heads, headDim });
    // Not a GPT-2 export of this package: its steps run on the Optimum layout.
    expect(model.decodingGraph).not.toBe('in-place');
    expect(model.config).toMatchObject({ vocabSize: vocab, numLayers: 1, numHeads: heads, hiddenSize: heads * headDim });
    const ids = [3, 7, 1, 15, 0, 9];
    const { logprobs } = await model.doLogprobs({ batch: rightPaddedBatch([ids], 0) });
    const expected = ids.slice(1).map((next, step) => {
      const row = Array.from(table.subarray(ids[step]! * vocab, (ids[step]! + 1) * vocab));
      const max = Math.max(...row);
      return row[next]! - max - Math.log(row.reduce((sum, value) => sum + Math.exp(value - max), 0));
    });
    expect(maxAbsDiff(logprobs, expected)).toBeLessThan(1e-5);
    await model.dispose();
  });

  it('decodes through its cache with core generate (greedy follows the bigram argmax chain)', async () => {
    const model = await createOrtCausalLM({ model: bigramDecoder(table), sessionOptions: { intraOpThreads: 1 } });
    const { sequences } = await generate({ model, prompts: [Int32Array.of(2, 4)], sampling: { maxNewTokens: 5, temperature: 0, eosTokenIds: [] } });
    const chain: number[] = [];
    let token = 4;
    for (let step = 0; step < 5; step++) {
      const row = table.subarray(token * vocab, (token + 1) * vocab);
      token = row.indexOf(Math.max(...row));
      chain.push(token);
    }
    expect(Array.from(sequences[0]!.completionIds)).toEqual(chain);
    await model.dispose();
  });
});

describe('createOrtCausalLM on a decoder without a cache', () => {
  it('scores sequences but refuses incremental decoding with an UnsupportedError', async () => {
    const table = seededValues(vocab * vocab, 12, 2);
    const graph = new GraphBuilder('no-cache');
    const ids = graph.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
    graph.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
    const weights = graph.initializer('bigram.weight', { elementType: 'float32', shape: [vocab, vocab], bytes: new Uint8Array(table.buffer) });
    graph.output(graph.gather(weights, ids), 'logits', ['batch_size', 'sequence_length', vocab]);
    const config = { architecture: 'gpt2' as const, vocabSize: vocab, contextLength: 8, hiddenSize: 2, numLayers: 1, numHeads: 1 };
    const model = await createOrtCausalLM({ model: graph.toModel(), config });
    expect((await model.doLogprobs({ batch: rightPaddedBatch([[1, 2, 3]], 0) })).logprobs).toHaveLength(2);
    await expect(model.doStartDecoding({ batch: rightPaddedBatch([[1, 2]], 0), maxNewTokens: 2 })).rejects.toBeInstanceOf(UnsupportedError);
    await model.dispose();
  });
});

describe('createOrtScalarModel on a foreign graph with per-token values only', () => {
  it('reads the last real token of each row, whichever side is padded', async () => {
    const tokenValues = seededValues(vocab, 4, 2);
    const graph = new GraphBuilder('token-values');
    const ids = graph.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
    graph.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
    const table = graph.initializer('values.weight', { elementType: 'float32', shape: [vocab], bytes: new Uint8Array(tokenValues.buffer) });
    graph.output(graph.gather(table, ids), 'values', ['batch_size', 'sequence_length']);
    const model = await createOrtScalarModel({ model: graph.toModel(), config: { architecture: 'gpt2', vocabSize: vocab, contextLength: 8, hiddenSize: 2, numLayers: 1, numHeads: 1 } });
    const rows = [[1, 2, 3], [9]];
    const expected = [tokenValues[3]!, tokenValues[9]!];
    expect(maxAbsDiff((await model.doScore({ batch: leftPaddedBatch(rows, 0) })).scores, expected)).toBeLessThan(1e-6);
    expect(maxAbsDiff((await model.doScore({ batch: rightPaddedBatch(rows, 0) })).scores, expected)).toBeLessThan(1e-6);
    await model.dispose();
  });
});
