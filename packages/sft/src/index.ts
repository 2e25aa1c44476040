/**
 * @packageDocumentation
 * Pretraining and supervised fine-tuning (InstructGPT §3.5) on core's engine-neutral
 * contracts: one shared loop, the paper's presets, packing, gradient accumulation,
 * per-epoch evaluation, pluggable best-checkpoint selection, Hugging Face export.
 */
export { sft } from './sft';
export type { SftSettings } from './sft';
export { pretrain } from './pretrain';
export type { PretrainSettings } from './pretrain';
export type { LanguageModelTrainingSettings, LanguageModelTrainingResult, SftModel } from './train-language-model';
export { instructgptPreset, ppoInitPreset } from './sft-preset';
export type { SftPreset, SftPresetOverrides } from './sft-preset';
export { validationLossSelector, rewardModelSelector } from './checkpoint-selector';
export type { CheckpointSelector, RewardModelSelectorSettings } from './checkpoint-selector';
export { tokenizeRecord } from './language-modeling-example';
export type { LanguageModelingExample, SftRecord } from './language-modeling-example';
export { collateExamples, packExamples } from './collate-examples';
export { exportCheckpoint } from './export-checkpoint';
export type { ExportCheckpointSettings } from './export-checkpoint';
export type { SftTokenizer } from './sft-tokenizer';
