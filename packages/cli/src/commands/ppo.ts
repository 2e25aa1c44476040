import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import {
  createLocalGenerator,
  InvalidFileError,
  UnsupportedError,
  type CausalLMV1,
  type GeneratorV1,
  type NamedTensors,
  type OptimizationSettings,
  type RewardModelV1,
  type ScalarModelV1,
  type TrainableModelV1,
  type TransformerConfig,
} from '@instructkit/core';
import { Prompt, readRecords } from '@instructkit/data';
import { createGoldRewardModel } from '@instructkit/sim';
import { PpoHyperparameters, instructgptPreset, overoptimizationCurve, trainPpo, type PpoTokenizer } from '@instructkit/ppo';
import { loadConfigFile } from '../shared/config-file';
import { abortOnInterrupt } from '../shared/interrupt';
import { OptimizationSettingsSchema } from '../shared/optimization-schema';
import { createProgressReporter } from '../shared/progress-reporter';

/**
 * The `instructkit ppo` config file (YAML or JSON). Relative paths are resolved against the
 * config file's directory.
 */
const PpoConfig = z
  .object({
    /** SFT model directory: the policy starts from it and it is the frozen KL reference. */
    policy: z.string().min(1),
    /** Reward-model directory (scalar head); scores responses. */
    rewardModel: z.string().min(1),
    /** Value-model initialisation. Default: the reward model (InstructGPT). */
    valueModel: z.string().min(1).optional(),
    /** JSONL of prompt records (`@instructkit/data` `Prompt`, with `text`). */
    prompts: z.string().min(1),
    /** PPO-ptx: pretraining documents, `.txt` (paragraphs split by blank lines) or JSONL of `{"text": …}`. Absent → plain PPO. */
    pretrainingCorpus: z.string().min(1).optional(),
    /** Optional gold scorer, logged as `gold_reward`: `"sim"` (the embedded task's gold judge) or a reward-model directory. */
    goldRewardModel: z.string().min(1).optional(),
    /** Run directory: metrics.jsonl and checkpoints/. Rerunning resumes from it. */
    output: z.string().min(1),
    /**
     * Where rollouts are sampled: `onnx` (onnxruntime-node, weights refreshed from the policy after
     * every update — an order of magnitude faster than tfjs-wasm) or `local` (core's sampling loop
     * on the training engine). Default: `onnx`.
     */
    rollouts: z.enum(['onnx', 'local']).default('onnx'),
    /** Start from a preset's values; `ppo`, `policyOptimization`, `valueOptimization` override them. */
    preset: z.enum(['instructgpt']).optional(),
    /** PPO hyperparameters (see `PpoHyperparameters` in @instructkit/ppo); checked in a second pass, after the preset. */
    ppo: z.record(z.string(), z.unknown()).optional(),
    /** Optimizer of the policy. Default: the preset's, else AdamW 1e-5 with 10 warmup steps, clip 1. */
    policyOptimization: OptimizationSettingsSchema.optional(),
    /** Optimizer of the value model. Default: the preset's, else AdamW 2e-5 with 10 warmup steps, clip 1. */
    valueOptimization: OptimizationSettingsSchema.optional(),
  })
  .strict();

type PpoConfig = z.output<typeof PpoConfig>;

const PretrainingDocument = z.object({ text: z.string().min(1) });

/**
 * The model engine the command drives: loading, training configuration and generation.
 * The default is the tfjs engine; tests and other engines pass their own.
 */
