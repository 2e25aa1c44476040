import path from 'node:path';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { loadConfigFile } from '../shared/config-file';
import { abortOnInterrupt } from '../shared/interrupt';
import { createProgressReporter } from '../shared/progress-reporter';
import { PipelineConfigFile, resolvePipelineSettings, type PipelineSettings } from '../pipeline/pipeline-config';
import { PIPELINE_ENGINES, type PipelineEngineName } from '../pipeline/pipeline-engine';
import type { PipelineEvent, PipelineResult } from '../pipeline/run-pipeline';
import type { PipelineWinRate } from '../pipeline/evaluate-models';

/** Flags of `instructkit pipeline`. */
interface PipelineFlags {
  readonly config?: string;
  readonly quick?: boolean;
  readonly fromScratch?: boolean;
  readonly name?: string;
  readonly engine?: PipelineEngineName;
  readonly json?: boolean;
  readonly progress: boolean;
}

/**
 * Registers `instructkit pipeline [--config <file>] [--quick] [--from-scratch] [--json]`:
 * the whole InstructGPT recipe on the embedded sim task (data → hygiene → tokenizer → base
 * LM → SFT → RM → PPO and PPO-ptx → evaluations), writing `runs/<name>/report.json` and
 * `report.html`. Rerunning the same command skips finished stages and resumes an
 * interrupted one (Ctrl-C checkpoints).
 *
 * @example
 * registerPipelineCommand(program);
 * // instructkit pipeline --quick
 */
export function registerPipelineCommand(program: Command): Command {
  return program
    .command('pipeline')
    .description('Run the whole InstructGPT pipeline on the embedded sim task and write report.json/report.html. Ctrl-C checkpoints; rerun resumes.')
    .option('--config <file>', 'YAML or JSON config: a preset plus fields to override (default: the "default" preset)')
    .option('--quick', 'start from the "quick" preset: toy sizes (seconds; a smoke test, not the paper results)')
    .option('--from-scratch', 'pretrain the base LM instead of loading the committed one')
    .option('--name <name>', 'run name: writes runs/<name>/ (overrides "name")')
    .addOption(new Option('--engine <engine>', 'model engine: onnx (onnx-train + onnxruntime-node), tfjs, or auto (onnx where onnxruntime-node loads); overrides "engine"').choices([...PIPELINE_ENGINES]))
    .option('--json', 'print progress events and the final summary as JSON lines')
    .option('--no-progress', 'print no progress, only the summary')
    .addHelpText(
      'after',
      `
Example config (YAML; every field optional, see docs/guide/pipeline.md):
  preset: default          # or quick
  name: demo               # writes runs/demo/
  seed: 1
  ppo: { iterations: 60, klCoefficient: 0.15 }
  eval: { prompts: 300 }
Stages: data, tokenizer, base, sft, rm, ppo, ppo-ptx, eval, report.
Writes runs/<name>/report.json (stages, winRates, rmAccuracy, likert, truthfulness, toxicity, hallucination, alignmentTax, curves) and report.html.`,
    )
    .action(async (flags: PipelineFlags, command: Command) => {
      const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
      const writeErr = command.configureOutput().writeErr ?? ((text: string) => process.stderr.write(text));
      const overrides = { name: flags.name, engine: flags.engine };
      const file: PipelineConfigFile = flags.config
        ? await loadConfigFile(flags.config, PipelineConfigFile, overrides)
        : PipelineConfigFile.parse(Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)));
      const settings = resolvePipelineSettings(file, flags.quick ? 'quick' : undefined);
      // Paths in a config file are relative to it; with no file, to the working directory.
      const baseDirectory = flags.config ? path.dirname(path.resolve(flags.config)) : process.cwd();
      const { runPipeline } = await import('../pipeline/run-pipeline');
      const interrupt = abortOnInterrupt();
      const reporter = createProgressReporter({ json: flags.json ?? false });
      const onEvent = flags.progress ? pipelineListener(reporter, flags.json ?? false, writeErr) : undefined;
      try {
        const result = await runPipeline(settings, {
          baseDirectory,
          fromScratch: flags.fromScratch ?? false,
          signal: interrupt.signal,
          ...(onEvent ? { onEvent } : {}),
        });
        writeOut(flags.json ? `${JSON.stringify(summaryOf(result, settings))}\n` : formatSummary(result));
        if (result.reason === 'interrupted') process.exitCode = 130;
      } finally {
        reporter.stop();
        interrupt.dispose();
      }
    });
}

/** Stage lines around the trainers' progress bars. */
function pipelineListener(reporter: ReturnType<typeof createProgressReporter>, json: boolean, writeErr: (text: string) => void): (event: PipelineEvent) => void {
  return (event) => {
    if (json) {
      writeErr(`${JSON.stringify(event)}\n`);
      return;
    }
    switch (event.type) {
      case 'stage-start':
        writeErr(`${pc.bold(`[${event.index}/${event.total}] ${event.stage}`)} ${pc.dim(`(${event.elapsedSeconds.toFixed(0)} s elapsed)`)}\n`);
        break;
      case 'stage-end':
        writeErr(event.skipped ? `  ${pc.dim('finished in an earlier run: skipped')}\n` : `  ${pc.green('done')} in ${event.seconds.toFixed(1)} s\n`);
        break;
      case 'log':
        writeErr(`  ${event.message}\n`);
        break;
      default:
        reporter(event);
    }
  };
}

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

function formatWinRate(win: PipelineWinRate): string {
  return `  ${`${win.a} vs ${win.b}`.padEnd(26)} ${percent(win.rate).padStart(6)}  [${percent(win.ciLow)}, ${percent(win.ciHigh)}]  n=${win.n}  (${win.judge}${win.decoding === 'greedy' ? ', greedy' : ''})`;
}

/** The human-readable end of a run. */
function formatSummary(result: PipelineResult): string {
  if (result.reason === 'interrupted' || !result.report) {
    return `interrupted: checkpoints are in ${result.runDirectory}; run the same command again to resume\n`;
  }
  const { report } = result;
  const lines = [
    `report: ${result.files!.html}`,
    `engine: ${report.engine}`,
    `time: ${report.totalSeconds.toFixed(0)} s (${Object.entries(report.stages).map(([stage, seconds]) => `${stage} ${seconds.toFixed(0)}`).join(', ')})`,
    `reward model: validation accuracy ${percent(report.rmAccuracy.validation)} (${report.rmAccuracy.pairs} pairs)`,
    'win rates (95% Wilson interval):',
    ...report.winRates.map(formatWinRate),
    `mean gold score: ${Object.entries(report.meanGoldScore).map(([model, score]) => `${model} ${score.toFixed(3)}`).join(', ')}`,
    `alignment tax (perplexity, multiple choice): ${Object.entries(report.alignmentTax).map(([model, tax]) => `${model} ${tax.perplexity.toFixed(2)} / ${percent(tax.multipleChoiceAccuracy)}`).join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

function summaryOf(result: PipelineResult, settings: PipelineSettings): Record<string, unknown> {
  return {
    reason: result.reason,
    name: settings.name,
    runDirectory: result.runDirectory,
    report: result.files?.json ?? null,
    html: result.files?.html ?? null,
    ...(result.report ? { stages: result.report.stages, winRates: result.report.winRates.map(({ byFamily: _byFamily, ...win }) => win) } : {}),
  };
}
