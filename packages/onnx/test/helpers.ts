import type { HostTensor, NamedTensors, TokenBatch, TransformerConfig } from '@instructkit/core';

/** Deterministic uniform(-scale, scale) values from a 32-bit LCG. */
export function seededValues(count: number, seed: number, scale: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[index] = (state / 2 ** 32 - 0.5) * 2 * scale;
  }
  return values;
}

function tensor(shape: number[], seed: number, scale: number, offset = 0): HostTensor {
  const data = seededValues(shape.reduce((a, b) => a * b, 1), seed, scale);
  if (offset) for (let index = 0; index < data.length; index++) data[index]! += offset;
  return { dtype: 'float32', shape, data };
}

/** A tiny GPT-2 config for tests. */
export const tinyConfig: TransformerConfig = {
  architecture: 'gpt2',
  vocabSize: 64,
  contextLength: 48,
  hiddenSize: 32,
  numLayers: 2,
  numHeads: 4,
  eosTokenId: 63,
};

/** Random Hugging Face-named GPT-2 weights (LayerNorm scales near 1). */
export function randomGpt2Weights(config: TransformerConfig, seed: number, options: { scoreHead?: boolean } = {}): NamedTensors {
  const d = config.hiddenSize;
  const inner = config.intermediateSize ?? 4 * d;
  const weights: NamedTensors = new Map();
  let next = seed * 1000;
  weights.set('wte.weight', tensor([config.vocabSize, d], next++, 0.5));
  weights.set('wpe.weight', tensor([config.contextLength, d], next++, 0.2));
  for (let layer = 0; layer < config.numLayers; layer++) {
    const prefix = `h.${layer}`;
    for (const norm of ['ln_1', 'ln_2']) {
      weights.set(`${prefix}.${norm}.weight`, tensor([d], next++, 0.2, 1));
      weights.set(`${prefix}.${norm}.bias`, tensor([d], next++, 0.1));
    }
    weights.set(`${prefix}.attn.c_attn.weight`, tensor([d, 3 * d], next++, 0.3));
    weights.set(`${prefix}.attn.c_attn.bias`, tensor([3 * d], next++, 0.1));
    weights.set(`${prefix}.attn.c_proj.weight`, tensor([d, d], next++, 0.2));
    weights.set(`${prefix}.attn.c_proj.bias`, tensor([d], next++, 0.1));
    weights.set(`${prefix}.mlp.c_fc.weight`, tensor([d, inner], next++, 0.2));
    weights.set(`${prefix}.mlp.c_fc.bias`, tensor([inner], next++, 0.1));
    weights.set(`${prefix}.mlp.c_proj.weight`, tensor([inner, d], next++, 0.1));
    weights.set(`${prefix}.mlp.c_proj.bias`, tensor([d], next++, 0.1));
  }
  weights.set('ln_f.weight', tensor([d], next++, 0.2, 1));
  weights.set('ln_f.bias', tensor([d], next++, 0.1));
  if (options.scoreHead) weights.set('score.weight', tensor([1, d], next++, 0.5));
  return weights;
}

/** A batch from rows of ids, left-padded with `pad` (mask 0). */
export function leftPaddedBatch(rows: readonly number[][], pad: number): TokenBatch {
  const length = Math.max(...rows.map((row) => row.length));
  const ids = new Int32Array(rows.length * length).fill(pad);
  const attentionMask = new Uint8Array(rows.length * length);
  rows.forEach((row, index) => {
    const start = index * length + length - row.length;
    ids.set(row, start);
    attentionMask.fill(1, start, start + row.length);
  });
  return { batchSize: rows.length, length, ids, attentionMask };
}

/** A batch from rows of ids, right-padded with `pad` (mask 0). */
export function rightPaddedBatch(rows: readonly number[][], pad: number): TokenBatch {
  const length = Math.max(...rows.map((row) => row.length));
  const ids = new Int32Array(rows.length * length).fill(pad);
  const attentionMask = new Uint8Array(rows.length * length);
  rows.forEach((row, index) => {
    ids.set(row, index * length);
    attentionMask.fill(1, index * length, index * length + row.length);
  });
  return { batchSize: rows.length, length, ids, attentionMask };
}

/** Largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let index = 0; index < a.length; index++) max = Math.max(max, Math.abs(a[index]! - b[index]!));
  return max;
}

/**
 * A plain-loop GPT-2 forward pass over one unpadded sequence, written from the GPT-2 paper /
 * Hugging Face modelling code, independent of the ONNX graph: the reference the exported graph
 * is checked against when no PyTorch fixture is at hand. Returns `[length, vocab]` logits and
 * the final hidden states `[length, d]`.
 */
