import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { InvalidRecordError, openRunDirectory, writeFileAtomic } from '@instructkit/core';
import { Demonstration, PreferencePair, PromptCompletion, Ranking, ranksOf, readRecords } from '@instructkit/data';
import { countRankedPairs, trainRewardModel, type RankingExample } from '@instructkit/reward';
import { loadConfigFile } from '../shared/config-file';
import { abortOnInterrupt } from '../shared/interrupt';
import { createProgressReporter } from '../shared/progress-reporter';
import { addCommonOptions, resolveModelPath, resolverFor, type TrainingCommandOptions } from './pretrain';
import { readPrompts } from './sft';
import { applyTemplate, CommonTrainingFields, commonOverrides, chooseTrainingEngine, type CommonFlags } from './training-engine';

/** The `instructkit rm` config (YAML or JSON); relative paths are resolved against the config file. */
const RmConfig = z
  .object({
    /** SFT (or base) model directory whose trunk starts the reward model; a fresh scalar head is drawn from `seed`. */
    model: z.string().min(1),
    /** Tokenizer: `gpt2`, a tokenizer.json, or a directory. Default: the model directory. */
    tokenizer: z.string().min(1).optional(),
    /** Training comparisons, JSONL: `Ranking` records (`promptId`, K completions, `order`) or TRL pairs (`prompt`, `chosen`, `rejected`). */
    train: z.string().min(1),
    /** Held-out comparisons (same formats): validation each epoch and the final evaluation. Default: none. */
    validation: z.string().min(1).optional(),
    /** Prompt records that `promptId` refers to. */
    prompts: z.string().min(1).optional(),
    /** Labelers whose rankings are only in `validation`; their agreement is reported apart. */
    heldOutLabelers: z.array(z.string().min(1)).optional(),
    /** How a plain prompt is shown to the model; `{prompt}` is replaced. Default: `{prompt}`. */
    promptTemplate: z.string().default('{prompt}'),
    /** Text between the rendered prompt and each completion. Default: empty. */
    completionPrefix: z.string().default(''),
    /** After training, shift (and scale) the reward: demonstrations score 0 on average; policy samples get unit variance. */
    normalize: z
      .object({
        /** Demonstrations, JSONL: `{promptId, completion}` (with `prompts`) or `{prompt, completion}`. */
        demonstrations: z.string().min(1),
        /** Samples of the initial policy, same formats; sets the gain. Default: gain 1. */
        policySamples: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    ...CommonTrainingFields,
  })
  .strict();

type RmConfig = z.output<typeof RmConfig>;

const ComparisonLine = z.union([Ranking, PreferencePair]);
const ScoredLine = z.union([Demonstration, PromptCompletion]);

/**
 * Registers `instructkit rm --config <file>`: a reward model trained with InstructGPT Eq. 1
 * (all C(K,2) pairs of a prompt as one batch element). Writes `<output>/metrics.jsonl`
 * (`step`, `loss`, `accuracy`, `validationLoss`, `validationAccuracy`), checkpoints,
 * `<output>/checkpoints/final` (Hugging Face layout + `reward-normalization.json`) and
 * `<output>/evaluation.json`. Ctrl-C saves a checkpoint; rerunning resumes.
 *
 * @example
 * registerRmCommand(program);
 * // instructkit rm --config rm.yaml --epochs 1
 */
export function registerRmCommand(program: Command, options: TrainingCommandOptions = {}): Command {
  return addCommonOptions(
    program
      .command('rm')
      .description('Train a reward model on K-way rankings (InstructGPT Eq. 1). Ctrl-C checkpoints; rerun resumes.')
      .addHelpText(
        'after',
        `
Example config (YAML):
  model: runs/sft/checkpoints/final
  train: data/train/rankings.jsonl
  validation: data/valid/rankings.jsonl
  prompts: data/prompts.jsonl
  promptTemplate: "Instruction: {prompt}\\nResponse:"
  completionPrefix: " "
  normalize: { demonstrations: data/train/demonstrations.jsonl }
  epochs: 1
  batchSize: 8
  optimization: { optimizer: { learningRate: 0.0003 } }
  output: runs/rm
Writes <output>/metrics.jsonl (step, loss, accuracy, …), <output>/evaluation.json and <output>/checkpoints/final.`,
      ),
  ).action(async (flags: CommonFlags, command: Command) => {
    const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
    const config = await loadConfigFile(flags.config, RmConfig, commonOverrides(flags));
    const resolve = resolverFor(flags.config);
    const engine = options.engine ?? (await chooseTrainingEngine({ requested: config.engine, backend: config.backend, runDirectory: resolve(config.output) })).engine;
    const modelDirectory = resolve(config.model);
    const tokenizer = await engine.loadTokenizer(config.tokenizer ? resolveModelPath(flags.config, config.tokenizer) : modelDirectory);
    const prompts = config.prompts ? await readPrompts(resolve(config.prompts)) : new Map<string, string>();
    const train = await readComparisons(resolve(config.train), config.train, prompts, config);
    const validation = config.validation ? await readComparisons(resolve(config.validation), config.validation, prompts, config) : undefined;
    const normalizeWith = config.normalize
      ? {
          demonstrations: await readScored(resolve(config.normalize.demonstrations), config.normalize.demonstrations, prompts, config),
          ...(config.normalize.policySamples
            ? { policySamples: await readScored(resolve(config.normalize.policySamples), config.normalize.policySamples, prompts, config) }
            : {}),
        }
      : undefined;
    const model = await engine.loadRewardModel(modelDirectory, config.seed, config.backend);
    const learningRate = config.optimization?.optimizer?.learningRate ?? 1e-4;
    await model.configureTraining({
      optimizer: { beta1: 0.9, beta2: 0.95, ...config.optimization?.optimizer, learningRate },
      maxGradNorm: config.optimization?.maxGradNorm ?? 1,
      seed: config.seed,
      // A decaying schedule needs the run's length: the optimizer steps trainRewardModel will take.
      ...(config.optimization?.schedule && config.optimization.schedule.kind !== 'constant'
        ? {
            schedule: {
              ...config.optimization.schedule,
              totalSteps: Math.max(
                1,
                Math.ceil(((config.epochs ?? 1) * Math.ceil(train.filter((example) => countRankedPairs(example.ranks) > 0).length / (config.batchSize ?? 8))) / (config.gradientAccumulation ?? 1)),
              ),
            },
          }
        : config.optimization?.schedule
          ? { schedule: { kind: 'constant' as const, warmupSteps: config.optimization.schedule.warmupSteps } }
          : {}),
    });
    const output = resolve(config.output);
    await (await openRunDirectory(output)).writeConfig({ command: 'rm', ...config });
    const interrupt = abortOnInterrupt();
    const reporter = createProgressReporter({ json: flags.json ?? false });
    try {
      const result = await trainRewardModel({
        model,
        tokenizer,
        tokenizerJson: () => tokenizer.toTokenizerJson(),
        train,
        ...(validation ? { validation } : {}),
        ...(config.heldOutLabelers ? { heldOutLabelers: config.heldOutLabelers } : {}),
        ...(normalizeWith ? { normalizeWith } : {}),
        ...(config.epochs !== undefined ? { epochs: config.epochs } : {}),
        ...(config.batchSize !== undefined ? { promptsPerBatch: config.batchSize } : {}),
        ...(config.gradientAccumulation !== undefined ? { gradientAccumulation: config.gradientAccumulation } : {}),
        ...(config.maxLength !== undefined ? { maxLength: config.maxLength } : {}),
        ...(config.evaluateEvery !== undefined ? { evaluateEvery: config.evaluateEvery } : {}),
        seed: config.seed,
        checkpointEvery: config.checkpointEvery,
        logEvery: config.logEvery,
        runDirectory: output,
        signal: interrupt.signal,
        ...(flags.progress ? { onEvent: reporter } : {}),
      });
      if (result.evaluation) {
        await writeFileAtomic(path.join(output, 'evaluation.json'), `${JSON.stringify(result.evaluation, null, 2)}\n`);
        const { accuracy, logLoss, pairs, heldOutLabelers } = result.evaluation;
        const heldOut = heldOutLabelers ? `, held-out labelers ${heldOutLabelers.accuracy.toFixed(3)} (${heldOutLabelers.pairs} pairs)` : '';
        if (!flags.json) writeOut(`validation: pairwise accuracy ${accuracy.toFixed(3)} over ${pairs} pairs, log loss ${logLoss.toFixed(3)}${heldOut}\n`);
      }
      if (result.run.reason === 'interrupted') process.exitCode = 130;
      if (flags.json) writeOut(`${JSON.stringify({ reason: result.run.reason, model: result.exported ?? null, evaluation: result.evaluation ?? null })}\n`);
      else writeOut(result.exported ? `reward model written to ${result.exported}\n` : 'interrupted: checkpoint saved; run the same command again to resume\n');
    } finally {
      reporter.stop();
      interrupt.dispose();
      model.dispose();
    }
  });
}

type Formatting = Pick<RmConfig, 'promptTemplate' | 'completionPrefix'>;

/** Rankings or preference pairs of a JSONL file as ranking examples (pairs are K = 2). */
async function readComparisons(file: string, shownAs: string, prompts: ReadonlyMap<string, string>, formatting: Formatting): Promise<RankingExample[]> {
  const examples: RankingExample[] = [];
  let line = 0;
  for await (const record of readRecords(file, ComparisonLine)) {
    line++;
    if ('promptId' in record && 'order' in record) {
      const prompt = prompts.get(record.promptId);
      if (prompt === undefined) throw new InvalidRecordError(shownAs, line, 'promptId', `unknown prompt id "${record.promptId}" (set "prompts" to the prompt records file)`);
      examples.push({
        prompt: applyTemplate(formatting.promptTemplate, prompt),
        completions: record.completions.map((completion) => `${formatting.completionPrefix}${completion.text}`),
        ranks: ranksOf(record),
        labelerId: record.labelerId,
      });
    } else {
      const pair = record as PreferencePair;
      examples.push({
        prompt: applyTemplate(formatting.promptTemplate, pair.prompt),
        completions: [`${formatting.completionPrefix}${pair.chosen}`, `${formatting.completionPrefix}${pair.rejected}`],
        ranks: [0, 1],
        ...(pair.margin !== undefined ? { margin: pair.margin } : {}),
      });
    }
  }
  if (examples.length === 0) throw new InvalidRecordError(shownAs, 1, '', 'holds no comparisons');
  return examples;
}

/** Prompt–completion pairs (demonstrations or policy samples) with the template applied. */
async function readScored(file: string, shownAs: string, prompts: ReadonlyMap<string, string>, formatting: Formatting): Promise<{ prompt: string; completion: string }[]> {
  const pairs: { prompt: string; completion: string }[] = [];
  let line = 0;
  for await (const record of readRecords(file, ScoredLine)) {
    line++;
    const prompt = 'promptId' in record ? prompts.get(record.promptId) : record.prompt;
    if (prompt === undefined) throw new InvalidRecordError(shownAs, line, 'promptId', `unknown prompt id (set "prompts" to the prompt records file)`);
    pairs.push({ prompt: applyTemplate(formatting.promptTemplate, prompt), completion: `${formatting.completionPrefix}${record.completion}` });
  }
  return pairs;
}
