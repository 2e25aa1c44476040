/**
 * Plain-array data that crosses package boundaries. Engines (tfjs, onnxruntime,
 * a remote server) convert to and from their own tensors; nothing here depends on one.
 */

/** Element types InstructKit stores and exchanges. */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint8' | 'bool';

/** A dense row-major tensor held in a typed array. */
export interface HostTensor {
  /** Element type of `data` as stored. float16/bfloat16 are held as raw Uint16Array bits. */
  readonly dtype: DType;
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Row-major values; `data.length` equals the product of `shape`. */
  readonly data: Float32Array | Int32Array | BigInt64Array | Uint16Array | Uint8Array;
}

/** Parameters or gradients by name, in Hugging Face naming (`h.0.attn.c_attn.weight`). */
export type NamedTensors = Map<string, HostTensor>;

/**
 * A batch of token sequences of equal length, row-major `[batchSize, length]`.
 * Padding is marked by `attentionMask` (1 = real token, 0 = pad); which side is padded
 * is up to the producer, and every consumer must honour the mask rather than assume a side.
 */
export interface TokenBatch {
  /** Number of sequences. */
  readonly batchSize: number;
  /** Tokens per sequence, padding included. */
  readonly length: number;
  /** Token ids, `batchSize * length`. */
  readonly ids: Int32Array;
  /** 1 for a real token, 0 for padding, `batchSize * length`. */
  readonly attentionMask: Uint8Array;
}
