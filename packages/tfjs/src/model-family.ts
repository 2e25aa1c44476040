import type * as tf from '@tensorflow/tfjs-core';
import type { TransformerConfig } from '@instructkit/core';

/** How a parameter is initialised. */
export interface ParameterSpec {
  /** Hugging Face name without the `transformer.` prefix, e.g. `h.0.attn.c_attn.weight`. */
  readonly name: string;
  /** Dimensions in Hugging Face (Conv1D `[in, out]`) layout. */
  readonly shape: readonly number[];
  /** `normal` draws N(0, std²); `zeros` and `ones` are constant. */
  readonly init: 'normal' | 'zeros' | 'ones';
  /** Standard deviation for `normal`. */
  readonly std?: number;
}

/** Per-layer key/value cache of a decoding session: `[batch, heads, cachedLength, headSize]` each. */
// A type alias (not an interface) so that it is a tfjs TensorContainer and can leave a tf.tidy.
export type KeyValueCache = {
  keys: tf.Tensor4D[];
  values: tf.Tensor4D[];
};

/** Host-side description of the tokens a trunk call processes. */
export interface TrunkInput {
  /** `[batch, length]` int32 token ids. */
  readonly ids: tf.Tensor2D;
  /** Host copy of the ids' shape. */
  readonly batchSize: number;
  readonly length: number;
  /** `[batch, length]` position id of every new token (`cumsum(mask) − 1`, clamped at 0). */
  readonly positions: Int32Array;
  /**
   * `[batch, cachedLength + length]` 1 where a key is a real token; keys before
   * `cachedLength` come from `cache`.
   */
  readonly keyMask: Uint8Array;
  /** Keys/values of earlier tokens (decoding), or undefined for a full-sequence pass. */
  readonly cache?: KeyValueCache;
}

/** What a trunk call returns. */
export interface TrunkOutput {
  /** `[batch, length, hidden]` after the final norm. */
  readonly hidden: tf.Tensor3D;
  /** The cache extended by this call's keys/values (only when `returnCache`). */
  readonly cache?: KeyValueCache;
}

/** Training-time randomness and mode for a forward pass. */
export interface ForwardMode {
  /** Dropout active. */
  readonly training: boolean;
  /** Applies dropout with the given rate (identity when not training). */
  dropout(x: tf.Tensor, rate: number): tf.Tensor;
}

/**
 * A block family (GPT-2 today; Llama later): its parameters and forward pass. The
 * model classes, heads, objectives and trainers only use this interface, so a new
 * family is added by implementing it and registering it in `families`.
 */
export interface ModelFamily {
  /** The `TransformerConfig.architecture` this family implements. */
  readonly architecture: TransformerConfig['architecture'];
  /** Trunk parameters (and the untied unembedding when the config unties it). */
  parameterSpecs(config: TransformerConfig): ParameterSpec[];
  /** Runs the trunk. Parameters are looked up by their Hugging Face names. */
  trunk(parameters: ReadonlyMap<string, tf.Tensor>, config: TransformerConfig, input: TrunkInput, mode: ForwardMode, returnCache: boolean): TrunkOutput;
  /** The unembedding as `[hidden, vocab]` (the transpose of the tied token embedding for GPT-2). */
  unembedding(parameters: ReadonlyMap<string, tf.Tensor>, config: TransformerConfig): tf.Tensor2D;
}
