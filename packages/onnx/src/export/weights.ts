import { InvalidArgumentError, toFloat32, type NamedTensors } from '@instructkit/core';

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
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'float16' && tensor.dtype !== 'bfloat16') {
      throw new InvalidArgumentError(`weights.${name}`, `dtype ${tensor.dtype} is not a floating-point weight`);
    }
    return toFloat32(tensor);
  }
}