export interface PpoCommandEngine {
  /** Tokenizer stored with a model directory. */
  loadTokenizer(modelDirectory: string): Promise<PpoTokenizer>;
  /** The trainable policy, initialised from `modelDirectory`, with its optimizer configured. */
  loadPolicy(modelDirectory: string, optimization: OptimizationSettings): Promise<CausalLMV1 & TrainableModelV1>;
  /** A frozen copy of the SFT model. */
  loadReference(modelDirectory: string): Promise<CausalLMV1>;
  /** The trainable value model, initialised from a scalar-model directory. */
  loadValueModel(modelDirectory: string, optimization: OptimizationSettings): Promise<ScalarModelV1 & TrainableModelV1>;
  /** A text-level reward model over a scalar-model directory. */
  loadRewardModel(modelDirectory: string, tokenizer: PpoTokenizer): Promise<RewardModelV1>;
  /**
   * The rollout generator; it must sample from `policy`'s current weights. `rollouts` is the
   * config's choice: `onnx` (onnxruntime, refreshed from the policy after each update) or `local`
   * (core's sampling loop on the training engine itself).
   */
  createGenerator(policy: CausalLMV1 & TrainableModelV1, rollouts: 'onnx' | 'local'): RolloutGenerator | Promise<RolloutGenerator>;
  /** Writes a loadable model directory (config, weights, tokenizer) with the given weights. Optional. */
  exportPolicy?(policy: CausalLMV1 & TrainableModelV1, parameters: NamedTensors, directory: string, sourceDirectory: string): Promise<void>;
}

/** A rollout generator, disposed when the command ends if it holds resources. */
export type RolloutGenerator = GeneratorV1 & { dispose?(): Promise<void> };

/** Options of {@link registerPpoCommand}. */
export interface PpoCommandOptions {
  /** Engine to use. Default: the tfjs engine (`@instructkit/tfjs`). */
  readonly engine?: PpoCommandEngine;
}

/**
 * Registers `instructkit ppo --config <file>`: InstructGPT PPO / PPO-ptx from a YAML or JSON
 * config. Writes `<output>/metrics.jsonl` (one line per iteration: `step`, `reward`, `kl`,
 * `gold_reward` when a gold scorer is configured, …) and `<output>/checkpoints/`. Ctrl-C
 * saves a checkpoint; rerunning the same command resumes from it.
 *
 * @param program - The root `instructkit` command.
 * @returns The `ppo` command.
 * @example
 * registerPpoCommand(program);
 * // instructkit ppo --config ppo.json
 */
export function registerPpoCommand(program: Command, options: PpoCommandOptions = {}): Command {
  return program
    .command('ppo')
    .description('Train a policy with PPO / PPO-ptx against a reward model (InstructGPT §3.5). Ctrl-C checkpoints; rerun resumes.')
    .requiredOption('--config <file>', 'YAML or JSON config: policy, rewardModel, prompts, output, [valueModel, pretrainingCorpus, goldRewardModel, preset, ppo, policyOptimization, valueOptimization]')
    .option('--no-progress', 'print nothing while training')
    .option('--json', 'print progress events as JSON lines')
    .addHelpText(
      'after',
      `
Example config:
  {
    "policy": "runs/sft/final", "rewardModel": "runs/rm/final", "prompts": "data/prompts.jsonl",
    "output": "runs/ppo", "preset": "instructgpt", "ppo": { "iterations": 50, "klCoefficient": 0.02 }
  }
Writes <output>/metrics.jsonl (step, reward, kl, gold_reward, …) and <output>/checkpoints/.`,
    )
    .action(async (flags: { config: string; progress: boolean; json?: boolean }, command: Command) => {
      const output = command.configureOutput();
      const writeErr = output.writeErr ?? ((text: string) => process.stderr.write(text));
      await runPpoCommand(flags.config, options.engine ?? (await loadDefaultEngine()), { progress: flags.progress, json: flags.json ?? false, writeErr });
    });
}

