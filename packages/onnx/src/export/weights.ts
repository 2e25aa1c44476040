import { InvalidArgumentError, type HostTensor, type NamedTensors } from '@instructkit/core';
import { float16BitsToFloat32 } from '../graph/graph-builder';

/**
 * Float32 values of a weight stored as float32, float16 or bfloat16 (raw bits), without
 * copying float32 data.
 */
export function weightToFloat32(name: string, tensor: HostTensor): Float32Array {
  switch (tensor.dtype) {
    case 'float32':
      return tensor.data as Float32Array;
    case 'float16': {
      const bits = tensor.data as Uint16Array;
      const values = new Float32Array(bits.length);
      for (let index = 0; index < bits.length; index++) values[index] = float16BitsToFloat32(bits[index]!);
      return values;
    }
    case 'bfloat16': {
      const bits = tensor.data as Uint16Array;
      const widened = new Uint32Array(bits.length);
      for (let index = 0; index < bits.length; index++) widened[index] = bits[index]! << 16;
      return new Float32Array(widened.buffer);
    }
    default:
      throw new InvalidArgumentError(`weights.${name}`, `dtype ${tensor.dtype} is not a floating-point weight`);
  }
}

/**
 * Looks up Hugging Face GPT-2 weights by name, accepting the `transformer.` prefix of
 * `GPT2LMHeadModel` checkpoints, and checks each shape.
 */
export class WeightTable {
  private readonly weights: NamedTensors;

  constructor(weights: NamedTensors) {
    this.weights = weights;
  }

  /** True when the weight exists (with or without the `transformer.` prefix). */
  has(name: string): boolean {
    return this.weights.has(name) || this.weights.has(`transformer.${name}`);
  }

  /**
   * The weight's float32 values.
   * @throws InvalidArgumentError when missing or of another shape.
   */
  get(name: string, shape: readonly number[]): Float32Array {
    const tensor = this.weights.get(name) ?? this.weights.get(`transformer.${name}`);
    if (!tensor) {
      const known = [...this.weights.keys()].slice(0, 8).join(', ');
      throw new InvalidArgumentError(`weights.${name}`, `missing (the weights hold ${this.weights.size} tensors: ${known}, ...)`);
    }
    if (tensor.shape.length !== shape.length || tensor.shape.some((dim, index) => dim !== shape[index])) {
      throw new InvalidArgumentError(`weights.${name}`, `shape [${tensor.shape.join(', ')}] does not match the config's [${shape.join(', ')}]`);
    }
    return weightToFloat32(name, tensor);
  }
}