export function referenceGpt2(config: TransformerConfig, weights: NamedTensors, ids: readonly number[]): { logits: Float64Array; hidden: Float64Array } {
  const d = config.hiddenSize;
  const heads = config.numHeads;
  const headDim = d / heads;
  const inner = config.intermediateSize ?? 4 * d;
  const eps = config.layerNormEpsilon ?? 1e-5;
  const n = ids.length;
  const w = (name: string) => weights.get(name)!.data as Float32Array;
  const layerNorm = (x: Float64Array, gamma: Float32Array, beta: Float32Array) => {
    const out = new Float64Array(x.length);
    for (let t = 0; t < n; t++) {
      let mean = 0;
      for (let i = 0; i < d; i++) mean += x[t * d + i]!;
      mean /= d;
      let variance = 0;
      for (let i = 0; i < d; i++) variance += (x[t * d + i]! - mean) ** 2;
      variance /= d;
      const inv = 1 / Math.sqrt(variance + eps);
      for (let i = 0; i < d; i++) out[t * d + i] = (x[t * d + i]! - mean) * inv * gamma[i]! + beta[i]!;
    }
    return out;
  };
  const linear = (x: Float64Array, inSize: number, weight: Float32Array, bias: Float32Array, outSize: number) => {
    const out = new Float64Array(n * outSize);
    for (let t = 0; t < n; t++) {
      for (let o = 0; o < outSize; o++) {
        let sum = bias[o]!;
        for (let i = 0; i < inSize; i++) sum += x[t * inSize + i]! * weight[i * outSize + o]!;
        out[t * outSize + o] = sum;
      }
    }
    return out;
  };
  let x = new Float64Array(n * d);
  const wte = w('wte.weight');
  const wpe = w('wpe.weight');
  for (let t = 0; t < n; t++) for (let i = 0; i < d; i++) x[t * d + i] = wte[ids[t]! * d + i]! + wpe[t * d + i]!;
  for (let layer = 0; layer < config.numLayers; layer++) {
    const p = `h.${layer}`;
    const h = layerNorm(x, w(`${p}.ln_1.weight`), w(`${p}.ln_1.bias`));
    const qkv = linear(h, d, w(`${p}.attn.c_attn.weight`), w(`${p}.attn.c_attn.bias`), 3 * d);
    const context = new Float64Array(n * d);
    for (let head = 0; head < heads; head++) {
      for (let t = 0; t < n; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let k = 0; k < headDim; k++) dot += qkv[t * 3 * d + head * headDim + k]! * qkv[s * 3 * d + d + head * headDim + k]!;
          scores.push(dot / Math.sqrt(headDim));
        }
        const max = Math.max(...scores);
        const exps = scores.map((score) => Math.exp(score - max));
        const total = exps.reduce((a, b) => a + b, 0);
        for (let k = 0; k < headDim; k++) {
          let sum = 0;
          for (let s = 0; s <= t; s++) sum += (exps[s]! / total) * qkv[s * 3 * d + 2 * d + head * headDim + k]!;
          context[t * d + head * headDim + k] = sum;
        }
      }
    }
    const attended = linear(context, d, w(`${p}.attn.c_proj.weight`), w(`${p}.attn.c_proj.bias`), d);
    for (let i = 0; i < x.length; i++) x[i]! += attended[i]!;
    const h2 = layerNorm(x, w(`${p}.ln_2.weight`), w(`${p}.ln_2.bias`));
    const fc = linear(h2, d, w(`${p}.mlp.c_fc.weight`), w(`${p}.mlp.c_fc.bias`), inner);
    for (let i = 0; i < fc.length; i++) {
      const v = fc[i]!;
      fc[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    }
    const mlp = linear(fc, inner, w(`${p}.mlp.c_proj.weight`), w(`${p}.mlp.c_proj.bias`), d);
    const next = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) next[i] = x[i]! + mlp[i]!;
    x = next;
  }
  const hidden = layerNorm(x, w('ln_f.weight'), w('ln_f.bias'));
  const logits = new Float64Array(n * config.vocabSize);
  for (let t = 0; t < n; t++) {
    for (let v = 0; v < config.vocabSize; v++) {
      let sum = 0;
      for (let i = 0; i < d; i++) sum += hidden[t * d + i]! * wte[v * d + i]!;
      logits[t * config.vocabSize + v] = sum;
    }
  }
  return { logits, hidden };
}
