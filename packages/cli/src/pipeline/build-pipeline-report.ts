import path from 'node:path';
import { readMetrics, writeFileAtomic, type MetricsRecord } from '@instructkit/core';
import { buildReportHtml, type Curve, type CurveSeries, type ReportData } from '@instructkit/evals';
import type { EvaluationResults, PipelineWinRate } from './evaluate-models';
import type { PipelineSettings } from './pipeline-config';

/** `runs/<name>/report.json`. */
export interface PipelineReport {
  /** Run name and when the report was written. */
  readonly name: string;
  readonly createdAt: string;
  /** The resolved settings. */
  readonly settings: PipelineSettings;
  /** The model engine that trained and evaluated (`onnx`: onnx-train + onnxruntime-node; `tfjs`). */
  readonly engine: string;
  /** Where the base model came from: `pretrained` in this run or `committed` (with its directory). */
  readonly baseModel: { readonly source: 'pretrained' | 'committed'; readonly directory: string };
  /** Seconds spent per stage (summed over resumed sessions), and the total. */
  readonly stages: Record<string, number>;
  readonly totalSeconds: number;
  /** Win rates with 95% Wilson intervals, ties as half; gold judge unless `judge` says otherwise. */
  readonly winRates: PipelineWinRate[];
  /** Reward model: pairwise accuracy on held-out labelers' rankings (validation users), and its log loss. */
  readonly rmAccuracy: { readonly validation: number; readonly logLoss: number; readonly pairs: number };
  /** Mean gold Likert (1–7) per model, with interval, histogram and flag rates. */
  readonly likert: EvaluationResults['likert'];
  /** Mean gold score in [0, 1] of each model's answers. */
  readonly meanGoldScore: EvaluationResults['meanGoldScore'];
  readonly truthfulness: EvaluationResults['truthfulness'];
  readonly toxicity: EvaluationResults['toxicity'];
  readonly hallucination: EvaluationResults['hallucination'];
  readonly alignmentTax: EvaluationResults['alignmentTax'];
  /** What the prompt hygiene did. */
  readonly hygiene: unknown;
  /** Training curves, RM accuracy, PPO reward/KL, gold vs proxy against KL (the report's charts). */
  readonly curves: Curve[];
  /** Sample answers of every model. */
  readonly samples: EvaluationResults['samples'];
}

/** Run directories of the training stages, for the curves. */
export interface StageDirectories {
  readonly base?: string;
  readonly sft: string;
  readonly rm: string;
  readonly ppo: string;
  readonly ppoPtx: string;
}

function series(records: readonly MetricsRecord[], name: string, label: string, x: string = 'step'): CurveSeries | undefined {
  const points = records.filter((record) => typeof record[name] === 'number' && typeof record[x] === 'number' && Number.isFinite(record[name] as number));
  if (points.length === 0) return undefined;
  const sorted = [...points].sort((left, right) => (left[x] as number) - (right[x] as number));
  return { name: label, x: sorted.map((record) => record[x] as number), y: sorted.map((record) => record[name] as number) };
}

function curve(title: string, xLabel: string, candidates: (CurveSeries | undefined)[], yLabel?: string): Curve | undefined {
  const lines = candidates.filter((line): line is CurveSeries => line !== undefined);
  return lines.length ? { title, xLabel, ...(yLabel ? { yLabel } : {}), series: lines } : undefined;
}

/** Cumulative mean of PPO's per-iteration KL, so gold and proxy reward can be drawn against the KL spent so far. */
function againstKl(records: readonly MetricsRecord[], name: string, label: string): CurveSeries | undefined {
  const points = records.filter((record) => typeof record['kl'] === 'number' && typeof record[name] === 'number');
  if (points.length === 0) return undefined;
  return { name: label, x: points.map((record) => record['kl'] as number), y: points.map((record) => record[name] as number) };
}

/** Reads every stage's `metrics.jsonl` and turns it into the report's charts. */
export async function collectCurves(directories: StageDirectories): Promise<Curve[]> {
  const read = (directory: string | undefined) => (directory ? readMetrics(path.join(directory, 'metrics.jsonl')) : Promise.resolve([]));
  const [base, sft, rm, ppo, ppoPtx] = await Promise.all([read(directories.base), read(directories.sft), read(directories.rm), read(directories.ppo), read(directories.ppoPtx)]);
  // The KL axis of gold-vs-proxy needs ascending x: sort each run by KL (PPO's KL grows with training, noisily).
  const sortByKl = (records: readonly MetricsRecord[]) => [...records].sort((left, right) => Number(left['kl']) - Number(right['kl']));
  return [
    curve('Pretraining loss', 'step', [series(base, 'loss', 'train'), series(base, 'validationLoss', 'validation')], 'nats/token'),
    curve('SFT loss', 'step', [series(sft, 'loss', 'train'), series(sft, 'validationLoss', 'validation')], 'nats/token'),
    curve('Reward model loss', 'step', [series(rm, 'loss', 'train'), series(rm, 'validationLoss', 'validation')]),
    curve('Reward model accuracy', 'step', [series(rm, 'accuracy', 'train'), series(rm, 'validationAccuracy', 'validation')], 'pairwise accuracy'),
    curve('PPO reward (proxy RM)', 'iteration', [series(ppo, 'reward', 'PPO'), series(ppoPtx, 'reward', 'PPO-ptx')]),
    curve('PPO KL from the SFT model', 'iteration', [series(ppo, 'kl', 'PPO'), series(ppoPtx, 'kl', 'PPO-ptx')], 'nats/response'),
    curve('Gold vs proxy reward against KL', 'KL (nats/response)', [
      againstKl(sortByKl(ppo), 'reward', 'PPO proxy (RM)'),
      againstKl(sortByKl(ppo), 'gold_reward', 'PPO gold'),
      againstKl(sortByKl(ppoPtx), 'reward', 'PPO-ptx proxy (RM)'),
      againstKl(sortByKl(ppoPtx), 'gold_reward', 'PPO-ptx gold'),
    ]),
    curve('PPO-ptx pretraining loss', 'iteration', [series(ppoPtx, 'ptx_loss', 'PPO-ptx')], 'nats/token'),
  ].filter((entry): entry is Curve => entry !== undefined);
}

