import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import {
  InvalidFileError,
  InvalidRecordError,
  UnsupportedError,
  type CausalLMV1,
  type GeneratorV1,
  type NamedTensors,
  type OptimizationSettings,
  type RewardModelV1,
  type ScalarModelV1,
  type TrainableModelV1,
  type TrainingEvent,
} from '@instructkit/core';
import { Prompt, readRecords } from '@instructkit/data';
import { createGoldRewardModel } from '@instructkit/sim';
import { PpoHyperparameters, instructgptPreset, trainPpo, type PpoTokenizer } from '@instructkit/ppo';

const AdamW = z
  .object({
    learningRate: z.number().positive(),
    beta1: z.number().min(0).max(1).optional(),
    beta2: z.number().min(0).max(1).optional(),
    epsilon: z.number().positive().optional(),
    weightDecay: z.number().min(0).optional(),
  })
  .strict();

const Optimization = z
  .object({
    optimizer: AdamW,
    schedule: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('constant'), warmupSteps: z.number().int().min(0).optional() }).strict(),
        z.object({ kind: z.literal('linear'), warmupSteps: z.number().int().min(0).optional(), totalSteps: z.number().int().positive(), finalRatio: z.number().min(0).optional() }).strict(),
        z.object({ kind: z.literal('cosine'), warmupSteps: z.number().int().min(0).optional(), totalSteps: z.number().int().positive(), finalRatio: z.number().min(0).optional() }).strict(),
      ])
      .optional(),
    maxGradNorm: z.number().min(0).optional(),
    seed: z.number().int().optional(),
  })
  .strict();

/**
 * The `instructkit ppo` config file (JSON). Relative paths are resolved against the
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
    /** PPO-ptx: JSONL of `{"text": …}` pretraining documents. Absent → plain PPO. */
    pretrainingCorpus: z.string().min(1).optional(),
    /** Optional gold scorer, logged as `gold_reward`: `"sim"` (the embedded task's gold judge) or a reward-model directory. */
    goldRewardModel: z.string().min(1).optional(),
    /** Run directory: metrics.jsonl and checkpoints/. Rerunning resumes from it. */
    output: z.string().min(1),
    /** Start from a preset's values; `ppo`, `policyOptimization`, `valueOptimization` override them. */
    preset: z.enum(['instructgpt']).optional(),
    /** PPO hyperparameters (see `PpoHyperparameters` in @instructkit/ppo). */
    ppo: z.record(z.string(), z.unknown()).optional(),
    /** Optimizer of the policy. Default: the preset's, else AdamW 1e-5 with 10 warmup steps, clip 1. */
    policyOptimization: Optimization.optional(),
    /** Optimizer of the value model. Default: the preset's, else AdamW 2e-5 with 10 warmup steps, clip 1. */
    valueOptimization: Optimization.optional(),
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
  /** The rollout generator; it must sample from `policy`'s current weights. */
  createGenerator(policy: CausalLMV1): GeneratorV1;
  /** Writes a loadable model directory (config, weights, tokenizer) with the given weights. Optional. */
  exportPolicy?(policy: CausalLMV1 & TrainableModelV1, parameters: NamedTensors, directory: string, sourceDirectory: string): Promise<void>;
}

/** Options of {@link registerPpoCommand}. */
export interface PpoCommandOptions {
  /** Engine to use. Default: the tfjs engine (`@instructkit/tfjs`). */
  readonly engine?: PpoCommandEngine;
}

