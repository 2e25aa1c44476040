import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSimDataset, type SimDatasetManifest, type SimDatasetOptions, type SimSplit } from './build-sim-dataset';

/** Options of {@link generateSimDataset}. */
export interface GenerateSimDatasetOptions extends SimDatasetOptions {
  /** Directory to write into (created if missing; existing files of the same names are replaced). */
  readonly outDir: string;
}

/** What {@link generateSimDataset} wrote. */
export interface GeneratedSimDataset {
  /** Paths written, relative to `outDir`, in writing order. */
  readonly files: readonly string[];
  /** The manifest (also written as `manifest.json`). */
  readonly manifest: SimDatasetManifest;
}

function jsonl(records: readonly unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

/**
 * Generates the sim data set and writes it:
 * `{train,valid,test}/{prompts,demonstrations,rankings,ratings}.jsonl` in the
 * `@instructkit/data` formats, `pretrain.txt`, `pretrain-valid.txt` and
 * `manifest.json`. Same options → same bytes.
 *
 * @throws InvalidArgumentError for counts or fractions out of range.
 * @example
 * ```ts
 * await generateSimDataset({ seed: 1, outDir: 'data/sim', counts: { prompts: 3000 } });
 * ```
 */
export async function generateSimDataset(options: GenerateSimDatasetOptions): Promise<GeneratedSimDataset> {
  const dataset = buildSimDataset(options);
  const files: [string, string][] = [];
  for (const split of ['train', 'valid', 'test'] as SimSplit[]) {
    const records = dataset.splits[split];
    files.push([`${split}/prompts.jsonl`, jsonl(records.prompts)]);
    files.push([`${split}/demonstrations.jsonl`, jsonl(records.demonstrations)]);
    files.push([`${split}/rankings.jsonl`, jsonl(records.rankings)]);
    files.push([`${split}/ratings.jsonl`, jsonl(records.ratings)]);
  }
  files.push(['pretrain.txt', dataset.pretrain]);
  files.push(['pretrain-valid.txt', dataset.pretrainValid]);
  files.push(['manifest.json', `${JSON.stringify(dataset.manifest, null, 2)}\n`]);
  for (const [relative, content] of files) {
    const target = path.join(options.outDir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content, 'utf8');
  }
  return { files: files.map(([relative]) => relative), manifest: dataset.manifest };
}
