import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  InvalidFileError,
  toHuggingFaceConfig,
  writeFileAtomic,
  writeSafetensors,
  type NamedTensors,
  type ScalarModelV1,
  type TrainableModelV1,
} from '@instructkit/core';
import type { RewardNormalization } from './create-reward-model';

/** File beside the weights holding `{ gain, bias }` of the reward. */
export const REWARD_NORMALIZATION_FILE = 'reward-normalization.json';

/** Settings of {@link exportRewardModel}. */
export interface ExportRewardModelSettings {
  /** The trained reward model. */
  readonly model: Pick<TrainableModelV1, 'doGetParameters'> & Pick<ScalarModelV1, 'config'>;
  /** Directory to write (created if missing). */
  readonly directory: string;
  /** Written as `tokenizer.json` when given. Default: none. */
  readonly tokenizer?: { toTokenizerJson?(): string };
  /** Written as `reward-normalization.json` when given. Default: none. */
  readonly normalization?: RewardNormalization;
}

/**
 * Writes a reward model in Hugging Face layout — `config.json` as
 * `GPT2ForSequenceClassification` with `num_labels: 1`, `model.safetensors` (trunk under
 * `transformer.`, head `score.weight`), `tokenizer.json` — plus its normalization. Each file atomically.
 */
export async function exportRewardModel(settings: ExportRewardModelSettings): Promise<void> {
  const { model, directory } = settings;
  await mkdir(directory, { recursive: true });
  const extra =
    model.config.architecture === 'gpt2'
      ? { architectures: ['GPT2ForSequenceClassification'], num_labels: 1, pad_token_id: model.config.padTokenId ?? model.config.eosTokenId }
      : { architectures: ['LlamaForSequenceClassification'], num_labels: 1 };
  await writeFileAtomic(path.join(directory, 'config.json'), `${JSON.stringify(toHuggingFaceConfig(model.config, extra), null, 2)}\n`);
  const parameters = await model.doGetParameters();
  const prefix = model.config.architecture === 'gpt2' ? 'transformer.' : 'model.';
  const tensors: NamedTensors = new Map(
    [...parameters].map(([name, tensor]) => [name.startsWith('score.') || name.startsWith(prefix) ? name : `${prefix}${name}`, tensor]),
  );
  await writeSafetensors(path.join(directory, 'model.safetensors'), tensors, { format: 'pt' });
  const tokenizerJson = settings.tokenizer?.toTokenizerJson?.();
  if (tokenizerJson !== undefined) await writeFileAtomic(path.join(directory, 'tokenizer.json'), tokenizerJson);
  if (settings.normalization) {
    await writeFileAtomic(path.join(directory, REWARD_NORMALIZATION_FILE), `${JSON.stringify(settings.normalization, null, 2)}\n`);
  }
}

/**
 * Reads `reward-normalization.json` of an exported reward model; `{ gain: 1, bias: 0 }` when absent.
 *
 * @throws InvalidFileError when the file exists but is not `{ "gain": number, "bias": number }`.
 */
export async function readRewardNormalization(directory: string): Promise<RewardNormalization> {
  const file = path.join(directory, REWARD_NORMALIZATION_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { gain: 1, bias: 0 };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidFileError(file, `is not JSON (${(error as Error).message})`, { cause: error });
  }
  const { gain, bias } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof gain !== 'number' || !Number.isFinite(gain)) throw new InvalidFileError(file, `gain: expected a finite number, got ${JSON.stringify(gain)}`);
  if (typeof bias !== 'number' || !Number.isFinite(bias)) throw new InvalidFileError(file, `bias: expected a finite number, got ${JSON.stringify(bias)}`);
  return { gain, bias };
}
