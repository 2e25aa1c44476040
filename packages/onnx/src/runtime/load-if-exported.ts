import { findOnnxModelFile, createOrtCausalLM, type OrtCausalLM } from './ort-causal-lm';
import type { OrtSessionSettings } from './session-settings';

/**
 * Loads `directory` on onnxruntime when it holds an exported model (`model.onnx` or an
 * Optimum `decoder_model_merged.onnx`), so commands such as `logprobs` and `generate` run
 * exported directories on onnxruntime and other checkpoints on their usual engine.
 *
 * @returns The model, or undefined when the directory has no ONNX model.
 * @example
 * const model = (await loadOnnxCausalLMIfExported(dir)) ?? (await loadCausalLM(dir));
 */
export async function loadOnnxCausalLMIfExported(directory: string, sessionOptions?: OrtSessionSettings): Promise<OrtCausalLM | undefined> {
  if (!findOnnxModelFile(directory)) return undefined;
  return createOrtCausalLM({ directory, sessionOptions });
}
