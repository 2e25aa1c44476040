import type { LanguageModelTrainingResult, LanguageModelTrainingSettings } from './train-language-model';
import { trainLanguageModel } from './train-language-model';
import { tokenizeRecord } from './language-modeling-example';

/** Settings of {@link pretrain}. */
export interface PretrainSettings extends Omit<LanguageModelTrainingSettings, 'validation'> {
  /** Documents of the corpus; each gets EOS appended and every token is a target. */
  readonly texts: readonly string[];
  /** Held-out documents for validation loss. Default: none. */
  readonly validationTexts?: readonly string[];
}

/**
 * Plain language-model training on a text corpus (the base model of the embedded task): loss
 * on every token. Shares the loop, checkpoints, resume and export of {@link sft}; `packing`
 * is the usual choice here.
 *
 * @example
 * ```ts
 * await pretrain({ model, tokenizer, texts: corpus, packing: true, epochs: 4, runDirectory: 'runs/base' });
 * ```
 */
export async function pretrain(settings: PretrainSettings): Promise<LanguageModelTrainingResult> {
  const train = settings.texts.map((text) => tokenizeRecord(settings.tokenizer, { text }));
  return trainLanguageModel('pretrain', train, {
    ...settings,
    ...(settings.validationTexts ? { validation: settings.validationTexts.map((text) => ({ text })) } : {}),
  });
}