async function runPpoCommand(
  configFile: string,
  engine: PpoCommandEngine,
  io: { progress: boolean; json: boolean; writeErr: (text: string) => void },
): Promise<void> {
  const config = await readConfig(configFile);
  const base = path.dirname(path.resolve(configFile));
  const resolve = (file: string) => path.resolve(base, file);
  const preset = config.preset === 'instructgpt' ? instructgptPreset() : undefined;
  const hyperparameters = config.ppo as PpoHyperparameters;
  const defaultOptimization = (learningRate: number): OptimizationSettings => ({
    optimizer: { learningRate },
    schedule: { kind: 'constant', warmupSteps: 10 },
    maxGradNorm: 1,
  });
  const policyOptimization = config.policyOptimization ?? preset?.policyOptimization ?? defaultOptimization(1e-5);
  const valueOptimization = config.valueOptimization ?? preset?.valueOptimization ?? defaultOptimization(2e-5);

  const policyDirectory = resolve(config.policy);
  const tokenizer = await engine.loadTokenizer(policyDirectory);
  const prompts: string[] = [];
  for await (const prompt of readRecords(resolve(config.prompts), Prompt)) {
    if (prompt.text === undefined) throw new UnsupportedError(`${config.prompts}: prompt ${prompt.id}: chat "messages" prompts are not supported by ppo yet; give "text"`);
    prompts.push(prompt.text);
  }
  if (prompts.length === 0) throw new InvalidFileError(config.prompts, 'holds no prompts');
  let pretrainingCorpus: Int32Array[] | undefined;
  if (config.pretrainingCorpus) {
    const file = resolve(config.pretrainingCorpus);
    const documents: string[] = [];
    if (/\.txt$/i.test(file)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new InvalidFileError(config.pretrainingCorpus, `cannot read: ${(error as Error).message}`, { cause: error });
      }
      documents.push(...text.split(/\n\s*\n/).map((paragraph) => paragraph.trim()).filter(Boolean));
    } else {
      for await (const document of readRecords(file, PretrainingDocument)) documents.push(document.text);
    }
    pretrainingCorpus = documents.map((document) => Int32Array.from(tokenizer.encode(document)));
  }
  const policy = await engine.loadPolicy(policyDirectory, policyOptimization);
  const reference = await engine.loadReference(policyDirectory);
  const rewardDirectory = resolve(config.rewardModel);
  const valueModel = await engine.loadValueModel(config.valueModel ? resolve(config.valueModel) : rewardDirectory, valueOptimization);
  const rewardModel = await engine.loadRewardModel(rewardDirectory, tokenizer);
  const goldRewardModel =
    config.goldRewardModel === 'sim'
      ? createGoldRewardModel()
      : config.goldRewardModel
        ? await engine.loadRewardModel(resolve(config.goldRewardModel), tokenizer)
        : undefined;
  const runDirectory = resolve(config.output);

  const generator = await engine.createGenerator(policy, config.rollouts);
  const interrupt = abortOnInterrupt();
  const progress = io.progress ? createProgressReporter({ json: io.json }) : undefined;
  try {
    const result = await trainPpo({
      policy,
      reference,
      valueModel,
      rewardModel,
      ...(goldRewardModel ? { goldRewardModel } : {}),
      generator,
      tokenizer,
      prompts,
      ...(pretrainingCorpus ? { pretrainingCorpus } : {}),
      hyperparameters,
      runDirectory,
      signal: interrupt.signal,
      onWarning: (message) => io.writeErr(`instructkit ppo: warning: ${message}\n`),
      onEvent: (event) => progress?.(event),
    });
    if (result.reason === 'interrupted') {
      io.writeErr(`instructkit ppo: stopped at iteration ${result.iteration}; checkpoint in ${path.join(runDirectory, 'checkpoints')}; rerun to resume\n`);
      process.exitCode = 130;
      return;
    }
    if (engine.exportPolicy) {
      await engine.exportPolicy(policy, await policy.doGetParameters(), path.join(runDirectory, 'final'), policyDirectory);
      if (result.ema) await engine.exportPolicy(policy, result.ema, path.join(runDirectory, 'final-ema'), policyDirectory);
    }
    const last = result.history.at(-1);
    const { peak, goldDropSincePeak } = overoptimizationCurve(result.history);
    io.writeErr(
      `instructkit ppo: done, ${result.iteration} iterations` +
        (last ? `; reward ${last.reward.toFixed(3)}, kl ${last.kl.toFixed(3)}` + (last.gold_reward !== undefined ? `, gold ${last.gold_reward.toFixed(3)}` : '') : '') +
        (peak ? `; gold peaked at ${peak.goldReward.toFixed(3)} (iteration ${peak.step}, kl ${peak.kl.toFixed(3)})${goldDropSincePeak > 0 ? `, ${goldDropSincePeak.toFixed(3)} lower since` : ''}` : '') +
        `; metrics in ${path.join(runDirectory, 'metrics.jsonl')}\n`,
    );
  } finally {
    interrupt.dispose();
    progress?.stop();
    await generator.dispose?.();
  }
}

