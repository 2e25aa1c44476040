/**
 * @packageDocumentation
 * The InstructKit model core on TensorFlow.js: a GPT-2 transformer (causal LM and
 * scalar-head variants) that loads and saves Hugging Face checkpoints, trains on core's
 * engine-neutral tasks (AdamW, schedules, clipping, accumulation, seeded dropout),
 * decodes with a KV cache, and picks its tfjs backend at run time.
 */
export { registerBackend, selectBackend, listBackends, currentBackend } from './backends';
export type { BackendFactory, SelectBackendOptions } from './backends';
export { TfjsCausalLM } from './tfjs-causal-lm';
export { TfjsScalarModel } from './tfjs-scalar-model';
export { TfjsTransformer } from './tfjs-transformer';
export { createCausalLM, createScalarModel, loadCausalLM, loadScalarModel, saveModel, WEIGHTS_FILE, CONFIG_FILE } from './model-io';
export type { CreateModelSettings, LoadModelSettings, LoadScalarModelSettings } from './model-io';
export { saveCheckpoint, loadCheckpoint, CHECKPOINT_FILE } from './checkpoint';
export { TFJS_LOSS_TASK } from './objectives';
export type { TfjsLossContext, TfjsLossFunction } from './objectives';
export { gpt2Family, families } from './gpt2-family';
export type { ModelFamily, ParameterSpec, KeyValueCache, TrunkInput, TrunkOutput, ForwardMode } from './model-family';
export { matMul, linear, embeddingLookup, layerNorm, geluTanh, targetLogprobs, softmaxEntropy } from './ops';
