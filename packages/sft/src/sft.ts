import { InvalidRecordError } from '@instructkit/core';
import { tokenizeRecord, type SftRecord } from './language-modeling-example';
import type { LanguageModelTrainingResult, LanguageModelTrainingSettings } from './train-language-model';
import { trainLanguageModel } from './train-language-model';

/** Settings of {@link sft}. */
export interface SftSettings extends LanguageModelTrainingSettings {
  /** Demonstrations: `{prompt, completion}` or `{messages}` records (mixing is fine). */
  readonly train: readonly SftRecord[];
  /** Name of the training file, for errors. Default: `train`. */
  readonly trainFile?: string;
}

/**
 * Supervised fine-tuning on demonstrations (InstructGPT §3.5): next-token loss on completion
 * (assistant) tokens only. Evaluates validation loss each epoch, keeps the best checkpoint by
 * the selector (validation loss, or the paper's mean reward-model score of sampled answers),
 * resumes from the run directory, and exports the selected model in Hugging Face layout.
 *
 * @throws InvalidRecordError naming the record when it has no target token.
 * @example
 * ```ts
 * const { exported } = await sft({
 *   model, tokenizer, train, validation, preset: instructgptPreset({ learningRate: 1e-3, epochs: 4 }),
 *   runDirectory: 'runs/sft',
 * });
 * ```
 */
export async function sft(settings: SftSettings): Promise<LanguageModelTrainingResult> {
  const file = settings.trainFile ?? 'train';
  const train = settings.train.map((record, index) => {
    const example = tokenizeRecord(settings.tokenizer, record, `${file}[${index}]`);
    if (!example.targetMask.some((bit) => bit === 1)) {
      throw new InvalidRecordError(file, index + 1, 'messages' in record ? 'messages' : 'completion', 'has no token to train on');
    }
    return example;
  });
  return trainLanguageModel('sft', train, settings);
}
