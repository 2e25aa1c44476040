import { createRng, InvalidArgumentError, type TransformerConfig } from '@instructkit/core';

/** Which output head a model carries. */
export type ModelHead = 'causal-lm' | 'scalar';

/** One parameter: Hugging Face name, shape, and whether AdamW decays it. */
export interface ParameterSpec {
  /** Hugging Face GPT-2 name without the `transformer.` prefix, e.g. `h.0.attn.c_attn.weight`. */
  readonly name: string;
  /** Dimensions; Conv1D weights are `[in, out]` as in Hugging Face. */
  readonly shape: readonly number[];
  /** Matrices (and embeddings) get decoupled weight decay; biases and LayerNorm parameters do not. */
  readonly decay: boolean;
  /** Offset of this parameter in the flat parameter buffer, in elements. */
  readonly offset: number;
  /** Number of elements. */
  readonly size: number;
}

/** Resolved GPT-2 dimensions with defaults applied. */
export interface Gpt2Dimensions {
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly intermediateSize: number;
  readonly layerNormEpsilon: number;
  readonly tieWordEmbeddings: boolean;
  readonly dropout: { readonly embedding: number; readonly attention: number; readonly residual: number };
}

/**
 * Resolves a core `TransformerConfig` for the GPT-2 graph.
 * @throws {UnsupportedError} architectures other than gpt2 (Llama is planned).
 * @throws {InvalidArgumentError} a hidden size not divisible by the head count.
 */
export function gpt2Dimensions(config: TransformerConfig): Gpt2Dimensions {
  if (config.architecture !== 'gpt2') {
    throw new InvalidArgumentError('config.architecture', `the ONNX training engine builds gpt2 today, got ${config.architecture}`);
  }
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new InvalidArgumentError('config.numHeads', `${config.hiddenSize} is not divisible by ${config.numHeads} heads`);
  }
  return {
    vocabSize: config.vocabSize,
    contextLength: config.contextLength,
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers,
    numHeads: config.numHeads,
    intermediateSize: config.intermediateSize ?? 4 * config.hiddenSize,
    layerNormEpsilon: config.layerNormEpsilon ?? 1e-5,
    tieWordEmbeddings: config.tieWordEmbeddings ?? true,
    dropout: {
      embedding: config.dropout?.embedding ?? 0.1,
      attention: config.dropout?.attention ?? 0.1,
      residual: config.dropout?.residual ?? 0.1,
    },
  };
}

/**
 * The parameters of a GPT-2 in Hugging Face order and naming (shared with the tfjs
 * engine and `model.safetensors`), laid out back to back in one flat buffer.
 *
 * @param config - The architecture.
 * @param head - `causal-lm` (tied or separate `lm_head.weight`) or `scalar` (`score.weight [1, d]`, `score.bias [1]`).
 */
export function gpt2ParameterSpecs(config: TransformerConfig, head: ModelHead): ParameterSpec[] {
  const dims = gpt2Dimensions(config);
  const d = dims.hiddenSize;
  const entries: [string, number[], boolean][] = [
    ['wte.weight', [dims.vocabSize, d], true],
    ['wpe.weight', [dims.contextLength, d], true],
  ];
  for (let layer = 0; layer < dims.numLayers; layer++) {
    const prefix = `h.${layer}`;
    entries.push(
      [`${prefix}.ln_1.weight`, [d], false],
      [`${prefix}.ln_1.bias`, [d], false],
      [`${prefix}.attn.c_attn.weight`, [d, 3 * d], true],
      [`${prefix}.attn.c_attn.bias`, [3 * d], false],
      [`${prefix}.attn.c_proj.weight`, [d, d], true],
      [`${prefix}.attn.c_proj.bias`, [d], false],
      [`${prefix}.ln_2.weight`, [d], false],
      [`${prefix}.ln_2.bias`, [d], false],
      [`${prefix}.mlp.c_fc.weight`, [d, dims.intermediateSize], true],
      [`${prefix}.mlp.c_fc.bias`, [dims.intermediateSize], false],
      [`${prefix}.mlp.c_proj.weight`, [dims.intermediateSize, d], true],
      [`${prefix}.mlp.c_proj.bias`, [d], false],
    );
  }
  entries.push(['ln_f.weight', [d], false], ['ln_f.bias', [d], false]);
  if (head === 'scalar') entries.push(['score.weight', [1, d], true], ['score.bias', [1], false]);
  else if (!dims.tieWordEmbeddings) entries.push(['lm_head.weight', [dims.vocabSize, d], true]);
  let offset = 0;
  return entries.map(([name, shape, decay]) => {
    const size = shape.reduce((total, dimension) => total * dimension, 1);
    const spec = { name, shape, decay, offset, size };
    offset += size;
    return spec;
  });
}

/**
 * Hugging Face GPT-2 initialisation into a flat buffer: N(0, 0.02) for matrices and
 * embeddings, N(0, 0.02/√(2L)) for the residual projections (`c_proj`), zero biases,
 * unit LayerNorm gains. Deterministic in `seed` (core's xoshiro128**).
 */
export function initializeGpt2Parameters(specs: readonly ParameterSpec[], numLayers: number, seed: number): Float32Array {
  const total = specs.reduce((sum, spec) => sum + spec.size, 0);
  const values = new Float32Array(total);
  const rng = createRng(seed);
  const residualScale = 0.02 / Math.sqrt(2 * numLayers);
  for (const spec of specs) {
    const view = values.subarray(spec.offset, spec.offset + spec.size);
    if (spec.name.endsWith('.bias')) continue;
    if (spec.name.includes('ln_')) {
      view.fill(1);
      continue;
    }
    const scale = spec.name.endsWith('c_proj.weight') ? residualScale : 0.02;
    for (let index = 0; index < view.length; index++) view[index] = rng.normal() * scale;
  }
  return values;
}
