import type { Command } from 'commander';
import { InvalidArgumentError, UnsupportedError, type OptimizationSettings, type TrainableModelV1 } from '@instructkit/core';

/** Engines `instructkit bench train` can measure. */
export type BenchTrainEngine = 'onnx' | 'tfjs';

/** Settings of `benchTrain`. */
export interface BenchTrainSettings {
  /** `onnx` (the compiled engine) or `tfjs`. */
  readonly engine: BenchTrainEngine;
  /** `4m`, `30m` or `124m` (issue 9's GPT-2-shaped configurations). */
  readonly preset: string;
  /** Timed steps after one warm-up step (≥ 1). */
  readonly steps: number;
  /** onnxruntime intra-op threads (onnx engine). Default: 2. */
  readonly threads?: number;
  /** Let onnxruntime's idle threads spin (onnx engine). Default: false. */
  readonly spinning?: boolean;
}

/** What `instructkit bench train --json` prints. */
export interface BenchTrainResult {
  readonly engine: string;
  readonly preset: string;
  readonly parameters: number;
  readonly batchSize: number;
  readonly length: number;
  readonly steps: number;
  /** Median over the timed steps of tokens per second (full step, optimizer included). */
  readonly tokensPerSecond: number;
  readonly medianStepMs: number;
  readonly warmupMs: number;
  /** Peak resident set size of the process, MiB. */
  readonly peakRssMB: number;
  /** Issue 9's PyTorch figure for the preset, tokens/s. */
  readonly pytorchReferenceTokensPerSecond: number;
  readonly ratioToPytorchReference: number;
}

// Random-token training with GPT-2's dropout, AdamW with decay on matrices and clipping: a full SFT-style step.
const BENCH_TRAINING: OptimizationSettings = { optimizer: { learningRate: 1e-4, weightDecay: 0.01 }, maxGradNorm: 1, seed: 0 };

/**
 * Trains a GPT-2-shaped preset on random tokens for `steps` timed steps after one warm-up
 * and reports the median throughput and the process's peak RSS.
 *
 * @throws {InvalidArgumentError} an unknown preset or engine, or steps < 1.
 * @throws {UnsupportedError} when the chosen engine's package is not installed.
 */
export async function benchTrain(settings: BenchTrainSettings): Promise<BenchTrainResult> {
  const onnxTrain = await import('@instructkit/onnx-train');
  const presets = onnxTrain.TRAINING_BENCHMARK_PRESETS;
  if (!(settings.preset in presets)) throw new InvalidArgumentError('--preset', `"${settings.preset}" is not one of ${Object.keys(presets).join(', ')}`);
  if (!(Number.isInteger(settings.steps) && settings.steps >= 1)) throw new InvalidArgumentError('--steps', `must be an integer ≥ 1, got ${settings.steps}`);
  const preset = presets[settings.preset as keyof typeof presets];
  let model: TrainableModelV1 & { readonly parameterCount?: number };
  let parameters: number;
  if (settings.engine === 'onnx') {
    const onnxModel = onnxTrain.createOnnxTrainableModel({
      config: preset.config,
      training: BENCH_TRAINING,
      session: { intraOpThreads: settings.threads ?? 2, allowSpinning: settings.spinning ?? false },
    });
    model = onnxModel;
    parameters = onnxModel.parameterCount;
  } else if (settings.engine === 'tfjs') {
    let tfjs: typeof import('@instructkit/tfjs');
    try {
      tfjs = await import('@instructkit/tfjs');
    } catch (error) {
      throw new UnsupportedError('--engine tfjs needs @instructkit/tfjs installed', { cause: error });
    }
    await tfjs.selectBackend();
    const tfjsModel = await tfjs.createCausalLM({ config: preset.config, seed: 0 });
    tfjsModel.configureTraining(BENCH_TRAINING);
    model = tfjsModel;
    parameters = [...(await tfjsModel.doGetParameters()).values()].reduce((sum, tensor) => sum + tensor.data.length, 0);
  } else {
    throw new InvalidArgumentError('--engine', `"${settings.engine as string}" is not onnx or tfjs`);
  }
  try {
    const measured = await onnxTrain.measureTrainingThroughput(model, {
      vocabSize: preset.config.vocabSize,
      batchSize: preset.batchSize,
      length: preset.length,
      steps: settings.steps,
    });
    return {
      engine: model.engine,
      preset: settings.preset,
      parameters,
      batchSize: preset.batchSize,
      length: preset.length,
      steps: settings.steps,
      tokensPerSecond: measured.tokensPerSecond,
      medianStepMs: measured.medianStepMs,
      warmupMs: measured.warmupMs,
      peakRssMB: measured.peakRssMB,
      pytorchReferenceTokensPerSecond: preset.pytorchTokensPerSecond,
      ratioToPytorchReference: measured.tokensPerSecond / preset.pytorchTokensPerSecond,
    };
  } finally {
    model.dispose();
  }
}

/**
 * Registers `instructkit bench train --engine <onnx|tfjs> --preset <4m|30m|124m> --steps N [--json]`.
 */
export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('Measure engine throughput');
  bench
    .command('train')
    .description('Train a GPT-2-shaped preset on random tokens and report tokens/s (median, optimizer included) and peak RSS')
    .option('--engine <engine>', 'onnx (compiled ONNX training graphs) or tfjs', 'onnx')
    .option('--preset <preset>', '4m (V 4096, T 128, d 256, L 4, batch 8), 30m (V 8192, d 512, L 8, batch 8) or 124m (GPT-2 small, T 256, batch 4)', '4m')
    .option('--steps <n>', 'timed steps after one warm-up step', '5')
    .option('--threads <n>', 'onnxruntime intra-op threads', '2')
    .option('--spinning', 'let idle onnxruntime threads spin (default: off)')
    .option('--json', 'print one JSON object')
    .action(async (options: { engine: string; preset: string; steps: string; threads: string; spinning?: boolean; json?: boolean }) => {
      const result = await benchTrain({
        engine: options.engine as BenchTrainEngine,
        preset: options.preset,
        steps: Number(options.steps),
        threads: Number(options.threads),
        spinning: options.spinning ?? false,
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(
        `${result.engine} ${result.preset} (${(result.parameters / 1e6).toFixed(1)}M parameters, batch ${result.batchSize}×${result.length}): ` +
          `${Math.round(result.tokensPerSecond)} tok/s (median of ${result.steps} steps, ${result.medianStepMs.toFixed(0)} ms/step), ` +
          `peak RSS ${Math.round(result.peakRssMB)} MiB; ${result.ratioToPytorchReference.toFixed(2)}× issue 9's PyTorch figure\n`,
      );
    });
}
