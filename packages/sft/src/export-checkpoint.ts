import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { toHuggingFaceConfig, writeFileAtomic, writeSafetensors, type NamedTensors, type TrainableModelV1, type TransformerConfig } from '@instructkit/core';
import type { SftTokenizer } from './sft-tokenizer';

/** Settings of {@link exportCheckpoint}. */
export interface ExportCheckpointSettings {
  /** The model whose current parameters are written. */
  readonly model: Pick<TrainableModelV1, 'doGetParameters'> & { readonly config: TransformerConfig };
  /** Directory to write into (created if missing). */
  readonly directory: string;
  /** Written as `tokenizer.json` when it can serialize itself. Default: none. */
  readonly tokenizer?: Pick<SftTokenizer, 'toTokenizerJson'>;
  /** Keys merged into `config.json`, e.g. `{ architectures: ['GPT2ForSequenceClassification'], num_labels: 1 }`. Default: none. */
  readonly extraConfig?: Readonly<Record<string, unknown>>;
}

/**
 * Writes a model in the Hugging Face layout that `transformers`, `@instructkit/tfjs` and
 * `@instructkit/onnx` load: `config.json`, `model.safetensors` (GPT-2 trunk weights under
 * `transformer.`, as `transformers` names them) and, when available, `tokenizer.json`.
 * Each file is written atomically.
 */
export async function exportCheckpoint(settings: ExportCheckpointSettings): Promise<void> {
  await mkdir(settings.directory, { recursive: true });
  const config = toHuggingFaceConfig(settings.model.config, settings.extraConfig ?? {});
  await writeFileAtomic(path.join(settings.directory, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const parameters = await settings.model.doGetParameters();
  let tensors: NamedTensors = parameters;
  if (settings.model.config.architecture === 'gpt2') {
    // transformers' GPT2LMHeadModel / GPT2ForSequenceClassification keep heads at the top level.
    tensors = new Map([...parameters].map(([name, tensor]) => [name === 'lm_head.weight' || name.startsWith('score.') || name.startsWith('transformer.') ? name : `transformer.${name}`, tensor]));
  }
  await writeSafetensors(path.join(settings.directory, 'model.safetensors'), tensors, { format: 'pt' });
  const tokenizerJson = settings.tokenizer?.toTokenizerJson?.();
  if (tokenizerJson !== undefined) await writeFileAtomic(path.join(settings.directory, 'tokenizer.json'), tokenizerJson);
}
