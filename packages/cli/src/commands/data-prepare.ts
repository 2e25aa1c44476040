import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  cleanPrompts,
  Demonstration,
  Prompt,
  Ranking,
  Rating,
  readRecordEntries,
  writeRecords,
  type CleanPromptsReport,
  type RejectedRecord,
} from '@instructkit/data';

/** The label kinds `data prepare` joins to prompts, with their schemas. */
const LABEL_KINDS = { demonstrations: Demonstration, rankings: Ranking, ratings: Rating } as const;

/** A label kind of `data prepare`. */
export type LabelKind = keyof typeof LABEL_KINDS;

/** Settings of {@link prepareDataset}. */
export interface PrepareDatasetSettings {
  /** Prompt files (JSONL / JSON, optionally .gz). */
  readonly prompts: readonly string[];
  /** Label files per kind; each label names its prompt by `promptId`. Default: none. */
  readonly labels?: Partial<Record<LabelKind, readonly string[]>>;
  /** Output directory. */
  readonly out: string;
  /** Hygiene: prompts sharing this many leading characters are duplicates; `false` keeps all. */
  readonly prefixLength: number | false;
  /** Hygiene: most prompts kept per user; `false`: no cap. */
  readonly maxPerUser: number | false;
  /** Hygiene: scrub PII from prompts. */
  readonly scrub: boolean;
  /** Seed of the per-user choice and the split. */
  readonly seed: number;
  /** Shares of prompts per split. */
  readonly fractions: { readonly train: number; readonly valid: number; readonly test: number };
  /** Write invalid lines (bad records, labels of unknown prompts) to `OUT/rejects/<file>.jsonl` and carry on. Default: false. */
  readonly keepRejects?: boolean;
  /** Called with each invalid line, as `FILE:LINE: field: message`. */
  readonly onReject?: (message: string) => void;
}

/** What {@link prepareDataset} did. */
export interface PrepareDatasetReport {
  /** The prompt hygiene's report. */
  readonly hygiene: CleanPromptsReport;
  /** Invalid lines over all files (records that fail their schema, labels of unknown prompts). */
  readonly rejected: number;
  /** Per label kind: labels written per split, and labels of prompts the hygiene removed. */
  readonly labels: Record<string, { train: number; valid: number; test: number; ofRemovedPrompts: number }>;
}

type Split = 'train' | 'valid' | 'test';
const SPLITS: readonly Split[] = ['train', 'valid', 'test'];

/**
 * `instructkit data prepare`: InstructGPT's data preparation in one step — prompt hygiene
 * (PII scrubbing, prefix deduplication, a per-user cap, a split by user so no user's prompts
 * land in two splits; §3.2) and then every label (demonstrations, rankings, ratings) follows
 * its prompt into that prompt's split. Writes `OUT/prompts.jsonl` (every kept prompt, the
 * file `sft`/`rm` read with `prompts:`), `OUT/<split>/<kind>.jsonl` and `OUT/report.json`.
 *
 * A label naming a prompt id that no input file holds is an error at its file and line
 * (`rankings.jsonl:7: promptId: no prompt has id "p-9"`), like any invalid record; labels of
 * prompts the hygiene removed (duplicates, over the cap) are dropped and counted.
 *
 * @returns The report; `rejected > 0` means some input was invalid (kept in `OUT/rejects/` with `keepRejects`).
 */
export async function prepareDataset(settings: PrepareDatasetSettings): Promise<PrepareDatasetReport> {
  await mkdir(settings.out, { recursive: true });
  const rejectsDirectory = path.join(settings.out, 'rejects');
  if (settings.keepRejects) await mkdir(rejectsDirectory, { recursive: true });
  const rejectsFileOf = (file: string) => path.join(rejectsDirectory, `${path.basename(file)}.rejects.jsonl`);
  const onReject = (rejected: RejectedRecord) => settings.onReject?.(rejected.errors.map((error) => error.message).join('; '));
  let rejected = 0;

  const prompts: Prompt[] = [];
  for (const file of settings.prompts) {
    const reader = readRecordEntries(file, Prompt, { rejects: settings.keepRejects ? rejectsFileOf(file) : 'skip', onReject });
    for await (const { record } of reader) prompts.push(record);
    rejected += reader.summary.rejected;
  }
  const known = new Set(prompts.map((prompt) => prompt.id));
  const cleaned = cleanPrompts(prompts, {
    ...(settings.scrub ? {} : { scrub: false as const }),
    prefixLength: settings.prefixLength,
    maxPerUser: settings.maxPerUser,
    fractions: settings.fractions,
    seed: settings.seed,
  });
  const splitOf = new Map<string, Split>();
  for (const split of SPLITS) for (const prompt of cleaned[split]) splitOf.set(prompt.id, split);

  await writeRecords(path.join(settings.out, 'prompts.jsonl'), [...cleaned.train, ...cleaned.valid, ...cleaned.test], { schema: Prompt });
  for (const split of SPLITS) {
    await mkdir(path.join(settings.out, split), { recursive: true });
    await writeRecords(path.join(settings.out, split, 'prompts.jsonl'), cleaned[split], { schema: Prompt });
  }

  const labels: PrepareDatasetReport['labels'] = {};
  for (const [kind, schema] of Object.entries(LABEL_KINDS) as [LabelKind, z.ZodType<{ promptId: string }>][]) {
    const files = settings.labels?.[kind] ?? [];
    if (files.length === 0) continue;
    const bySplit: Record<Split, unknown[]> = { train: [], valid: [], test: [] };
    let ofRemovedPrompts = 0;
    for (const file of files) {
      const unknown: { line: number; raw: unknown; promptId: string }[] = [];
      const reader = readRecordEntries(file, schema, { rejects: settings.keepRejects ? rejectsFileOf(file) : 'skip', onReject });
      for await (const { record, line } of reader) {
        const split = splitOf.get(record.promptId);
        if (split) bySplit[split].push(record);
        else if (known.has(record.promptId)) ofRemovedPrompts++;
        else unknown.push({ line, raw: record, promptId: record.promptId });
      }
      rejected += reader.summary.rejected + unknown.length;
      for (const { line, promptId, raw } of unknown) {
        const message = `${file}:${line}: promptId: no prompt has id ${JSON.stringify(promptId)}`;
        settings.onReject?.(message);
        if (settings.keepRejects) {
          const entry = { file, line, field: 'promptId', reason: `no prompt has id ${JSON.stringify(promptId)}`, raw };
          await writeFile(rejectsFileOf(file), `${JSON.stringify(entry)}\n`, { flag: 'a' });
        }
      }
    }
    for (const split of SPLITS) await writeRecords(path.join(settings.out, split, `${kind}.jsonl`), bySplit[split], { schema });
    labels[kind] = { train: bySplit.train.length, valid: bySplit.valid.length, test: bySplit.test.length, ofRemovedPrompts };
  }

  const report: PrepareDatasetReport = { hygiene: cleaned.report, rejected, labels };
  await writeFile(path.join(settings.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
