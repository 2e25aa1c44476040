import { Command } from 'commander';
import { z } from 'zod';
import { InvalidRecordError, openRunDirectory, type RewardModelV1 } from '@instructkit/core';
import { ConversationRecord, Demonstration, Prompt, PromptCompletion, promptText, readRecords } from '@instructkit/data';
import { instructgptPreset, ppoInitPreset, rewardModelSelector, sft, type CheckpointSelector, type SftRecord } from '@instructkit/sft';
import { loadConfigFile } from '../shared/config-file';
import { abortOnInterrupt } from '../shared/interrupt';
import { createProgressReporter } from '../shared/progress-reporter';
import {
  addCommonOptions,
  defaultOptimization,
  reportResult,
  resolveModelPath,
  resolverFor,
  trainingSettings,
  type TrainingCommandOptions,
} from './pretrain';
import { applyTemplate, CommonTrainingFields, commonOverrides, chooseTrainingEngine, readCorpus, type CommonFlags, type TrainingGenerator } from './training-engine';

/** The `instructkit sft` config (YAML or JSON); relative paths are resolved against the config file. */
const SftConfig = z
  .object({
    /** Model to fine-tune: a Hugging Face directory (e.g. `runs/base/checkpoints/final`). */
    model: z.string().min(1),
    /** Tokenizer: `gpt2`, a tokenizer.json, or a directory. Default: the model directory. */
    tokenizer: z.string().min(1).optional(),
    /** Demonstrations, JSONL: `{prompt, completion}`, `{messages}`, or `{promptId, completion}` with `prompts`. */
    train: z.string().min(1),
    /** Held-out demonstrations (same formats) for validation loss each epoch. Default: none. */
    validation: z.string().min(1).optional(),
    /** Prompt records (`{id, text, …}`) that `promptId` demonstrations refer to. */
    prompts: z.string().min(1).optional(),
    /** How a plain prompt is shown to the model; `{prompt}` is replaced. Default: `{prompt}`. */
    promptTemplate: z.string().default('{prompt}'),
    /** Text put between the rendered prompt and the completion. Default: empty. */
    completionPrefix: z.string().default(''),
    /** `instructgpt` (16 epochs, cosine to 10%, β2 0.95) or `ppo-init` (2 epochs + 10% pretraining mix). */
    preset: z.enum(['instructgpt', 'ppo-init']).optional(),
    /** Pretraining text mixed into each epoch (PPO-init SFT). */
    pretrainingMix: z.object({ corpus: z.string().min(1), fraction: z.number().min(0).lt(1).optional() }).strict().optional(),
    /** Pack sequences into full rows. Default: false. */
    packing: z.boolean().default(false),
    /**
     * Which checkpoint to keep: `validation-loss` (default with validation data), or the mean
     * reward of sampled answers to validation prompts (InstructGPT's choice).
     */
    select: z
      .union([
        z.literal('validation-loss'),
        z
          .object({
            /** A reward-model directory (trained by `instructkit rm`) or `sim-gold` (the embedded task's gold judge). */
            rewardModel: z.string().min(1),
            /** Validation prompts sampled at each evaluation. Default: 32. */
            prompts: z.number().int().positive().default(32),
            /** Tokens per sampled answer. Default: 48. */
            maxNewTokens: z.number().int().positive().default(48),
          })
          .strict(),
      ])
      .optional(),
    ...CommonTrainingFields,
  })
  .strict();

type SftConfig = z.output<typeof SftConfig>;

const SftLine = z.union([PromptCompletion, ConversationRecord, Demonstration]);

/**
 * Registers `instructkit sft --config <file>`: supervised fine-tuning on demonstrations, loss
 * on completion tokens only. Writes `<output>/metrics.jsonl` (`step`, `loss`,
 * `validationLoss`, …), checkpoints, and the selected model in `<output>/checkpoints/final`.
 * Ctrl-C saves a checkpoint; rerunning resumes.
 *
 * @example
 * registerSftCommand(program);
 * // instructkit sft --config sft.yaml --learning-rate 3e-4
 */
