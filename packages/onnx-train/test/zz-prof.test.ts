import { it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { buildTrainingGraph } from '../src/model/build-training-graph';
import { gpt2Dimensions, initializeGpt2Parameters } from '../src/model/gpt2-parameters';
import { prepareTask } from '../src/model/prepare-task';
import { TRAINING_BENCHMARK_PRESETS, randomLanguageModelingTask } from '../src/measure-training-throughput';
it('prof', async () => {
  const preset = TRAINING_BENCHMARK_PRESETS['4m'];
  const config = { ...preset.config, ...(process.env.NODROP ? { dropout: { embedding: 0, attention: 0, residual: 0 } } : {}) };
  const dims = gpt2Dimensions(config);
  const task = prepareTask(randomLanguageModelingTask(4096, 8, 128, 1), dims, 'causal-lm');
  const graph = buildTrainingGraph({ config, head: 'causal-lm', shape: task.shape, mode: 'train' });
  console.log('nodes', graph.nodeCount);
  const session = await ort.InferenceSession.create(graph.modelBytes, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: '/tmp/ortprof', extra: { session: { intra_op: { allow_spinning: '0' } } } });
  const params = initializeGpt2Parameters(graph.parameters, dims.numLayers, 0);
  const feeds: Record<string, ort.Tensor> = { ...task.feeds };
  for (const s of graph.parameters) feeds[s.name] = new ort.Tensor('float32', params.subarray(s.offset, s.offset + s.size), [...s.shape]);
  for (const d of task.dropout) { const n = d.shape.reduce((a, b) => a * b, 1); const m = new Uint8Array(n); for (let i = 0; i < n; i++) m[i] = Math.random() > d.probability ? 1 : 0; feeds[d.name] = new ort.Tensor('bool', m, [...d.shape]); }
  for (let i = 0; i < 4; i++) { const t = performance.now(); await session.run(feeds); console.log('run ms', performance.now() - t); }
  const file = session.endProfiling();
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args: { op_name?: string } }[];
  const byOp = new Map<string, number>();
  for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) byOp.set(e.args.op_name!, (byOp.get(e.args.op_name!) ?? 0) + e.dur / 1000 / 4);
  console.log([...byOp].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${k}:${v.toFixed(1)}`).join(' '));
}, 600000);
