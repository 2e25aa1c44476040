import { createRng, InvalidArgumentError, type TrainableModelV1, type TrainingTask, type TransformerConfig } from '@instructkit/core';

/** A named GPT-2-shaped benchmark configuration with its batch. */
export interface TrainingBenchmarkPreset {
  /** The architecture (dropout 0.1 as GPT-2). */
  readonly config: TransformerConfig;
  /** Sequences per step. */
  readonly batchSize: number;
  /** Tokens per sequence. */
  readonly length: number;
  /** PyTorch 1.13 on this machine (best 2-core setting), tokens/s, from issue 9. */
  readonly pytorchTokensPerSecond: number;
}

const gpt2 = (vocabSize: number, contextLength: number, hiddenSize: number, numLayers: number, numHeads: number): TransformerConfig => ({
  architecture: 'gpt2',
  vocabSize,
  contextLength,
  hiddenSize,
  numLayers,
  numHeads,
});

/** The three configurations of issue 9: `4m`, `30m`, `124m` (GPT-2 small shape). */
export const TRAINING_BENCHMARK_PRESETS: Readonly<Record<'4m' | '30m' | '124m', TrainingBenchmarkPreset>> = {
  '4m': { config: gpt2(4096, 128, 256, 4, 4), batchSize: 8, length: 128, pytorchTokensPerSecond: 5260 },
  '30m': { config: gpt2(8192, 128, 512, 8, 8), batchSize: 8, length: 128, pytorchTokensPerSecond: 939 },
  '124m': { config: gpt2(50257, 1024, 768, 12, 12), batchSize: 4, length: 256, pytorchTokensPerSecond: 224 },
};

/** Result of `measureTrainingThroughput`. */
export interface TrainingThroughput {
  /** Median over the timed steps of tokens / step time (full step, optimizer included). */
  readonly tokensPerSecond: number;
  /** Median step time, milliseconds. */
  readonly medianStepMs: number;
  /** Every timed step, milliseconds. */
  readonly stepMs: readonly number[];
  /** Warm-up step (session creation included), milliseconds. */
  readonly warmupMs: number;
  /** Peak resident set size of the process so far, MiB. */
  readonly peakRssMB: number;
  /** Loss of the last step. */
  readonly lastLoss: number;
}

/** A language-modeling task on uniformly random tokens, every position a target. */
export function randomLanguageModelingTask(vocabSize: number, batchSize: number, length: number, seed: number): TrainingTask {
  const rng = createRng(seed);
  const ids = Int32Array.from({ length: batchSize * length }, () => rng.nextInt(vocabSize));
  return {
    kind: 'language-modeling',
    batch: { batchSize, length, ids, attentionMask: new Uint8Array(batchSize * length).fill(1) },
    lossMask: new Uint8Array(batchSize * (length - 1)).fill(1),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Times full training steps (`doTrainStep`, optimizer included) of any `TrainableModelV1`
 * on random tokens: one warm-up step, then `steps` timed ones. Engine-neutral, so the
 * tfjs and ONNX engines are measured the same way.
 *
 * @param model - The model (already configured for training).
 * @param settings - Batch shape, vocabulary and number of timed steps (≥ 1).
 * @throws {InvalidArgumentError} `steps` < 1.
 */
export async function measureTrainingThroughput(
  model: TrainableModelV1,
  settings: { readonly vocabSize: number; readonly batchSize: number; readonly length: number; readonly steps: number },
): Promise<TrainingThroughput> {
  if (!(Number.isInteger(settings.steps) && settings.steps >= 1)) throw new InvalidArgumentError('steps', `must be an integer ≥ 1, got ${settings.steps}`);
  const tokens = settings.batchSize * settings.length;
  const warmupStart = performance.now();
  await model.doTrainStep({ microbatches: [randomLanguageModelingTask(settings.vocabSize, settings.batchSize, settings.length, 0)] });
  const warmupMs = performance.now() - warmupStart;
  const stepMs: number[] = [];
  let lastLoss = NaN;
  for (let step = 1; step <= settings.steps; step++) {
    const task = randomLanguageModelingTask(settings.vocabSize, settings.batchSize, settings.length, step);
    const start = performance.now();
    lastLoss = (await model.doTrainStep({ microbatches: [task] })).loss;
    stepMs.push(performance.now() - start);
  }
  const medianStepMs = median(stepMs);
  return {
    tokensPerSecond: tokens / (medianStepMs / 1000),
    medianStepMs,
    stepMs,
    warmupMs,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    lastLoss,
  };
}