export function registerSftCommand(program: Command, options: TrainingCommandOptions = {}): Command {
  return addCommonOptions(
    program
      .command('sft')
      .description('Supervised fine-tuning on demonstrations (InstructGPT §3.5). Ctrl-C checkpoints; rerun resumes.')
      .addHelpText(
        'after',
        `
Example config (YAML):
  model: runs/base/checkpoints/final
  train: data/train/demonstrations.jsonl
  validation: data/valid/demonstrations.jsonl
  prompts: data/prompts.jsonl
  promptTemplate: "Instruction: {prompt}\\nResponse:"
  completionPrefix: " "
  preset: instructgpt
  epochs: 4
  optimization: { optimizer: { learningRate: 0.0005 } }
  output: runs/sft
Writes <output>/metrics.jsonl (step, loss, validationLoss, …) and <output>/checkpoints/final.`,
      ),
  ).action(async (flags: CommonFlags, command: Command) => {
    const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
    const config = await loadConfigFile(flags.config, SftConfig, commonOverrides(flags));
    const resolve = resolverFor(flags.config);
    const engine = options.engine ?? (await chooseTrainingEngine({ requested: config.engine, backend: config.backend, runDirectory: resolve(config.output) })).engine;
    const modelDirectory = resolve(config.model);
    const tokenizer = await engine.loadTokenizer(config.tokenizer ? resolveModelPath(flags.config, config.tokenizer) : modelDirectory);
    const prompts = config.prompts ? await readPrompts(resolve(config.prompts)) : new Map<string, string>();
    const train = await readSftRecords(resolve(config.train), config.train, prompts, config);
    const validation = config.validation ? await readSftRecords(resolve(config.validation), config.validation, prompts, config) : undefined;
    const preset = config.preset === 'instructgpt' ? instructgptPreset() : config.preset === 'ppo-init' ? ppoInitPreset() : undefined;
    // The preset's dropout (InstructGPT: residual 0.2) replaces the checkpoint's for training.
    const model = await engine.loadCausalLM(modelDirectory, config.backend, preset?.dropout);
    let selector: CheckpointSelector | undefined;
    let generator: TrainingGenerator | undefined;
    const select = config.select;
    if (typeof select === 'object') {
      const validationPrompts = (validation ?? train).filter((record): record is { prompt: string; completion: string } => 'prompt' in record).map((record) => record.prompt);
      if (validationPrompts.length === 0) throw new InvalidRecordError(flags.config, 1, 'select', 'needs prompt–completion validation records to sample from');
      let rewardModel: RewardModelV1;
      if (select.rewardModel === 'sim-gold') {
        const { createGoldRewardModel } = await import('@instructkit/sim');
        rewardModel = withRawPrompts(createGoldRewardModel(), config.promptTemplate);
      } else {
        const { createRewardModel, readRewardNormalization } = await import('@instructkit/reward');
        const directory = resolve(select.rewardModel);
        rewardModel = createRewardModel({
          model: await engine.loadScalarModel(directory, config.backend),
          tokenizer,
          normalization: await readRewardNormalization(directory),
        });
      }
      selector = rewardModelSelector({
        rewardModel,
        generator: (generator = await engine.createGenerator(model)),
        tokenizer,
        prompts: validationPrompts.filter((prompt) => tokenizer.encode(prompt).length + select.maxNewTokens <= (config.maxLength ?? model.config.contextLength)).slice(0, select.prompts),
        contextLength: model.config.contextLength,
        sampling: { maxNewTokens: select.maxNewTokens, temperature: 1, seed: config.seed },
      });
    }
    const pretrainingTexts = config.pretrainingMix ? await readCorpus(resolve(config.pretrainingMix.corpus), config.pretrainingMix.corpus) : undefined;
    const output = resolve(config.output);
    await (await openRunDirectory(output)).writeConfig({ command: 'sft', ...config });
    const interrupt = abortOnInterrupt();
    const reporter = createProgressReporter({ json: flags.json ?? false });
    try {
      const result = await sft({
        model,
        tokenizer,
        train,
        trainFile: config.train,
        ...(validation ? { validation } : {}),
        ...(preset ? { preset } : {}),
        ...trainingSettings(config, defaultOptimization(config.optimization)),
        ...(pretrainingTexts ? { pretrainingMix: { texts: pretrainingTexts, ...(config.pretrainingMix?.fraction !== undefined ? { fraction: config.pretrainingMix.fraction } : {}) } } : {}),
        ...(selector ? { selector } : {}),
        packing: config.packing,
        runDirectory: output,
        signal: interrupt.signal,
        ...(flags.progress ? { onEvent: reporter } : {}),
      });
      reportResult(result.exported, result.run.reason, flags.json ?? false, writeOut);
    } finally {
      reporter.stop();
      interrupt.dispose();
      await generator?.dispose?.();
      model.dispose();
    }
  });
}

/** Prompt texts by id from a file of `Prompt` records. */
export async function readPrompts(file: string): Promise<Map<string, string>> {
  const prompts = new Map<string, string>();
  for await (const prompt of readRecords(file, Prompt)) prompts.set(prompt.id, promptText(prompt));
  return prompts;
}

/** SFT records from a JSONL file of any of the accepted shapes, with the prompt template applied. */
async function readSftRecords(
  file: string,
  shownAs: string,
  prompts: ReadonlyMap<string, string>,
  config: Pick<SftConfig, 'promptTemplate' | 'completionPrefix'>,
): Promise<SftRecord[]> {
  const records: SftRecord[] = [];
  let line = 0;
  for await (const record of readRecords(file, SftLine)) {
    line++;
    if ('messages' in record) {
      records.push({ messages: record.messages });
      continue;
    }
    let prompt: string;
    if ('promptId' in record) {
      const text = prompts.get(record.promptId);
      if (text === undefined) throw new InvalidRecordError(shownAs, line, 'promptId', `unknown prompt id "${record.promptId}" (set "prompts" to the prompt records file)`);
      prompt = text;
    } else {
      prompt = record.prompt;
    }
    records.push({ prompt: applyTemplate(config.promptTemplate, prompt), completion: `${config.completionPrefix}${record.completion}` });
  }
  if (records.length === 0) throw new InvalidRecordError(shownAs, 1, '', 'holds no records');
  return records;
}

/** The sim gold judge reads raw prompts: undo the template before scoring. */
function withRawPrompts(judge: RewardModelV1, template: string): RewardModelV1 {
  const [before = '', after = ''] = template.split('{prompt}');
  const strip = (prompt: string) => (prompt.startsWith(before) && prompt.endsWith(after) ? prompt.slice(before.length, prompt.length - after.length) : prompt);
  return { ...judge, doScore: (request) => judge.doScore({ ...request, prompts: request.prompts.map(strip) }) };
}

