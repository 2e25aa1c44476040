import * as tf from '@tensorflow/tfjs-core';
import type { TransformerConfig } from '@instructkit/core';
import type { ForwardMode, KeyValueCache, ModelFamily, ParameterSpec, TrunkInput, TrunkOutput } from './model-family';
import { embeddingLookup, geluTanh, layerNorm, linear, matMul } from './ops';

// Added to attention scores of masked keys; finite so fully masked (padding) rows stay NaN-free.
const MASKED_SCORE = -1e9;

/** Resolved dropout rates of a config (GPT-2 defaults 0.1). */
export function dropoutRates(config: TransformerConfig): { embedding: number; attention: number; residual: number } {
  return {
    embedding: config.dropout?.embedding ?? 0.1,
    attention: config.dropout?.attention ?? 0.1,
    residual: config.dropout?.residual ?? 0.1,
  };
}

function parameter(parameters: ReadonlyMap<string, tf.Tensor>, name: string): tf.Tensor {
  const value = parameters.get(name);
  if (!value) throw new Error(`internal: missing parameter ${name}`);
  return value;
}

/** Additive attention bias `[batch, 1, length, cached + length]`: 0 where query i may see key j. */
function attentionBias(input: TrunkInput): tf.Tensor4D {
  const { batchSize, length, keyMask } = input;
  const keyLength = keyMask.length / batchSize;
  const cached = keyLength - length;
  const bias = new Float32Array(batchSize * length * keyLength);
  for (let row = 0; row < batchSize; row++) {
    for (let query = 0; query < length; query++) {
      const base = (row * length + query) * keyLength;
      const lastVisible = cached + query;
      for (let key = 0; key < keyLength; key++) {
        if (key > lastVisible || keyMask[row * keyLength + key] === 0) bias[base + key] = MASKED_SCORE;
      }
    }
  }
  return tf.tensor4d(bias, [batchSize, 1, length, keyLength]);
}

function isArange(positions: Int32Array, batchSize: number, length: number): boolean {
  for (let row = 0; row < batchSize; row++) {
    for (let index = 0; index < length; index++) if (positions[row * length + index] !== index) return false;
  }
  return true;
}

/**
 * GPT-2 (Radford et al. 2019): learned positions, pre-LayerNorm blocks, tanh-GELU MLP,
 * tied embeddings, dropout on embeddings / attention probabilities / residual branches.
 * Weights use Hugging Face names and the Conv1D `[in, out]` layout.
 */
