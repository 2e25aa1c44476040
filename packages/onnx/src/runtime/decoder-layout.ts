import type { InferenceSession } from 'onnxruntime-node';
import { InvalidFileError, type TransformerConfig } from '@instructkit/core';

/** What a decoder ONNX model expects, read from its inputs and outputs. */
export interface DecoderLayout {
  /** Element type of `input_ids`/`attention_mask`/`position_ids` (Optimum: int64). */
  readonly indexType: 'int64' | 'int32';
  /** Whether the graph takes `position_ids` (some exports derive them inside). */
  readonly hasPositionIds: boolean;
  /** Whether the graph has Optimum's merged-model `use_cache_branch` input. */
  readonly hasUseCacheBranch: boolean;
  /** Whether the graph has our extra `last_logits` output `[batch, vocab]` (decoding fetches it instead of `logits`). */
  readonly hasLastLogits: boolean;
  /** Whether the graph has our extra `token_logprobs` / `token_entropy` outputs (scoring fetches them instead of `logits`). */
  readonly hasTokenLogprobs: boolean;
  /** Layers with a KV cache (0 for a graph without cache inputs). */
  readonly numLayers: number;
  /** Key/value heads of the cache. */
  readonly numKeyValueHeads: number;
  /** Size of one head. */
  readonly headDim: number;
  /** Element type of the cache tensors. */
  readonly cacheType: 'float32' | 'float16';
  /** Vocabulary size when the `logits` output has a fixed last dim. */
  readonly vocabSize?: number;
}

function tensorMetadata(metadata: readonly InferenceSession.ValueMetadata[], name: string) {
  const entry = metadata.find((item) => item.name === name);
  return entry && entry.isTensor ? entry : undefined;
}

/**
 * Reads the decoder layout from a session's metadata: `input_ids`, `attention_mask`,
 * optional `position_ids`, `past_key_values.{i}.key|value` → `logits`, `present.{i}.key|value`.
 *
 * @throws InvalidFileError when a required input or output is missing.
 */
export function readDecoderLayout(session: InferenceSession, file: string): DecoderLayout {
  for (const name of ['input_ids', 'attention_mask']) {
    if (!session.inputNames.includes(name)) throw new InvalidFileError(file, `input ${name} is missing; inputs are ${session.inputNames.join(', ')}`);
  }
  if (!session.outputNames.includes('logits')) throw new InvalidFileError(file, `output logits is missing; outputs are ${session.outputNames.join(', ')}`);
  const ids = tensorMetadata(session.inputMetadata, 'input_ids');
  const pastKeyNames = session.inputNames.filter((name) => /^past_key_values\.\d+\.key$/.test(name));
  for (let layer = 0; layer < pastKeyNames.length; layer++) {
    for (const kind of ['key', 'value']) {
      if (!session.inputNames.includes(`past_key_values.${layer}.${kind}`)) throw new InvalidFileError(file, `input past_key_values.${layer}.${kind} is missing`);
      if (!session.outputNames.includes(`present.${layer}.${kind}`)) throw new InvalidFileError(file, `output present.${layer}.${kind} is missing`);
    }
  }
  const past = tensorMetadata(session.inputMetadata, 'past_key_values.0.key');
  const logits = tensorMetadata(session.outputMetadata, 'logits');
  const vocab = logits?.shape[2];
  return {
    indexType: ids?.type === 'int32' ? 'int32' : 'int64',
    hasPositionIds: session.inputNames.includes('position_ids'),
    hasUseCacheBranch: session.inputNames.includes('use_cache_branch'),
    hasLastLogits: session.outputNames.includes('last_logits'),
    hasTokenLogprobs: session.outputNames.includes('token_logprobs') && session.outputNames.includes('token_entropy'),
    numLayers: pastKeyNames.length,
    numKeyValueHeads: typeof past?.shape[1] === 'number' ? past.shape[1] : 0,
    headDim: typeof past?.shape[3] === 'number' ? past.shape[3] : 0,
    cacheType: past?.type === 'float16' ? 'float16' : 'float32',
    vocabSize: typeof vocab === 'number' ? vocab : undefined,
  };
}

/**
 * A GPT-2-shaped `TransformerConfig` from the graph alone, for a decoder without a
 * `config.json`: layers, heads and head size from the cache inputs, the vocabulary from
 * `logits`. The context length is unknown (left unbounded) and the special tokens absent.
 *
 * @throws InvalidFileError when the graph does not tell the vocabulary size or the cache shape.
 */
export function configFromLayout(layout: DecoderLayout, file: string): TransformerConfig {
  if (!layout.vocabSize) throw new InvalidFileError(file, 'no config.json and the logits output has no fixed vocabulary size; pass settings.config');
  if (!layout.numLayers || !layout.numKeyValueHeads || !layout.headDim) {
    throw new InvalidFileError(file, 'no config.json and the cache inputs do not give layers, heads and head size; pass settings.config');
  }
  return {
    architecture: 'gpt2',
    vocabSize: layout.vocabSize,
    contextLength: Number.MAX_SAFE_INTEGER,
    hiddenSize: layout.numKeyValueHeads * layout.headDim,
    numLayers: layout.numLayers,
    numHeads: layout.numKeyValueHeads,
  };
}
