import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstructKitError, InvalidRecordError } from '@instructkit/core';
import { loadConfigFile } from '../src/shared/config-file';
import { PipelineConfigFile, pipelinePreset, resolvePipelineSettings } from '../src/pipeline/pipeline-config';
import type { PipelineReport } from '../src/pipeline/build-pipeline-report';
import { PIPELINE_STAGES, runPipeline, type PipelineEvent } from '../src/pipeline/run-pipeline';

const MODELS = ['base', 'base-prompted', 'sft', 'ppo', 'ppo-ptx'];
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'instructkit-pipeline-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const isProbability = (value: number) => Number.isFinite(value) && value >= 0 && value <= 1;

describe('runPipeline (quick preset)', () => {
  let report: PipelineReport;
  const events: PipelineEvent[] = [];

  it('runs every stage end to end and writes report.json and report.html', async () => {
    const settings = { ...pipelinePreset('quick'), runsDirectory: directory };
    const result = await runPipeline(settings, { onEvent: (event) => events.push(event) });
    expect(result.reason).toBe('completed');
    report = JSON.parse(await readFile(path.join(result.runDirectory, 'report.json'), 'utf8')) as PipelineReport;
    const html = await readFile(path.join(result.runDirectory, 'report.html'), 'utf8');
    expect(html).toContain('<html');
    expect(html).not.toMatch(/<script src=|<link [^>]*href="http/);
    expect(events.filter((event) => event.type === 'stage-end').map((event) => (event as { stage: string }).stage)).toEqual([...PIPELINE_STAGES]);
    expect(events.some((event) => event.type === 'step-end')).toBe(true);
  }, 180_000);

  it('trains on the compiled ONNX engine and generates on onnxruntime where it is installed', () => {
    expect(report.engine).toBe('onnx');
    // The rollouts came from onnxruntime and matched the training engine's log-probs of the same tokens.
    expect(events.some((event) => event.type === 'step-end' && typeof event.metrics['logprob_mismatch'] === 'number' && event.metrics['logprob_mismatch'] < 1e-3)).toBe(true);
  });

  it('times every stage', () => {
    expect(Object.keys(report.stages)).toEqual([...PIPELINE_STAGES]);
    for (const seconds of Object.values(report.stages)) expect(seconds).toBeGreaterThanOrEqual(0);
    expect(report.totalSeconds).toBeGreaterThan(0);
  });

  it('reports gold-judge win rates with Wilson intervals and a per-family breakdown', () => {
    const gold = report.winRates.filter((win) => win.judge === 'sim-gold');
    expect(gold.map((win) => `${win.a}/${win.b}`)).toEqual(expect.arrayContaining(['sft/base', 'sft/base-prompted', 'ppo/sft', 'ppo-ptx/sft', 'ppo/base-prompted']));
    for (const win of gold) {
      expect(isProbability(win.rate)).toBe(true);
      expect(win.ciLow).toBeLessThanOrEqual(win.rate);
      expect(win.ciHigh).toBeGreaterThanOrEqual(win.rate);
      expect(win.n).toBe(report.settings.eval.prompts);
      // Sampled answers: samplesPerPrompt per prompt, intervals bootstrapped over prompts; greedy: one each, Wilson.
      expect(win.samplesPerPrompt).toBe(win.decoding === 'sampled' ? report.settings.eval.samplesPerPrompt : 1);
      expect(win.interval).toBe(win.samplesPerPrompt > 1 ? 'cluster-bootstrap' : 'wilson');
      expect(win.comparisons).toBe(win.n * win.samplesPerPrompt);
      expect(win.wins + win.ties + win.losses).toBe(win.comparisons);
      const familyTotal = Object.values(win.byFamily).reduce((sum, family) => sum + family.n, 0);
      expect(familyTotal).toBe(win.comparisons);
    }
  });

  it('reports the reward model, Likert, truthfulness, toxicity, hallucination and the alignment tax per model', () => {
    expect(isProbability(report.rmAccuracy.validation)).toBe(true);
    expect(report.rmAccuracy.pairs).toBeGreaterThan(0);
    expect(Object.keys(report.likert)).toEqual(MODELS);
    for (const model of MODELS) {
      expect(report.likert[model]!.mean).toBeGreaterThanOrEqual(1);
      expect(report.likert[model]!.mean).toBeLessThanOrEqual(7);
      expect(report.likert[model]!.histogram.reduce((sum, count) => sum + count, 0)).toBe(report.settings.eval.prompts);
      expect(isProbability(report.truthfulness[model]!.mc1)).toBe(true);
      expect(isProbability(report.truthfulness[model]!.mc2)).toBe(true);
      expect(isProbability(report.meanGoldScore[model]!)).toBe(true);
      const hallucination = report.hallucination[model]!;
      if (hallucination.n > 0) expect(isProbability(hallucination.rate)).toBe(true);
    }
    for (const variants of Object.values(report.toxicity)) {
      for (const result of Object.values(variants)) expect(isProbability(result.expectedMaxToxicity)).toBe(true);
    }
    // The prompted base model shares the base model's weights: its alignment tax is the base model's.
    expect(Object.keys(report.alignmentTax)).toEqual(['base', 'sft', 'ppo', 'ppo-ptx']);
    for (const tax of Object.values(report.alignmentTax)) {
      expect(tax.perplexity).toBeGreaterThan(1);
      expect(tax.perplexity).toBeLessThan(report.settings.tokenizer.vocabSize * 2);
      expect(isProbability(tax.multipleChoiceAccuracy)).toBe(true);
    }
  });

  it('draws training curves and the gold-vs-proxy curve', () => {
    const titles = report.curves.map((curve) => curve.title);
    expect(titles).toEqual(expect.arrayContaining(['SFT loss', 'Reward model accuracy', 'PPO reward (proxy RM)', 'Gold vs proxy reward against KL']));
    const goldVsProxy = report.curves.find((curve) => curve.title === 'Gold vs proxy reward against KL')!;
    expect(goldVsProxy.series.map((series) => series.name)).toEqual(expect.arrayContaining(['PPO proxy (RM)', 'PPO gold']));
    for (const series of goldVsProxy.series) expect(series.x.length).toBe(report.settings.ppo.iterations);
  });

  it('skips every finished stage when run again', async () => {
    const rerun: PipelineEvent[] = [];
    const result = await runPipeline({ ...pipelinePreset('quick'), runsDirectory: directory }, { onEvent: (event) => rerun.push(event) });
    expect(result.reason).toBe('completed');
    const ends = rerun.filter((event): event is Extract<PipelineEvent, { type: 'stage-end' }> => event.type === 'stage-end');
    expect(ends.filter((event) => event.stage !== 'report').every((event) => event.skipped)).toBe(true);
    expect(rerun.some((event) => event.type === 'step-end')).toBe(false);
  }, 60_000);

  it('reruns only the stages whose settings changed, and everything after them', async () => {
    const events: PipelineEvent[] = [];
    const quick = pipelinePreset('quick');
    const changed = { ...quick, runsDirectory: directory, ppo: { ...quick.ppo, iterations: 1 } };
    const result = await runPipeline(changed, { onEvent: (event) => events.push(event) });
    const ends = events.filter((event): event is Extract<PipelineEvent, { type: 'stage-end' }> => event.type === 'stage-end');
    expect(ends.filter((event) => event.skipped).map((event) => event.stage)).toEqual(['data', 'tokenizer', 'base', 'sft', 'rm']);
    expect(ends.filter((event) => !event.skipped).map((event) => event.stage)).toEqual(['ppo', 'ppo-ptx', 'eval', 'report']);
    const report = JSON.parse(await readFile(path.join(result.runDirectory, 'report.json'), 'utf8')) as PipelineReport;
    expect(report.settings.ppo.iterations).toBe(1);
  }, 120_000);
});

describe('runPipeline on the tfjs engine', () => {
  it('runs the same stages with TensorFlow.js models and reports the engine', async () => {
    const settings = { ...pipelinePreset('quick'), name: 'tfjs', engine: 'tfjs' as const, runsDirectory: directory };
    const result = await runPipeline(settings);
    expect(result.reason).toBe('completed');
    expect(result.report!.engine).toBe('tfjs');
    expect(result.report!.winRates.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('runPipeline interrupted', () => {
  it('returns interrupted and resumes the unfinished stage on the next run', async () => {
    const settings = { ...pipelinePreset('quick'), name: 'interrupted', runsDirectory: directory };
    const controller = new AbortController();
    const first = await runPipeline(settings, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'step-end' && event.stage === 'pretrain' && event.step === 2) controller.abort(new Error('interrupted by test'));
      },
    });
    expect(first.reason).toBe('interrupted');
    const state = JSON.parse(await readFile(path.join(first.runDirectory, 'pipeline-state.json'), 'utf8')) as { done: string[] };
    expect(state.done).toEqual(['data', 'tokenizer']);
    expect(existsSync(path.join(first.runDirectory, 'base', 'checkpoints'))).toBe(true);
    const resumed: PipelineEvent[] = [];
    // Resume only the base stage: abort as soon as SFT starts.
    const second = new AbortController();
    await runPipeline(settings, {
      signal: second.signal,
      onEvent: (event) => {
        resumed.push(event);
        if (event.type === 'run-start' && event.stage === 'sft') second.abort(new Error('interrupted by test'));
      },
    });
    const pretrainStart = resumed.find((event): event is Extract<PipelineEvent, { type: 'run-start' }> => event.type === 'run-start' && event.stage === 'pretrain');
    expect(pretrainStart?.startStep).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

describe('pipeline config files', () => {
  it('merges a file over its preset', async () => {
    const file = path.join(directory, 'pipeline.yaml');
    await writeFile(file, 'preset: quick\nname: custom\nppo:\n  iterations: 3\n');
    const settings = resolvePipelineSettings(await loadConfigFile(file, PipelineConfigFile));
    expect(settings.name).toBe('custom');
    expect(settings.ppo.iterations).toBe(3);
    expect(settings.ppo.rolloutBatchSize).toBe(pipelinePreset('quick').ppo.rolloutBatchSize);
  });

  it('names the file, line and field of an invalid setting', async () => {
    const file = path.join(directory, 'bad.yaml');
    await writeFile(file, 'preset: quick\nppo:\n  iterations: 3\n  learningRate: -1\n');
    const error = await loadConfigFile(file, PipelineConfigFile).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as InstructKitError).message).toMatch(/bad\.yaml:4: ppo\.learningRate/);
  });

  it('rejects an unknown setting at its line', async () => {
    const file = path.join(directory, 'typo.yaml');
    await writeFile(file, 'preset: quick\nsft:\n  epoch: 3\n');
    await expect(loadConfigFile(file, PipelineConfigFile)).rejects.toThrow(/typo\.yaml:3: sft\.epoch: unknown setting/);
  });
});
