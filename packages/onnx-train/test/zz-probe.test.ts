import { it } from 'vitest';
import { createOnnxTrainableModel } from '../src/onnx-trainable-model';
import { measureTrainingThroughput, TRAINING_BENCHMARK_PRESETS } from '../src/measure-training-throughput';
it('probe', async () => {
  const preset = TRAINING_BENCHMARK_PRESETS[(process.env.PRESET ?? '4m') as '4m'];
  const dropout = process.env.NODROP ? { embedding: 0, attention: 0, residual: 0 } : undefined;
  const t0 = performance.now();
  const model = createOnnxTrainableModel({ config: { ...preset.config, ...(dropout ? { dropout } : {}) }, training: { optimizer: { learningRate: 1e-4, weightDecay: 0.01 }, maxGradNorm: 1 }, session: { allowSpinning: !!process.env.SPIN } });
  const r = await measureTrainingThroughput(model, { vocabSize: preset.config.vocabSize, batchSize: preset.batchSize, length: preset.length, steps: Number(process.env.STEPS ?? 3) });
  console.log(JSON.stringify({ ...r, init: performance.now() - t0 }));
}, 600000);
