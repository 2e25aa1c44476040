import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { InvalidRecordError, openRunDirectory, type OptimizationSettings } from '@instructkit/core';
import { pretrain, type SftPreset } from '@instructkit/sft';
import { loadConfigFile } from '../shared/config-file';
import { abortOnInterrupt } from '../shared/interrupt';
import { createProgressReporter } from '../shared/progress-reporter';
import {
  CommonTrainingFields,
  commonOverrides,
  chooseTrainingEngine,
  parseInteger,
  parseNumber,
  readCorpus,
  type CommonFlags,
  type TrainingCommandEngine,
} from './training-engine';

/** The `instructkit pretrain` config (YAML or JSON); relative paths are resolved against the config file. */
const PretrainConfig = z
  .object({
    /** Corpus: `.txt` (documents separated by blank lines) or JSONL of `{"text": …}`. */
    train: z.string().min(1),
    /** Held-out corpus for validation loss each epoch. Default: none. */
    validation: z.string().min(1).optional(),
    /** Tokenizer: `gpt2`, a tokenizer.json, or a directory holding one. */
    tokenizer: z.string().min(1),
    /** Start from this Hugging Face directory instead of a fresh model. Exclusive with `model`. */
    init: z.string().min(1).optional(),
    /** Architecture of a fresh GPT-2 model; vocabulary size and EOS default to the tokenizer's. */
    model: z
      .object({
        contextLength: z.number().int().min(2),
        hiddenSize: z.number().int().positive(),
        numLayers: z.number().int().positive(),
        numHeads: z.number().int().positive(),
        intermediateSize: z.number().int().positive().optional(),
        vocabSize: z.number().int().positive().optional(),
        dropout: z.object({ embedding: z.number().min(0).max(1), attention: z.number().min(0).max(1), residual: z.number().min(0).max(1) }).partial().strict().optional(),
      })
      .strict()
      .optional(),
    /** Pack documents into full rows. Default: true. */
    packing: z.boolean().default(true),
    ...CommonTrainingFields,
  })
  .strict()
  .superRefine((config, context) => {
    if ((config.model === undefined) === (config.init === undefined)) {
      context.addIssue({ code: 'custom', path: ['model'], message: 'give exactly one of "model" (a fresh architecture) or "init" (a model directory)' });
    }
  });

/** Options of {@link registerPretrainCommand}. */
export interface TrainingCommandOptions {
  /** Model engine. Default: the one `chooseTrainingEngine` picks (onnx where onnxruntime-node loads). */
  readonly engine?: TrainingCommandEngine;
}

/**
 * Registers `instructkit pretrain --config <file>`: language-model training on a text corpus
 * (the base model of the embedded task). Writes `<output>/metrics.jsonl` (`step`, `loss`, …),
 * `<output>/checkpoints/step-N` and the model in Hugging Face layout in
 * `<output>/checkpoints/final`. Ctrl-C saves a checkpoint; rerunning resumes.
 *
 * @example
 * registerPretrainCommand(program);
 * // instructkit pretrain --config base.yaml --epochs 2
 */
export function registerPretrainCommand(program: Command, options: TrainingCommandOptions = {}): Command {
  return addCommonOptions(
    program
      .command('pretrain')
      .description('Pretrain a causal LM on a text corpus. Ctrl-C checkpoints; rerun resumes.')
      .addHelpText(
        'after',
        `
Example config (YAML):
  train: data/pretrain.txt
  validation: data/pretrain-valid.txt
  tokenizer: gpt2
  model: { contextLength: 128, hiddenSize: 64, numLayers: 2, numHeads: 2 }
  output: runs/base
  epochs: 2
  optimization: { optimizer: { learningRate: 0.001 }, schedule: { kind: cosine, finalRatio: 0.1 } }
Writes <output>/metrics.jsonl (step, loss, validationLoss, …) and <output>/checkpoints/final (config.json, model.safetensors, tokenizer.json).`,
      ),
  ).action(async (flags: CommonFlags, command: Command) => {
    const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
    const config = await loadConfigFile(flags.config, PretrainConfig, commonOverrides(flags));
    const resolve = resolverFor(flags.config);
    const engine = options.engine ?? (await chooseTrainingEngine({ requested: config.engine, backend: config.backend, runDirectory: resolve(config.output) })).engine;
    const tokenizer = await engine.loadTokenizer(resolveModelPath(flags.config, config.tokenizer));
    const model = config.init
      ? await engine.loadCausalLM(resolve(config.init), config.backend)
      : await engine.createCausalLM(
          {
            architecture: 'gpt2',
            vocabSize: config.model!.vocabSize ?? tokenizer.vocabSize,
            contextLength: config.model!.contextLength,
            hiddenSize: config.model!.hiddenSize,
            numLayers: config.model!.numLayers,
            numHeads: config.model!.numHeads,
            ...(config.model!.intermediateSize ? { intermediateSize: config.model!.intermediateSize } : {}),
            ...(config.model!.dropout ? { dropout: config.model!.dropout } : {}),
            ...(tokenizer.eosTokenId !== undefined ? { eosTokenId: tokenizer.eosTokenId } : {}),
          },
          config.seed,
          config.backend,
        );
    if (tokenizer.vocabSize > model.config.vocabSize) {
      throw new InvalidRecordError(flags.config, 1, 'tokenizer', `has ${tokenizer.vocabSize} tokens but the model only ${model.config.vocabSize}`);
    }
    const texts = await readCorpus(resolve(config.train), config.train);
    const validationTexts = config.validation ? await readCorpus(resolve(config.validation), config.validation) : undefined;
    const output = resolve(config.output);
    await (await openRunDirectory(output)).writeConfig({ command: 'pretrain', ...config });
    const interrupt = abortOnInterrupt();
    const reporter = createProgressReporter({ json: flags.json ?? false });
    try {
      const result = await pretrain({
        model,
        tokenizer,
        texts,
        ...(validationTexts ? { validationTexts } : {}),
        ...trainingSettings(config, defaultOptimization(config.optimization)),
        packing: config.packing,
        runDirectory: output,
        signal: interrupt.signal,
        ...(flags.progress ? { onEvent: reporter } : {}),
      });
      reportResult(result.exported, result.run.reason, flags.json ?? false, writeOut);
    } finally {
      reporter.stop();
      interrupt.dispose();
      model.dispose();
    }
  });
}

