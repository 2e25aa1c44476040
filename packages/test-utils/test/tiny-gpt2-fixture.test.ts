import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'vitest';
import { loadModelConfig, readSafetensors, toFloat32, type TransformerConfig } from '@instructkit/core';
import { expectClose, fixturePath } from '../src/index';

/*
 * A plain float64 GPT-2 forward pass, written from the paper/HF definitions, run on the
 * fixture files as stored (through core's safetensors reader). It checks that each
 * model.safetensors and its expected.json agree — so an engine failing parity against
 * the fixture knows the fault is on its side.
 */
type Weights = (name: string) => Float64Array;

async function loadWeights(directory: string, prefix: string): Promise<Weights> {
  const { tensors } = await readSafetensors(path.join(directory, 'model.safetensors'));
  return (name) => Float64Array.from(toFloat32(tensors.get(prefix + name) ?? tensors.get(name)!));
}

function layerNorm(x: Float64Array, weight: Float64Array, bias: Float64Array, eps: number): Float64Array {
  const mean = x.reduce((sum, value) => sum + value, 0) / x.length;
  const variance = x.reduce((sum, value) => sum + (value - mean) ** 2, 0) / x.length;
  return x.map((value, index) => ((value - mean) / Math.sqrt(variance + eps)) * weight[index]! + bias[index]!);
}

/** x [in] @ W [in, out] + b (Conv1D layout). */
function affine(x: Float64Array, weight: Float64Array, bias: Float64Array): Float64Array {
  const out = Float64Array.from(bias);
  for (let i = 0; i < x.length; i++) for (let j = 0; j < out.length; j++) out[j]! += x[i]! * weight[i * out.length + j]!;
  return out;
}

/** Final hidden states of the real tokens `ids` (positions 0…n−1). */
function trunk(config: TransformerConfig, w: Weights, ids: number[]): Float64Array[] {
  const d = config.hiddenSize;
  const heads = config.numHeads;
  const headSize = d / heads;
  const eps = config.layerNormEpsilon ?? 1e-5;
  const wte = w('wte.weight');
  const wpe = w('wpe.weight');
  let hidden = ids.map((id, position) => Float64Array.from({ length: d }, (_, k) => wte[id * d + k]! + wpe[position * d + k]!));
  for (let layer = 0; layer < config.numLayers; layer++) {
    const p = `h.${layer}.`;
    const qkv = hidden.map((h) => affine(layerNorm(h, w(`${p}ln_1.weight`), w(`${p}ln_1.bias`), eps), w(`${p}attn.c_attn.weight`), w(`${p}attn.c_attn.bias`)));
    const attended = qkv.map((_, t) => {
      const out = new Float64Array(d);
      for (let head = 0; head < heads; head++) {
        const offset = head * headSize;
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          let dot = 0;
          for (let k = 0; k < headSize; k++) dot += qkv[t]![offset + k]! * qkv[s]![d + offset + k]!;
          return dot / Math.sqrt(headSize);
        });
        const maximum = Math.max(...scores);
        const exps = scores.map((score) => Math.exp(score - maximum));
        const total = exps.reduce((sum, value) => sum + value, 0);
        exps.forEach((weight, s) => {
          for (let k = 0; k < headSize; k++) out[offset + k]! += (weight / total) * qkv[s]![2 * d + offset + k]!;
        });
      }
      return out;
    });
    hidden = hidden.map((h, t) => h.map((value, k) => value + affine(attended[t]!, w(`${p}attn.c_proj.weight`), w(`${p}attn.c_proj.bias`))[k]!));
    hidden = hidden.map((h) => {
      const inner = affine(layerNorm(h, w(`${p}ln_2.weight`), w(`${p}ln_2.bias`), eps), w(`${p}mlp.c_fc.weight`), w(`${p}mlp.c_fc.bias`));
      const activated = inner.map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))));
      const out = affine(activated, w(`${p}mlp.c_proj.weight`), w(`${p}mlp.c_proj.bias`));
      return h.map((value, k) => value + out[k]!);
    });
  }
  return hidden.map((h) => layerNorm(h, w('ln_f.weight'), w('ln_f.bias'), eps));
}

function logSoftmaxOfLogits(config: TransformerConfig, w: Weights, hidden: Float64Array): Float64Array {
  const wte = w('wte.weight');
  const d = config.hiddenSize;
  const logits = Float64Array.from({ length: config.vocabSize }, (_, token) => hidden.reduce((sum, value, k) => sum + value * wte[token * d + k]!, 0));
  const maximum = Math.max(...logits);
  const logTotal = Math.log(logits.reduce((sum, value) => sum + Math.exp(value - maximum), 0));
  return logits.map((value) => value - maximum - logTotal);
}

describe('tiny GPT-2 fixtures', () => {
  for (const [name, prefix] of [['tiny-gpt2', 'transformer.'], ['tiny-gpt2-noprefix', '']] as const) {
    it(`${name}: a float64 TypeScript forward pass reproduces expected.json`, async () => {
      const directory = fixturePath(name);
      const config = await loadModelConfig(directory);
      const w = await loadWeights(directory, prefix);
      const expected = JSON.parse(await readFile(path.join(directory, 'expected.json'), 'utf8'));
      for (const testCase of expected.cases as { ids: number[]; logprobs: number[]; lastLogSoftmax: number[] }[]) {
        const hidden = trunk(config, w, testCase.ids);
        const logprobs = testCase.ids.slice(1).map((next, t) => logSoftmaxOfLogits(config, w, hidden[t]!)[next]!);
        expectClose(logprobs, testCase.logprobs, { atol: 1e-9, rtol: 0, label: `${name} logprobs of ${testCase.ids.length} ids` });
        expectClose(logSoftmaxOfLogits(config, w, hidden.at(-1)!), testCase.lastLogSoftmax, { atol: 1e-9, rtol: 0, label: `${name} last log-softmax` });
      }
    });
  }

  it('tiny-gpt2-scalar: the score head at the last real token and every token matches, for both padding sides', async () => {
    const directory = fixturePath('tiny-gpt2-scalar');
    const config = await loadModelConfig(directory);
    const w = await loadWeights(directory, 'transformer.');
    const scoreWeight = w('score.weight');
    const scoreBias = w('score.bias')[0]!;
    const expected = JSON.parse(await readFile(path.join(directory, 'expected.json'), 'utf8'));
    for (const batch of expected.batches as { batchSize: number; length: number; ids: number[]; attentionMask: number[]; lastScores: number[]; values: number[]; paddingSide: string }[]) {
      const values = new Array(batch.batchSize * batch.length).fill(0);
      const lastScores: number[] = [];
      for (let row = 0; row < batch.batchSize; row++) {
        const columns = Array.from({ length: batch.length }, (_, column) => column).filter((column) => batch.attentionMask[row * batch.length + column]);
        const hidden = trunk(config, w, columns.map((column) => batch.ids[row * batch.length + column]!));
        hidden.forEach((h, index) => {
          values[row * batch.length + columns[index]!] = h.reduce((sum, value, k) => sum + value * scoreWeight[k]!, scoreBias);
        });
        lastScores.push(values[row * batch.length + columns.at(-1)!]);
      }
      expectClose(lastScores, batch.lastScores, { atol: 1e-9, rtol: 0, label: `${batch.paddingSide}-padded last scores` });
      expectClose(values, batch.values, { atol: 1e-9, rtol: 0, label: `${batch.paddingSide}-padded values` });
    }
  });
});