export const gpt2Family: ModelFamily = {
  architecture: 'gpt2',

  parameterSpecs(config) {
    const hidden = config.hiddenSize;
    const inner = config.intermediateSize ?? 4 * hidden;
    // GPT-2 scales the residual projections by 1/sqrt(2·layers) (the paper's "modified initialization").
    const projectionStd = 0.02 / Math.sqrt(2 * config.numLayers);
    const specs: ParameterSpec[] = [
      { name: 'wte.weight', shape: [config.vocabSize, hidden], init: 'normal', std: 0.02 },
      { name: 'wpe.weight', shape: [config.contextLength, hidden], init: 'normal', std: 0.01 },
    ];
    for (let layer = 0; layer < config.numLayers; layer++) {
      const prefix = `h.${layer}.`;
      specs.push(
        { name: `${prefix}ln_1.weight`, shape: [hidden], init: 'ones' },
        { name: `${prefix}ln_1.bias`, shape: [hidden], init: 'zeros' },
        { name: `${prefix}attn.c_attn.weight`, shape: [hidden, 3 * hidden], init: 'normal', std: 0.02 },
        { name: `${prefix}attn.c_attn.bias`, shape: [3 * hidden], init: 'zeros' },
        { name: `${prefix}attn.c_proj.weight`, shape: [hidden, hidden], init: 'normal', std: projectionStd },
        { name: `${prefix}attn.c_proj.bias`, shape: [hidden], init: 'zeros' },
        { name: `${prefix}ln_2.weight`, shape: [hidden], init: 'ones' },
        { name: `${prefix}ln_2.bias`, shape: [hidden], init: 'zeros' },
        { name: `${prefix}mlp.c_fc.weight`, shape: [hidden, inner], init: 'normal', std: 0.02 },
        { name: `${prefix}mlp.c_fc.bias`, shape: [inner], init: 'zeros' },
        { name: `${prefix}mlp.c_proj.weight`, shape: [inner, hidden], init: 'normal', std: projectionStd },
        { name: `${prefix}mlp.c_proj.bias`, shape: [hidden], init: 'zeros' },
      );
    }
    specs.push({ name: 'ln_f.weight', shape: [hidden], init: 'ones' }, { name: 'ln_f.bias', shape: [hidden], init: 'zeros' });
    if (config.tieWordEmbeddings === false) specs.push({ name: 'lm_head.weight', shape: [config.vocabSize, hidden], init: 'normal', std: 0.02 });
    return specs;
  },

  trunk(parameters, config, input, mode, returnCache): TrunkOutput {
    const { batchSize, length } = input;
    const hidden = config.hiddenSize;
    const heads = config.numHeads;
    const headSize = hidden / heads;
    const epsilon = config.layerNormEpsilon ?? 1e-5;
    const rates = dropoutRates(config);
    const get = (name: string) => parameter(parameters, name);

    const tokenEmbeddings = embeddingLookup(get('wte.weight'), input.ids);
    // Contiguous positions (no left padding, no cache) take a slice: cheaper than a gather.
    const positionEmbeddings =
      !input.cache && isArange(input.positions, batchSize, length)
        ? tf.slice(get('wpe.weight'), [0, 0], [length, hidden])
        : embeddingLookup(get('wpe.weight'), tf.tensor2d(input.positions, [batchSize, length], 'int32'));
    let x = mode.dropout(tf.add(tokenEmbeddings, positionEmbeddings), rates.embedding) as tf.Tensor3D;

    const bias = attentionBias(input);
    const scale = 1 / Math.sqrt(headSize);
    const cache: KeyValueCache | undefined = returnCache ? { keys: [], values: [] } : undefined;
    const toHeads = (tensor: tf.Tensor) => tf.transpose(tf.reshape(tensor, [batchSize, length, heads, headSize]), [0, 2, 1, 3]) as tf.Tensor4D;

    for (let layer = 0; layer < config.numLayers; layer++) {
      const prefix = `h.${layer}.`;
      const normed = layerNorm(x, get(`${prefix}ln_1.weight`), get(`${prefix}ln_1.bias`), epsilon);
      const qkv = linear(normed, get(`${prefix}attn.c_attn.weight`), get(`${prefix}attn.c_attn.bias`));
      const [query, key, value] = tf.split(qkv, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      // Fold 1/sqrt(d_head) into the queries: [B,T,d] is smaller than the [B,H,T,T] scores.
      let values = toHeads(value);
      const queries = toHeads(tf.mul(query, scale));
      let keysTransposed: tf.Tensor;
      if (input.cache || cache) {
        let keys = toHeads(key);
        if (input.cache) {
          keys = tf.concat([input.cache.keys[layer]!, keys], 2) as tf.Tensor4D;
          values = tf.concat([input.cache.values[layer]!, values], 2) as tf.Tensor4D;
        }
        cache?.keys.push(keys);
        cache?.values.push(values);
        keysTransposed = tf.transpose(keys, [0, 1, 3, 2]);
      } else {
        // Training / scoring: [B,T,H,hd] → [B,H,hd,T] in one transpose instead of two.
        keysTransposed = tf.transpose(tf.reshape(key, [batchSize, length, heads, headSize]), [0, 2, 3, 1]);
      }
      const keyLength = values.shape[2];
      keysTransposed = tf.reshape(keysTransposed, [batchSize * heads, headSize, keyLength]);
      const scores = tf.reshape(matMul(tf.reshape(queries, [batchSize * heads, length, headSize]), keysTransposed), [batchSize, heads, length, keyLength]);
      const probabilities = mode.dropout(tf.softmax(tf.add(scores, bias)), rates.attention);
      const context = matMul(tf.reshape(probabilities, [batchSize * heads, length, keyLength]), tf.reshape(values, [batchSize * heads, keyLength, headSize]));
      const merged = tf.reshape(tf.transpose(tf.reshape(context, [batchSize, heads, length, headSize]), [0, 2, 1, 3]), [batchSize, length, hidden]);
      const attention = linear(merged, get(`${prefix}attn.c_proj.weight`), get(`${prefix}attn.c_proj.bias`));
      x = tf.add(x, mode.dropout(attention, rates.residual)) as tf.Tensor3D;

      const normed2 = layerNorm(x, get(`${prefix}ln_2.weight`), get(`${prefix}ln_2.bias`), epsilon);
      const inner = geluTanh(linear(normed2, get(`${prefix}mlp.c_fc.weight`), get(`${prefix}mlp.c_fc.bias`)));
      const mlp = linear(inner, get(`${prefix}mlp.c_proj.weight`), get(`${prefix}mlp.c_proj.bias`));
      x = tf.add(x, mode.dropout(mlp, rates.residual)) as tf.Tensor3D;
    }
    const output = layerNorm(x, get('ln_f.weight'), get('ln_f.bias'), epsilon) as tf.Tensor3D;
    return cache ? { hidden: output, cache } : { hidden: output };
  },

  unembedding(parameters, config) {
    const name = config.tieWordEmbeddings === false ? 'lm_head.weight' : 'wte.weight';
    return tf.transpose(parameter(parameters, name)) as tf.Tensor2D;
  },
};

/** Families by architecture; add Llama here. */
export const families: Readonly<Partial<Record<TransformerConfig['architecture'], ModelFamily>>> = { gpt2: gpt2Family };

