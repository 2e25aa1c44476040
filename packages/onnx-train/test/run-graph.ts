import * as ort from 'onnxruntime-node';
import type { AutodiffGraph } from '../src/graph/autodiff-graph';
import { createTrainingSession } from '../src/runtime/create-training-session';

/** Feeds of a test graph: Float32Array (float32), Float64Array (float64), BigInt64Array (int64) or Uint8Array (bool), with shapes. */
export type TestFeeds = Record<string, { data: Float32Array | Float64Array | BigInt64Array | Uint8Array; shape: readonly number[] }>;

function toOrt(feeds: TestFeeds): Record<string, ort.Tensor> {
  const result: Record<string, ort.Tensor> = {};
  for (const [name, { data, shape }] of Object.entries(feeds)) {
    const type = data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : data instanceof BigInt64Array ? 'int64' : 'bool';
    result[name] = new ort.Tensor(type, data, [...shape]);
  }
  return result;
}

/** Compiles a graph once and returns a runner (outputs by name, as Float32Array — or Float64Array for float64 outputs). */
export async function compileGraph(graph: AutodiffGraph): Promise<{ run(feeds: TestFeeds): Promise<Record<string, Float32Array>>; release(): Promise<void> }> {
  const session = await createTrainingSession(graph.toModelBytes(), { intraOpThreads: 1 });
  return {
    async run(feeds) {
      const outputs = await session.run(toOrt(feeds));
      const result: Record<string, Float32Array> = {};
      // Float64 outputs keep their precision (typed as Float32Array for the float32 callers; both are ArrayLike<number>).
      for (const [name, tensor] of Object.entries(outputs)) {
        result[name] = (tensor.type === 'float64' ? Float64Array.from(tensor.data as Float64Array) : Float32Array.from(tensor.data as Float32Array)) as Float32Array;
      }
      return result;
    },
    release: () => session.release(),
  };
}
