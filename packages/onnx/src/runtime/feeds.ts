import * as ort from 'onnxruntime-node';
import { float16BitsToFloat32 } from '../graph/graph-builder';

/** An index tensor (`input_ids`, `attention_mask`, `position_ids`) in the graph's index type. */
export function indexTensor(type: 'int64' | 'int32', values: ArrayLike<number>, dims: readonly number[]): ort.Tensor {
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
  const data = new BigInt64Array(values.length);
  for (let index = 0; index < values.length; index++) data[index] = BigInt(values[index]!);
  return new ort.Tensor('int64', data, dims);
}

/**
 * Position ids from an attention mask, `[rows, length]`: cumsum(mask) - 1 clamped at 0
 * (the Hugging Face convention), so padding on either side leaves real tokens at 0, 1, 2, ...
 */
export function positionIdsFromMask(mask: Uint8Array, rows: number, length: number): Int32Array {
  const positions = new Int32Array(rows * length);
  for (let row = 0; row < rows; row++) {
    let seen = 0;
    for (let column = 0; column < length; column++) {
      const index = row * length + column;
      if (mask[index]) seen++;
      positions[index] = Math.max(0, seen - 1);
    }
  }
  return positions;
}

/** Float32 values of an output tensor (float16 outputs are widened). */
export function outputAsFloat32(tensor: ort.Tensor): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) {
    const values = new Float32Array(data.length);
    for (let index = 0; index < data.length; index++) values[index] = float16BitsToFloat32(data[index]!);
    return values;
  }
  return Float32Array.from(data as ArrayLike<number>);
}
