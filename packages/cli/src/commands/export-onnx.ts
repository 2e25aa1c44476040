import { Command, Option } from 'commander';
import { exportCheckpointToOnnx } from '@instructkit/onnx';

/** Options of `instructkit export-onnx`. */
interface ExportOnnxOptions {
  model: string;
  out: string;
  precision: 'float32' | 'float16' | 'int8';
  head?: 'lm' | 'scalar';
  externalData: 'auto' | 'always' | 'never';
  operators: 'standard' | 'onnxruntime';
}

/**
 * Registers `instructkit export-onnx --model <dir> --out <dir>`: exports a Hugging Face-layout
 * checkpoint (config.json + model.safetensors) to `<out>/model.onnx` with `config.json` and
 * `tokenizer.json` copied beside it, ready for `createOrtCausalLM({ directory })` and for the
 * `logprobs` / `generate` commands, which run exported directories on onnxruntime.
 *
 * @param program - The root `instructkit` command.
 * @returns The `export-onnx` command, for chaining.
 */
export function registerExportOnnxCommand(program: Command): Command {
  return program
    .command('export-onnx')
    .description('Export a checkpoint directory to ONNX (opset 17, Optimum decoder layout) for onnxruntime.')
    .requiredOption('--model <dir>', 'checkpoint directory: config.json + model.safetensors')
    .requiredOption('--out <dir>', 'directory to write model.onnx, config.json and tokenizer.json into')
    .addOption(new Option('--precision <precision>', 'weight storage: float16 halves the file, int8 quantises MatMul weights').choices(['float32', 'float16', 'int8']).default('float32'))
    .addOption(new Option('--head <head>', 'lm (causal LM with KV cache) or scalar (reward/value); default: scalar when the weights have score.weight').choices(['lm', 'scalar']))
    .addOption(new Option('--operators <set>', 'standard ONNX ops (any runtime) or onnxruntime fused contrib ops (about 2x faster decoding, onnxruntime only)').choices(['standard', 'onnxruntime']).default('standard'))
    .addOption(new Option('--external-data <mode>', 'keep weights in model.onnx_data: auto (only past 2 GiB), always, never').choices(['auto', 'always', 'never']).default('auto'))
    .action(async (options: ExportOnnxOptions, command: Command) => {
      const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
      const started = Date.now();
      const result = await exportCheckpointToOnnx({
        modelDirectory: options.model,
        outDirectory: options.out,
        precision: options.precision,
        head: options.head,
        externalData: options.externalData,
        operators: options.operators,
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      writeOut(`exported ${result.head} model (${options.precision}, ${options.operators} ops) in ${seconds}s:\n${result.files.map((file) => `  ${file}\n`).join('')}`);
    });
}
