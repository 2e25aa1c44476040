import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointError, InvalidArgumentError, InvalidFileError } from './errors';
import { createJsonlMetricsSink, type JsonlMetricsSink } from './metrics-jsonl';
import { writeFileAtomic } from './write-file-atomic';

/** A `step-<N>` checkpoint found in a run directory. */
export interface CheckpointEntry {
  /** Optimizer step the checkpoint was taken after. */
  readonly step: number;
  /** Directory name, e.g. `step-000120`. */
  readonly name: string;
  /** Absolute or root-relative path of the directory. */
  readonly directory: string;
}

/**
 * The on-disk layout of one training run:
 * ```
 * <root>/config.json            the run's settings (written once, atomically)
 * <root>/metrics.jsonl          one line per logged step (appended)
 * <root>/checkpoints/step-000120/   one directory per saved step
 * <root>/checkpoints/latest     text file naming the newest complete step directory
 * <root>/checkpoints/best/      the best checkpoint by an evaluation metric
 * <root>/checkpoints/final/     the checkpoint at the end of the run
 * ```
 * `latest` is rewritten atomically only after its checkpoint is complete, so a crash
 * mid-save leaves the previous one in charge.
 */
export interface RunDirectory {
  /** The run's root directory. */
  readonly root: string;
  /** `<root>/config.json`. */
  readonly configFile: string;
  /** `<root>/metrics.jsonl`. */
  readonly metricsFile: string;
  /** `<root>/checkpoints`. */
  readonly checkpointsDirectory: string;
  /** `<root>/checkpoints/best`. */
  readonly bestDirectory: string;
  /** `<root>/checkpoints/final`. */
  readonly finalDirectory: string;
  /** `<root>/checkpoints/step-000120` for step 120 (not created). */
  checkpointDirectory(step: number): string;
  /** Writes `config.json` (pretty JSON) atomically. */
  writeConfig(config: unknown): Promise<void>;
  /** Parsed `config.json`, or undefined when absent. @throws {InvalidFileError} when it is not JSON. */
  readConfig(): Promise<unknown>;
  /** Points `checkpoints/latest` at the step's directory (atomic). Call after the checkpoint is complete. */
  markLatest(step: number): Promise<void>;
  /**
   * The checkpoint `latest` names, or undefined when there is none.
   * @throws {CheckpointError} when `latest` names a missing directory.
   */
  latestCheckpoint(): Promise<CheckpointEntry | undefined>;
  /** Every `step-<N>` directory, oldest first (unpadded names such as `step-4` are accepted). */
  listCheckpoints(): Promise<CheckpointEntry[]>;
  /** A JSONL sink appending to `metrics.jsonl`. */
  createMetricsSink(): JsonlMetricsSink;
}

const STEP_DIRECTORY = /^step-(\d+)$/;

/**
 * Directory name of a step checkpoint: `step-` and the step zero-padded to 6 digits,
 * so names sort in step order.
 *
 * @param step - Non-negative integer.
 * @example checkpointDirectoryName(120); // 'step-000120'
 */
export function checkpointDirectoryName(step: number): string {
  if (!Number.isInteger(step) || step < 0) throw new InvalidArgumentError('step', `must be a non-negative integer, got ${step}`);
  return `step-${String(step).padStart(6, '0')}`;
}

/**
 * Opens (creating if needed) a run directory with the layout of `RunDirectory`.
 *
 * @param root - The run's directory, e.g. `runs/sft-2024-06-01`.
 * @example
 * const run = await openRunDirectory('runs/sft');
 * await run.writeConfig(settings);
 * const sink = run.createMetricsSink();
 * // … save a checkpoint into run.checkpointDirectory(120), then:
 * await run.markLatest(120);
 */
export async function openRunDirectory(root: string): Promise<RunDirectory> {
  const checkpointsDirectory = path.join(root, 'checkpoints');
  await mkdir(checkpointsDirectory, { recursive: true });
  const configFile = path.join(root, 'config.json');
  const latestFile = path.join(checkpointsDirectory, 'latest');

  const listCheckpoints = async (): Promise<CheckpointEntry[]> => {
    const names = await readdir(checkpointsDirectory, { withFileTypes: true });
    return names
      .filter((entry) => entry.isDirectory() && STEP_DIRECTORY.test(entry.name))
      .map((entry) => ({ step: Number(STEP_DIRECTORY.exec(entry.name)![1]), name: entry.name, directory: path.join(checkpointsDirectory, entry.name) }))
      .sort((first, second) => first.step - second.step);
  };

  return {
    root,
    configFile,
    metricsFile: path.join(root, 'metrics.jsonl'),
    checkpointsDirectory,
    bestDirectory: path.join(checkpointsDirectory, 'best'),
    finalDirectory: path.join(checkpointsDirectory, 'final'),
    checkpointDirectory: (step) => path.join(checkpointsDirectory, checkpointDirectoryName(step)),
    writeConfig: (config) => writeFileAtomic(configFile, `${JSON.stringify(config, null, 2)}\n`),
    async readConfig() {
      let text: string;
      try {
        text = await readFile(configFile, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new InvalidFileError(configFile, `is not valid JSON (${(error as Error).message})`, { cause: error });
      }
    },
    markLatest: (step) => writeFileAtomic(latestFile, `${checkpointDirectoryName(step)}\n`),
    async latestCheckpoint() {
      let name: string;
      try {
        name = (await readFile(latestFile, 'utf8')).trim();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      const match = STEP_DIRECTORY.exec(name);
      if (!match) throw new CheckpointError(latestFile, `names "${name}", which is not a step-<N> directory`);
      const entry = (await listCheckpoints()).find((candidate) => candidate.name === name);
      if (!entry) throw new CheckpointError(latestFile, `names "${name}" but ${path.join(checkpointsDirectory, name)} does not exist; delete ${latestFile} to start over`);
      return entry;
    },
    listCheckpoints,
    createMetricsSink: () => createJsonlMetricsSink(path.join(root, 'metrics.jsonl')),
  };
}
