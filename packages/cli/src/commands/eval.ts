import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Command } from 'commander';
import { z } from 'zod';
import { InvalidRecordError, writeFileAtomic } from '@instructkit/core';
import { Prompt, promptText, readRecords } from '@instructkit/data';
import { loadConfigFile } from '../shared/config-file';
import { PipelineEvalSettings, pipelinePreset } from '../pipeline/pipeline-config';
import { WIN_RATE_PAIRS, type EvaluatedModel, type EvaluationResults } from '../pipeline/evaluate-models';
import { paragraphs } from '../pipeline/prepare-sim-data';
import { renderEvaluationReport } from '../pipeline/build-pipeline-report';

/** The `instructkit eval` config (YAML or JSON); relative paths are resolved against the config file. */
const EvalConfig = z
  .object({
    /** Models to evaluate, by report name: model directories (config.json, model.safetensors, tokenizer.json). */
    models: z.record(z.string().regex(/^[\w.-]+$/), z.string().min(1)).refine((models) => Object.keys(models).length > 0, 'name at least one model'),
    /** Also evaluate this model with the sim task's few-shot prefix, as `<name>-prompted` (the paper's prompted GPT-3). */
    promptedBaseline: z.string().min(1).optional(),
    /** Held-out prompts: JSONL of `Prompt` records from the sim task (e.g. `examples/data/sim/test/prompts.jsonl`); `meta.family` groups win rates. */
    prompts: z.string().min(1),
    /** Pretraining-style text for the alignment tax: `.txt`, paragraphs separated by blank lines. Default: none (no perplexity or multiple choice). */
    pretrainingText: z.string().min(1).optional(),
    /** A reward model directory (trained by `instructkit rm` or the pipeline): a second judge of every pair. Default: none. */
    rewardModel: z.string().min(1).optional(),
    /** Win rates to compute as [A, B] names. Default: the pipeline's pairs among the given models, else every model against the first. */
    pairs: z.array(z.tuple([z.string(), z.string()])).optional(),
    /** Evaluation sizes and sampling; defaults from the pipeline's `default` preset. */
    eval: PipelineEvalSettings.partial().optional(),
    /** Seed of sampling, question sets and bootstrap. Default: 1. */
    seed: z.number().int().min(0).default(1),
    /** tfjs backend. Default: the best installed. */
    backend: z.string().min(1).optional(),
    /** Output directory: report.json and report.html. */
    output: z.string().min(1),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.promptedBaseline !== undefined && !(config.promptedBaseline in config.models)) {
      context.addIssue({ code: 'custom', path: ['promptedBaseline'], message: `names no model of "models" (${Object.keys(config.models).join(', ')})` });
    }
  });

/**
 * Registers `instructkit eval --config <file>`: evaluates model directories on held-out sim
 * prompts with the gold judge (win rates with 95% intervals per family, Likert,
 * hallucination), TruthfulQA-style MC1/MC2, toxicity and the alignment tax, and writes
 * `<output>/report.json` and `<output>/report.html`.
 *
 * @example
 * registerEvalCommand(program);
 * // instructkit eval --config eval.yaml
 */
