/**
 * @packageDocumentation
 * The InstructKit model core on TensorFlow.js: GPT-2 transformer, Hugging Face checkpoints, training utilities, backends.
 */
export const PACKAGE_NAME = '@instructkit/tfjs';
