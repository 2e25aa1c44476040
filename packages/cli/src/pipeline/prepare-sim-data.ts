import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@instructkit/core';
import { cleanPrompts, promptText, ranksOf, type CleanPromptsReport, type Prompt } from '@instructkit/data';
import { buildSimDataset, type SimulatedLabeler } from '@instructkit/sim';
import type { PipelineSettings } from './pipeline-config';

/** How every model sees a prompt: the sim task's few-shot query format, so the prompted base model and the tuned models share it. */
export const PROMPT_TEMPLATE = 'Instruction: {prompt}\nResponse:';

/** Put between the rendered prompt and a completion. */
export const COMPLETION_PREFIX = ' ';

/** A prompt of the test split, with its task family (for the per-family win rates). */
export interface EvaluationPrompt {
  /** The scrubbed prompt text, as the user wrote it. */
  readonly text: string;
  /** The sim task family (`reverse-words`, `passage-qa`, …). */
  readonly family: string;
}

/** A ranking of K completions of a rendered prompt (rank 0 is best; ties share a rank). */
export interface PreparedRanking {
  readonly prompt: string;
  readonly completions: string[];
  readonly ranks: number[];
  readonly labelerId: string;
}

/** The data every later stage reads, after hygiene, as `data/prepared.json`. */
export interface PreparedData {
  /** Demonstrations of training users: rendered prompt and completion (with its leading space). */
  readonly sftTrain: { prompt: string; completion: string }[];
  /** Demonstrations of validation users. */
  readonly sftValid: { prompt: string; completion: string }[];
  /** Rankings of training users. */
  readonly rankingsTrain: PreparedRanking[];
  /** Rankings of validation users. */
  readonly rankingsValid: PreparedRanking[];
  /** Rendered training prompts PPO samples from (the `ppo` stage's prompts, as InstructGPT kept a separate set). */
  readonly ppoPrompts: string[];
  /** Test prompts: users seen in no training stage. */
  readonly test: EvaluationPrompt[];
  /** Pretraining paragraphs. */
  readonly pretrain: string[];
  /** Held-out pretraining paragraphs. */
  readonly pretrainValid: string[];
  /** What the hygiene steps did. */
  readonly hygiene: CleanPromptsReport;
  /** The simulated labelers who wrote the labels (they rank the SFT model's samples in the `rm` stage). */
  readonly labelers: readonly SimulatedLabeler[];
}

/** Renders a raw prompt with {@link PROMPT_TEMPLATE}. */
export function renderPrompt(prompt: string): string {
  return PROMPT_TEMPLATE.replace('{prompt}', prompt);
}

/** Undoes {@link renderPrompt} (the gold judge reads raw prompts; it ignores the wrapper anyway). */
export function unrenderPrompt(rendered: string): string {
  const [before = '', after = ''] = PROMPT_TEMPLATE.split('{prompt}');
  return rendered.startsWith(before) && rendered.endsWith(after) ? rendered.slice(before.length, rendered.length - after.length) : rendered;
}

/**
 * Generates the seeded sim data set and runs InstructGPT's prompt hygiene on it (§3.2):
 * PII scrubbing, prefix deduplication, a per-user cap and a split by user (80/10/10), then
 * attaches the labels (demonstrations, rankings) to the prompts that survived. Writes the
 * result to `<directory>/prepared.json` and returns it.
 */
export async function prepareSimData(settings: PipelineSettings, directory: string): Promise<PreparedData> {
  const dataset = buildSimDataset({
    seed: settings.seed,
    counts: {
      prompts: settings.data.prompts,
      pretrainParagraphs: settings.data.pretrainParagraphs,
      pretrainValidParagraphs: settings.data.pretrainValidParagraphs,
    },
  });
  const splits = [dataset.splits.train, dataset.splits.valid, dataset.splits.test];
  const allPrompts: Prompt[] = splits.flatMap((split) => split.prompts);
  const cleaned = cleanPrompts(allPrompts, {
    prefixLength: settings.data.dedupePrefixLength,
    maxPerUser: settings.data.maxPerUser,
    seed: settings.seed,
  });
  const demonstrations = new Map(splits.flatMap((split) => split.demonstrations).map((record) => [record.promptId, record]));
  const rankings = new Map(splits.flatMap((split) => split.rankings).map((record) => [record.promptId, record]));

  const sftOf = (prompts: readonly Prompt[]) =>
    prompts.flatMap((prompt) => {
      const demonstration = demonstrations.get(prompt.id);
      return demonstration ? [{ prompt: renderPrompt(promptText(prompt)), completion: `${COMPLETION_PREFIX}${demonstration.completion}` }] : [];
    });
  const rankingsOf = (prompts: readonly Prompt[]) =>
    prompts.flatMap((prompt): PreparedRanking[] => {
      const ranking = rankings.get(prompt.id);
      if (!ranking) return [];
      return [
        {
          prompt: renderPrompt(promptText(prompt)),
          completions: ranking.completions.map((completion) => `${COMPLETION_PREFIX}${completion.text}`),
          ranks: ranksOf(ranking),
          labelerId: ranking.labelerId,
        },
      ];
    });
  // Labels follow the re-split: a sim `valid`/`test` prompt whose user lands in `train` is training data now.
  const stageOf = (prompt: Prompt) => (prompt.meta?.['stage'] as string | undefined) ?? 'all';
  const prepared: PreparedData = {
    sftTrain: sftOf(cleaned.train.filter((prompt) => stageOf(prompt) !== 'ppo')),
    sftValid: sftOf(cleaned.valid),
    rankingsTrain: rankingsOf(cleaned.train.filter((prompt) => stageOf(prompt) !== 'ppo')),
    rankingsValid: rankingsOf(cleaned.valid),
    ppoPrompts: cleaned.train.filter((prompt) => stageOf(prompt) === 'ppo' || stageOf(prompt) === 'all').map((prompt) => renderPrompt(promptText(prompt))),
    test: cleaned.test.map((prompt) => ({ text: promptText(prompt), family: String(prompt.meta?.['family'] ?? 'unknown') })),
    pretrain: paragraphs(dataset.pretrain),
    pretrainValid: paragraphs(dataset.pretrainValid),
    hygiene: cleaned.report,
    labelers: dataset.manifest.labelers,
  };
  await mkdir(directory, { recursive: true });
  await writeFileAtomic(path.join(directory, 'prepared.json'), JSON.stringify(prepared));
  await writeFileAtomic(path.join(directory, 'pretrain.txt'), dataset.pretrain);
  await writeFileAtomic(path.join(directory, 'manifest.json'), `${JSON.stringify({ ...dataset.manifest, hygiene: cleaned.report }, null, 2)}\n`);
  return prepared;
}

/** Paragraphs of a corpus (separated by blank lines). */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0);
}