export function registerEvalCommand(program: Command): Command {
  return program
    .command('eval')
    .description('Evaluate model directories (gold-judge win rates, Likert, truthfulness, toxicity, alignment tax) and write report.json/html.')
    .requiredOption('--config <file>', 'YAML or JSON config: models, prompts, output, [promptedBaseline, pretrainingText, rewardModel, pairs, eval, seed, backend]')
    .option('--output <dir>', 'output directory (overrides "output")')
    .option('--json', 'print the report path and win rates as JSON')
    .addHelpText(
      'after',
      `
Example config (YAML):
  models: { base: runs/demo/base/checkpoints/final, sft: runs/demo/sft/checkpoints/final, ppo: runs/demo/ppo/checkpoints/final }
  promptedBaseline: base
  prompts: examples/data/sim/test/prompts.jsonl
  pretrainingText: examples/data/sim/pretrain-valid.txt
  output: runs/eval
  eval: { prompts: 200 }
Writes <output>/report.json and <output>/report.html.`,
    )
    .action(async (flags: { config: string; output?: string; json?: boolean }, command: Command) => {
      const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
      const config = await loadConfigFile(flags.config, EvalConfig, { output: flags.output });
      const resolve = (file: string) => path.resolve(path.dirname(path.resolve(flags.config)), file);
      const settings = { ...pipelinePreset('default').eval, ...config.eval };
      const names = Object.keys(config.models);
      const prompts: { text: string; family: string }[] = [];
      for await (const prompt of readRecords(resolve(config.prompts), Prompt)) prompts.push({ text: promptText(prompt), family: String(prompt.meta?.['family'] ?? 'unknown') });
      if (prompts.length === 0) throw new InvalidRecordError(config.prompts, 1, '', 'holds no prompts');
      const { readFile } = await import('node:fs/promises');
      const pretrainingText = config.pretrainingText ? paragraphs(await readFile(resolve(config.pretrainingText), 'utf8')) : [];

      const tfjs = await import('@instructkit/tfjs');
      const { loadTokenizer } = await import('@instructkit/tokenizer');
      const { fewShotPrefix } = await import('@instructkit/sim');
      const { evaluateModels } = await import('../pipeline/evaluate-models');
      const { buildSimMultipleChoiceSuite, buildSimTruthfulnessQuestions } = await import('../pipeline/sim-evaluation-sets');
      const backend = config.backend ? { backend: config.backend } : {};
      const tokenizer = await loadTokenizer(resolve(config.models[names[0]!]!));
      const loaded: { name: string; model: Awaited<ReturnType<typeof tfjs.loadCausalLM>> }[] = [];
      for (const name of names) loaded.push({ name, model: await tfjs.loadCausalLM(resolve(config.models[name]!), { ...backend, modelId: name }) });
      const scorer = config.rewardModel ? await tfjs.loadScalarModel(resolve(config.rewardModel), { initFrom: 'scalar', ...backend }) : undefined;
      try {
        const models: EvaluatedModel[] = loaded.flatMap(({ name, model }) => [
          { name, model, prefix: '', ownWeights: true },
          ...(name === config.promptedBaseline ? [{ name: `${name}-prompted`, model, prefix: fewShotPrefix(settings.fewShotExamples, config.seed), ownWeights: false }] : []),
        ]);
        const modelNames = models.map((model) => model.name);
        const defaultPairs = WIN_RATE_PAIRS.filter(([a, b]) => modelNames.includes(a) && modelNames.includes(b));
        const pairs = config.pairs ?? (defaultPairs.length > 0 ? defaultPairs : modelNames.slice(1).map((name) => [name, modelNames[0]!] as const));
        let rewardModel;
        if (scorer) {
          const { createRewardModel, readRewardNormalization } = await import('@instructkit/reward');
          rewardModel = createRewardModel({ model: scorer, tokenizer, normalization: await readRewardNormalization(resolve(config.rewardModel!)) });
        }
        const results: EvaluationResults = await evaluateModels({
          models,
          tokenizer,
          prompts,
          pairs,
          truthfulnessQuestions: buildSimTruthfulnessQuestions(settings.truthfulnessQuestions, config.seed),
          multipleChoice: buildSimMultipleChoiceSuite(pretrainingText, pretrainingText.length ? settings.multipleChoiceItems : 0, config.seed),
          perplexityTexts: pretrainingText.slice(0, settings.perplexityParagraphs),
          ...(rewardModel ? { rewardModel } : {}),
          settings,
          seed: config.seed,
          onProgress: (message) => process.stderr.write(`  ${message}\n`),
        });
        const output = resolve(config.output);
        await mkdir(output, { recursive: true });
        const report = { createdAt: new Date().toISOString(), models: config.models, settings, ...results };
        await writeFileAtomic(path.join(output, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
        await writeFileAtomic(
          path.join(output, 'report.html'),
          renderEvaluationReport({ ...results, title: 'InstructKit evaluation', notes: [`Models: ${names.join(', ')}; ${Math.min(prompts.length, settings.prompts)} prompts from ${config.prompts}.`] }),
        );
        if (flags.json) writeOut(`${JSON.stringify({ report: path.join(output, 'report.json'), winRates: results.winRates.map(({ byFamily: _byFamily, ...win }) => win) })}\n`);
        else {
          writeOut(`report: ${path.join(output, 'report.html')}\n`);
          for (const win of results.winRates) writeOut(`  ${win.a} vs ${win.b}: ${(100 * win.rate).toFixed(1)}% [${(100 * win.ciLow).toFixed(1)}%, ${(100 * win.ciHigh).toFixed(1)}%] n=${win.n} (${win.judge})\n`);
        }
      } finally {
        for (const { model } of loaded) model.dispose();
        scorer?.dispose();
      }
    });
}
