import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, type CausalLMV1 } from '@instructkit/core';

/**
 * An inference engine able to score one token sequence, chosen by what a model
 * directory contains.
 */
export interface LogprobsEngine {
  /** Engine name, e.g. `tfjs`. */
  readonly name: string;
  /** The loaded model. */
  readonly model: CausalLMV1;
  /** Releases the model. */
  dispose(): void;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Picks and loads the engine for a model directory: a directory exported to ONNX
 * (`model.onnx`) runs on onnxruntime-node; Hugging Face layout (`config.json` +
 * `model.safetensors`, ours or a GPT-2 checkpoint) runs on tfjs.
 *
 * @throws {InvalidArgumentError} the directory holds no model this CLI can run.
 */
export async function chooseLogprobsEngine(modelDirectory: string): Promise<LogprobsEngine> {
  // An exported directory (model.onnx, see `instructkit export-onnx`) runs on onnxruntime.
  const { loadOnnxCausalLMIfExported } = await import('@instructkit/onnx');
  const onnxModel = await loadOnnxCausalLMIfExported(modelDirectory);
  if (onnxModel) return { name: 'onnxruntime', model: onnxModel, dispose: () => void onnxModel.dispose() };
  if ((await exists(path.join(modelDirectory, 'config.json'))) && (await exists(path.join(modelDirectory, 'model.safetensors')))) {
    const { loadCausalLM, selectBackend } = await import('@instructkit/tfjs');
    await selectBackend();
    const model = await loadCausalLM(modelDirectory);
    return { name: 'tfjs', model, dispose: () => model.dispose() };
  }
  throw new InvalidArgumentError('--model', `${modelDirectory} holds neither config.json + model.safetensors (Hugging Face layout) nor model.onnx`);
}

/**
 * Parses `--ids 1,2,3`.
 * @throws {InvalidArgumentError} naming the bad entry.
 */
export function parseTokenIds(text: string): Int32Array {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length < 2) throw new InvalidArgumentError('--ids', `needs at least 2 comma-separated token ids, got "${text}"`);
  return Int32Array.from(parts, (part, index) => {
    if (!/^\d+$/.test(part)) throw new InvalidArgumentError(`--ids[${index}]`, `"${part}" is not a non-negative integer`);
    return Number(part);
  });
}

/**
 * `log p(ids[i+1] | ids[0..i])` for every i under the model in `modelDirectory`.
 * @example
 * await computeLogprobs('runs/sft/final', Int32Array.of(464, 3290, 318)); // [-5.1, -2.3]
 */
export async function computeLogprobs(modelDirectory: string, ids: Int32Array): Promise<number[]> {
  const engine = await chooseLogprobsEngine(modelDirectory);
  try {
    const batch = { batchSize: 1, length: ids.length, ids, attentionMask: new Uint8Array(ids.length).fill(1) };
    const { logprobs } = await engine.model.doLogprobs({ batch });
    return Array.from(logprobs);
  } finally {
    engine.dispose();
  }
}

/**
 * Registers `instructkit logprobs --model <dir> --ids 1,2,3`, which prints
 * `{"logprobs":[...]}` (one entry per next token) on stdout.
 */
export function registerLogprobsCommand(program: Command): void {
  program
    .command('logprobs')
    .description('Print log p(ids[i+1] | ids[0..i]) for a token sequence under a model directory, as JSON')
    .requiredOption('--model <dir>', 'model directory: Hugging Face layout (config.json + model.safetensors) or an ONNX export (model.onnx)')
    .requiredOption('--ids <ids>', 'comma-separated token ids, e.g. 464,3290,318')
    .action(async (options: { model: string; ids: string }) => {
      const logprobs = await computeLogprobs(options.model, parseTokenIds(options.ids));
      process.stdout.write(`${JSON.stringify({ logprobs })}\n`);
    });
}