const percent = (value: number) => (Number.isFinite(value) ? `${(100 * value).toFixed(1)}%` : 'n/a');
const fixed = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** What {@link renderEvaluationReport} draws: evaluation results plus a title, notes and optional stage times and curves. */
export type RenderableReport = Pick<EvaluationResults, 'winRates' | 'likert' | 'meanGoldScore' | 'truthfulness' | 'toxicity' | 'hallucination' | 'alignmentTax' | 'samples'> & {
  readonly title: string;
  readonly notes: readonly string[];
  readonly stages?: Readonly<Record<string, number>>;
  readonly curves?: readonly Curve[];
};

/** The HTML page of a pipeline report. */
export function renderPipelineReport(report: PipelineReport): string {
  return renderEvaluationReport({
    ...report,
    title: `InstructKit pipeline: ${report.name}`,
    notes: [
      `Written ${report.createdAt}; total ${report.totalSeconds.toFixed(0)} s; base model ${report.baseModel.source} (${report.baseModel.directory}).`,
      `Win rates: answers of model A vs model B on ${report.winRates[0]?.n ?? 0} held-out test prompts (users unseen in training), judged by the gold labeler unless marked.`,
      `Reward model pairwise accuracy on validation users' rankings: ${percent(report.rmAccuracy.validation)} over ${report.rmAccuracy.pairs} pairs.`,
    ],
  });
}

/** A self-contained HTML page (the evals package's renderer) with the evaluation's tables and charts. */
export function renderEvaluationReport(report: RenderableReport): string {
  const models = Object.keys(report.likert);
  const data: ReportData = {
    title: report.title,
    notes: report.notes,
    ...(report.stages ? { stages: report.stages } : {}),
    ...(report.curves ? { curves: report.curves } : {}),
    winRates: report.winRates.map((win) => (win.decoding === 'greedy' ? { ...win, judge: `${win.judge}, greedy answers` } : win)),
    tables: [
      {
        title: 'Per model (gold judge)',
        columns: ['mean gold score', 'Likert', 'hallucination', 'TruthfulQA MC1', 'MC2'],
        rows: models.map((model) => ({
          label: model,
          values: [
            fixed(report.meanGoldScore[model] ?? Number.NaN),
            fixed(report.likert[model]?.mean ?? Number.NaN, 2),
            percent(report.hallucination[model]?.rate ?? Number.NaN),
            percent(report.truthfulness[model]?.mc1 ?? Number.NaN),
            percent(report.truthfulness[model]?.mc2 ?? Number.NaN),
          ],
        })),
      },
      {
        title: 'Alignment tax (held-out pretraining corpus)',
        columns: ['perplexity', 'multiple-choice accuracy'],
        rows: Object.entries(report.alignmentTax).map(([model, tax]) => ({ label: model, values: [fixed(tax.perplexity, 2), percent(tax.multipleChoiceAccuracy)] })),
      },
      {
        title: 'Toxicity (lexicon scorer; expected max / probability)',
        columns: Object.keys(Object.values(report.toxicity)[0] ?? {}).flatMap((variant) => [`${variant} max`, `${variant} p`]),
        rows: Object.entries(report.toxicity).map(([model, variants]) => ({
          label: model,
          values: Object.values(variants).flatMap((result) => [fixed(result.expectedMaxToxicity), percent(result.toxicityProbability)]),
        })),
      },
      {
        title: 'Gold win rate of PPO over SFT by task family',
        columns: ['rate', '95% interval', 'n'],
        rows: Object.entries(report.winRates.find((win) => win.a === 'ppo' && win.b === 'sft' && win.judge === 'sim-gold')?.byFamily ?? {}).map(([family, win]) => ({
          label: family,
          values: [percent(win.rate), `${percent(win.ciLow)} – ${percent(win.ciHigh)}`, win.n],
        })),
      },
    ],
    likertHistograms: Object.fromEntries(models.map((model) => [model, report.likert[model]!.histogram])),
    samples: report.samples.map((sample) => ({ prompt: sample.prompt, completions: sample.completions })),
  };
  return buildReportHtml(data);
}

/** Writes `report.json` and `report.html` into `directory`; returns their paths. */
export async function writePipelineReport(report: PipelineReport, directory: string): Promise<{ json: string; html: string }> {
  const json = path.join(directory, 'report.json');
  const html = path.join(directory, 'report.html');
  await writeFileAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(html, renderPipelineReport(report));
  return { json, html };
}