/** Adds the flags every training command has. */
export function addCommonOptions(command: Command): Command {
  return command
    .requiredOption('--config <file>', 'YAML or JSON config file')
    .option('--output <dir>', 'run directory (overrides "output")')
    .option('--epochs <n>', 'passes over the data (overrides "epochs")', parseInteger)
    .option('--batch-size <n>', 'sequences (rm: prompts) per micro-batch (overrides "batchSize")', parseInteger)
    .option('--learning-rate <lr>', 'peak learning rate (overrides "optimization.optimizer.learningRate")', parseNumber)
    .option('--seed <n>', 'seed (overrides "seed")', parseInteger)
    .option('--engine <name>', 'training engine: onnx, tfjs or auto (default: onnx where onnxruntime-node loads; overrides "engine")')
    .option('--backend <name>', 'tfjs backend: cpu, wasm, tfjs-node, tfjs-node-gpu (overrides "backend")')
    .option('--json', 'print progress events as JSON lines instead of a bar')
    .option('--no-progress', 'print no progress');
}

/** Resolves paths against the config file's directory. */
export function resolverFor(configFile: string): (file: string) => string {
  const base = path.dirname(path.resolve(configFile));
  return (file) => path.resolve(base, file);
}

/** Like {@link resolverFor}, but leaves preset names (`gpt2`) alone. */
export function resolveModelPath(configFile: string, nameOrPath: string): string {
  return nameOrPath === 'gpt2' ? nameOrPath : resolverFor(configFile)(nameOrPath);
}

/** Optimization of a config, when it names an optimizer; the schedule is filled by the trainer. */
export function defaultOptimization(
  optimization: z.output<typeof PretrainConfig>['optimization'],
): { optimization?: Omit<OptimizationSettings, 'schedule'> & { schedule?: SftPreset['schedule'] } } {
  if (!optimization?.optimizer) return {};
  return {
    optimization: {
      optimizer: optimization.optimizer,
      maxGradNorm: optimization.maxGradNorm ?? 1,
      ...(optimization.schedule ? { schedule: optimization.schedule } : {}),
    },
  };
}

/** The trainer settings shared by pretrain and sft. */
export function trainingSettings(
  config: {
    epochs?: number | undefined;
    batchSize?: number | undefined;
    gradientAccumulation?: number | undefined;
    maxLength?: number | undefined;
    seed: number;
    checkpointEvery: number;
    logEvery: number;
    evaluateEvery?: number | undefined;
  },
  optimization: ReturnType<typeof defaultOptimization>,
) {
  return {
    ...(config.epochs !== undefined ? { epochs: config.epochs } : {}),
    ...(config.batchSize !== undefined ? { sequencesPerBatch: config.batchSize } : {}),
    ...(config.gradientAccumulation !== undefined ? { gradientAccumulation: config.gradientAccumulation } : {}),
    ...(config.maxLength !== undefined ? { maxLength: config.maxLength } : {}),
    ...(config.evaluateEvery !== undefined ? { evaluateEvery: config.evaluateEvery } : {}),
    seed: config.seed,
    checkpointEvery: config.checkpointEvery,
    logEvery: config.logEvery,
    ...optimization,
  };
}

/** Final line: where the model is, or how to resume. */
export function reportResult(exported: string | undefined, reason: 'completed' | 'interrupted', json: boolean, writeOut: (text: string) => void): void {
  // 130 (128 + SIGINT) tells scripts chaining stages that this one did not finish.
  if (reason === 'interrupted') process.exitCode = 130;
  if (json) {
    writeOut(`${JSON.stringify({ reason, model: exported ?? null })}\n`);
  } else if (exported) {
    writeOut(`model written to ${exported}\n`);
  } else {
    writeOut(`interrupted: checkpoint saved; run the same command again to resume (reason: ${reason})\n`);
  }
}