/**
 * Reads and validates the config file (YAML or JSON) in two passes: the first finds the
 * preset, the second checks `ppo` with the preset's values filled in where the file leaves
 * them out, so errors name the file, line and field of what the user wrote.
 * @throws InvalidFileError / InvalidRecordError (`ppo.yaml:7: ppo.lambda: …`).
 */
async function readConfig(file: string): Promise<PpoConfig & { ppo: PpoHyperparameters }> {
  const first = await loadConfigFile(file, PpoConfig);
  const overrides: Record<string, unknown> = {};
  if (first.preset === 'instructgpt') {
    for (const [key, value] of Object.entries(instructgptPreset().hyperparameters)) {
      if (!first.ppo || !(key in first.ppo)) overrides[`ppo.${key}`] = value;
    }
  }
  const full = PpoConfig.extend({ ppo: PpoHyperparameters.optional() });
  const config = await loadConfigFile(file, full, overrides);
  return { ...config, ppo: config.ppo ?? PpoHyperparameters.parse({}) };
}

/** The default engine, tfjs: HF-layout model directories, core's local generator, the reward package's adapter. */
async function loadDefaultEngine(): Promise<PpoCommandEngine> {
  // Imported here, not at the top: every other command (and `--help`) starts without tfjs.
  const { createCausalLM, createScalarModel, loadCausalLM, loadScalarModel, saveModel } = await import('@instructkit/tfjs');
  const { loadTokenizer } = await import('@instructkit/tokenizer');
  const { createRewardModel, readRewardNormalization } = await import('@instructkit/reward');
  const tokenizerFiles = ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt', 'special_tokens_map.json'];
  return {
    loadTokenizer: (directory) => loadTokenizer(directory),
    async loadPolicy(directory, optimization) {
      const policy = await withoutDropout(await loadCausalLM(directory), (config) => createCausalLM({ config, modelId: 'policy' }));
      policy.configureTraining(optimization);
      return policy;
    },
    loadReference: (directory) => loadCausalLM(directory, { modelId: 'reference' }),
    async loadValueModel(directory, optimization) {
      const valueModel = await withoutDropout(await loadScalarModel(directory), (config) => createScalarModel({ config, modelId: 'value' }));
      valueModel.configureTraining(optimization);
      return valueModel;
    },
    async loadRewardModel(directory, tokenizer) {
      // The reward model's own tokenizer when it ships one, else the policy's.
      const own = existsSync(path.join(directory, 'tokenizer.json')) ? await loadTokenizer(directory) : tokenizer;
      return createRewardModel({ model: await loadScalarModel(directory), tokenizer: own, normalization: await readRewardNormalization(directory), modelId: directory });
    },
    async createGenerator(policy, rollouts) {
      if (rollouts === 'local') return createLocalGenerator(policy);
      const { createOrtPolicyGenerator } = await import('@instructkit/onnx');
      return createOrtPolicyGenerator({ policy });
    },
    async exportPolicy(_policy, parameters, directory, sourceDirectory) {
      const model = await loadCausalLM(sourceDirectory);
      try {
        await model.doSetParameters(parameters);
        await saveModel(model, directory);
      } finally {
        model.dispose();
      }
      for (const file of tokenizerFiles) {
        if (existsSync(path.join(sourceDirectory, file))) await copyFile(path.join(sourceDirectory, file), path.join(directory, file));
      }
    },
  };
}

/**
 * A copy of a loaded model with dropout off: PPO's ratio must be exactly 1 before the
 * first update (InstructGPT and TRL train PPO without dropout), while an SFT export
 * usually carries the SFT recipe's dropout in its config.
 */
async function withoutDropout<Model extends { config: TransformerConfig; doGetParameters(): Promise<NamedTensors>; dispose(): void }>(
  loaded: Model,
  create: (config: TransformerConfig) => Promise<Model & { doSetParameters(parameters: NamedTensors): Promise<void> }>,
): Promise<Model & { doSetParameters(parameters: NamedTensors): Promise<void> }> {
  const model = await create({ ...loaded.config, dropout: { embedding: 0, attention: 0, residual: 0 } });
  await model.doSetParameters(await loaded.doGetParameters());
  loaded.dispose();
  return model;
}
