import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Name of the wasm kernel registered here (not a tfjs op: reach it through {@link plainMatMul}). */
export const PER_ITEM_MATMUL = 'InstructkitPerItemMatMul';

interface PerItemAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

/**
 * `target[c·rows + r] = source[offset + r·cols + c]` for one `[rows, cols]` matrix: sequential
 * writes, strided reads (measured faster in V8 than 32×32 tiles, and ≈ 20× faster than
 * tfjs-wasm's `Transpose` kernel on `[1024, 256]`).
 */
function transposeInto(source: Float32Array, offset: number, rows: number, cols: number, target: Float32Array): void {
  for (let col = 0; col < cols; col++) {
    const base = col * rows;
    for (let row = 0; row < rows; row++) target[base + row] = source[offset + row * cols + col]!;
  }
}

/**
 * Copies matrix `item` of a `[n, rows, cols]` tensor into a new wasm tensor `[1, rows, cols]`
 * (or `[1, cols, rows]` when transposing). Views of the heap are taken after the allocation:
 * a `malloc` may grow the heap and detach earlier views.
 */
function copyItem(backend: BackendWasm, source: tf.TensorInfo, item: number, rows: number, cols: number, transpose: boolean): tf.TensorInfo {
  const copy = backend.makeOutput(transpose ? [1, cols, rows] : [1, rows, cols], 'float32');
  const target = backend.typedArrayFromHeap(copy) as Float32Array;
  const data = backend.typedArrayFromHeap(source) as Float32Array;
  const offset = item * rows * cols;
  if (transpose) transposeInto(data, offset, rows, cols, target);
  else target.set(data.subarray(offset, offset + rows * cols));
  return copy;
}

/**
 * `op(a) @ op(b)` for rank-3 `[n, ·, ·]` float32 tensors (rank 2 counts as n = 1), where
 * `op` transposes the last two axes when asked. tfjs-wasm's own `BatchMatMul` is fast
 * (XNNPACK) only for one plain `[m,k]·[k,n]` product: for n > 1 or a transposed operand
 * it falls to a naive loop 10–15× slower per flop. This kernel copies each matrix
 * (transposing on the fly in JS, faster than wasm's `Transpose`) and runs one fast
 * 2-D product per item.
 */
function perItemMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as PerItemAttrs;
  const batched = a.shape.length === 3;
  const count = batched ? a.shape[0]! : 1;
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const outRows = transposeA ? aCols : aRows;
  const outCols = transposeB ? bRows : bCols;
  const kernel = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
  const plain = { transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;
  const product = (left: tf.TensorInfo, right: tf.TensorInfo) => kernel({ inputs: { a: left, b: right }, backend, attrs: plain }) as tf.TensorInfo;
  // A single plain operand needs no copy: its data already is one matrix.
  const operand = (source: tf.TensorInfo, item: number, rows: number, cols: number, transpose: boolean) =>
    count === 1 && !transpose ? { tensor: source, owned: false } : { tensor: copyItem(backend, source, item, rows, cols, transpose), owned: true };
  const outShape = batched ? [count, outRows, outCols] : [outRows, outCols];
  if (count === 1) {
    const left = operand(a, 0, aRows, aCols, transposeA);
    const right = operand(b, 0, bRows, bCols, transposeB);
    const result = product(left.tensor, right.tensor);
    for (const input of [left, right]) if (input.owned) backend.disposeData(input.tensor.dataId);
    return { ...result, shape: outShape };
  }
  const output = backend.makeOutput(outShape, 'float32');
  const itemSize = outRows * outCols;
  for (let item = 0; item < count; item++) {
    const left = operand(a, item, aRows, aCols, transposeA);
    const right = operand(b, item, bRows, bCols, transposeB);
    const result = product(left.tensor, right.tensor);
    (backend.typedArrayFromHeap(output) as Float32Array).set(backend.typedArrayFromHeap(result) as Float32Array, item * itemSize);
    backend.disposeData(left.tensor.dataId);
    backend.disposeData(right.tensor.dataId);
    backend.disposeData(result.dataId);
  }
  return output;
}

tf.registerKernel({ kernelName: PER_ITEM_MATMUL, backendName: 'wasm', kernelFunc: perItemMatMul as unknown as tf.KernelFunc });

/**
 * `op(a) @ op(b)` for rank-2 or rank-3 float32 tensors (same batch size), with `op` an
 * optional transpose of the last two axes, computed only with the plain matMul form that
 * tfjs-wasm runs fast (see {@link perItemMatMul}); other backends transpose explicitly
 * and call `tf.matMul`. No gradient of its own: use it inside a custom gradient.
 */
export function plainMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  if (tf.getBackend() === 'wasm' && a.dtype === 'float32' && b.dtype === 'float32') {
    if (a.rank === 2 && !transposeA && !transposeB) return tf.matMul(a, b);
    // Tiny per-item products (decoding: one query row per head) cost less on the batched path than per-item setup.
    const itemWork = a.shape[a.rank - 1]! * a.shape[a.rank - 2]! * b.shape[transposeB ? b.rank - 2 : b.rank - 1]!;
    const sameItems = a.rank === b.rank && (a.rank === 2 || a.shape[0] === b.shape[0]);
    if (!sameItems || (a.rank === 3 && itemWork < MIN_PER_ITEM_WORK)) return explicitTransposeMatMul(a, b, transposeA, transposeB);
    return tf.engine().runKernel(PER_ITEM_MATMUL, { a, b }, { transposeA, transposeB } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return explicitTransposeMatMul(a, b, transposeA, transposeB);
}

// Multiply-adds per item below which a batched product stays on tfjs-wasm's own BatchMatMul.
const MIN_PER_ITEM_WORK = 1 << 16;

function explicitTransposeMatMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  const swap = a.rank === 3 ? [0, 2, 1] : [1, 0];
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a, swap) : a, transposeB ? tf.transpose(b, swap) : b));
}
