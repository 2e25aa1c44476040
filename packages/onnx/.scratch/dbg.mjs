import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../dist/index.js';
const graph = new GraphBuilder('affine');
const x = graph.input('x', 'float32', ['n']);
const scale = graph.inputWithDefault('scale', [], { elementType: 'float32', shape: [], bytes: new Uint8Array(Float32Array.of(2).buffer) });
graph.output(graph.mul(x, scale), 'y', ['n']);
const bytes = graph.toModel();
for (const level of ['disabled', 'all']) {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level });
  console.log(level, session.inputNames);
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3), [3]), scale: new ort.Tensor('float32', Float32Array.of(-1), []) });
  console.log(Array.from(out.y.data));
}
