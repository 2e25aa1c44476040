/**
 * @packageDocumentation
 * Supervised fine-tuning and pretraining for InstructKit models.
 */
export const PACKAGE_NAME = '@instructkit/sft';