/**
 * Registers `instructkit ppo --config <file>`: InstructGPT PPO / PPO-ptx from a JSON
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
    .requiredOption('--config <file>', 'JSON config: policy, rewardModel, prompts, output, [valueModel, pretrainingCorpus, goldRewardModel, preset, ppo, policyOptimization, valueOptimization]')
    .option('--no-progress', 'do not draw a progress bar')
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
    .action(async (flags: { config: string; progress: boolean }, command: Command) => {
      const output = command.configureOutput();
      const writeErr = output.writeErr ?? ((text: string) => process.stderr.write(text));
      await runPpoCommand(flags.config, options.engine ?? (await loadDefaultEngine()), { progress: flags.progress, writeErr });
    });
}

async function runPpoCommand(
  configFile: string,
  engine: PpoCommandEngine,
  io: { progress: boolean; writeErr: (text: string) => void },
): Promise<void> {
  const config = await readConfig(configFile);
  const base = path.dirname(path.resolve(configFile));
  const resolve = (file: string) => path.resolve(base, file);
  const preset = config.preset === 'instructgpt' ? instructgptPreset() : undefined;
  const hyperparameters = { ...preset?.hyperparameters, ...config.ppo };
  const parsed = PpoHyperparameters.safeParse(hyperparameters);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ['ppo', ...issue.path.map(String)];
    throw new InvalidRecordError(configFile, await lineOf(configFile, field), field.join('.'), issue.message);
  }
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
  if (prompts.length === 0) throw new InvalidRecordError(configFile, await lineOf(configFile, ['prompts']), 'prompts', `${config.prompts} holds no prompts`);
  let pretrainingCorpus: Int32Array[] | undefined;
  if (config.pretrainingCorpus) {
    pretrainingCorpus = [];
    for await (const document of readRecords(resolve(config.pretrainingCorpus), PretrainingDocument)) {
      pretrainingCorpus.push(Int32Array.from(tokenizer.encode(document.text)));
    }
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

  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    io.writeErr('\ninstructkit ppo: interrupted, saving a checkpoint (Ctrl-C again to quit without one)…\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  const progress = io.progress && process.stderr.isTTY ? await createProgressBar() : undefined;
  try {
    const result = await trainPpo({
      policy,
      reference,
      valueModel,
      rewardModel,
      ...(goldRewardModel ? { goldRewardModel } : {}),
      generator: engine.createGenerator(policy),
      tokenizer,
      prompts,
      ...(pretrainingCorpus ? { pretrainingCorpus } : {}),
      hyperparameters: parsed.data,
      runDirectory,
      signal: controller.signal,
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
    io.writeErr(
      `instructkit ppo: done, ${result.iteration} iterations` +
        (last ? `; reward ${last.reward.toFixed(3)}, kl ${last.kl.toFixed(3)}` + (last.gold_reward !== undefined ? `, gold ${last.gold_reward.toFixed(3)}` : '') : '') +
        `; metrics in ${path.join(runDirectory, 'metrics.jsonl')}\n`,
    );
  } finally {
    process.off('SIGINT', onInterrupt);
    progress?.({ type: 'run-end', stage: 'ppo', step: 0, reason: 'completed' });
  }
}

/**
 * Reads and validates the config file.
 * @throws InvalidFileError when it is not JSON; InvalidRecordError naming file, line and field otherwise.
 */
async function readConfig(file: string): Promise<PpoConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidFileError(file, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidFileError(file, `is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = PpoConfig.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    let field = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') field = [...field, issue.keys[0]!];
    throw new InvalidRecordError(file, locateField(text, field), field.join('.'), issue.message);
  }
  return parsed.data;
}

async function lineOf(file: string, field: readonly string[]): Promise<number> {
  return locateField(await readFile(file, 'utf8'), field);
}

/**
 * 1-based line of a field in JSON text: each path segment's key is searched after the
 * previous one's position (good for configs; array indices are skipped). Falls back to 1.
 */
function locateField(text: string, field: readonly string[]): number {
  let position = 0;
  for (const segment of field) {
    if (/^\d+$/.test(segment)) continue;
    const found = text.indexOf(JSON.stringify(segment), position);
    if (found === -1) break;
    position = found;
  }
  return text.slice(0, position).split('\n').length;
}

async function createProgressBar(): Promise<(event: TrainingEvent) => void> {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar = new SingleBar({ format: 'ppo [{bar}] {value}/{total} | reward {reward} | kl {kl} | gold {gold}', hideCursor: true }, Presets.shades_classic);
  let started = false;
  return (event) => {
    if (event.type === 'run-start') {
      bar.start(event.totalSteps, event.startStep, { reward: '-', kl: '-', gold: '-' });
      started = true;
    } else if (event.type === 'step-end' && started) {
      const format = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(3));
      bar.update(event.step, { reward: format(event.metrics.reward), kl: format(event.metrics.kl), gold: format(event.metrics.gold_reward) });
    } else if (event.type === 'run-end' && started) {
      bar.stop();
      started = false;
    }
  };
}

/** The tfjs engine, loaded lazily so `--help` works without it. */
async function loadDefaultEngine(): Promise<PpoCommandEngine> {
  throw new UnsupportedError('instructkit ppo: the tfjs engine (@instructkit/tfjs) is not available in this build yet');
}
