import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { UnsupportedError, createLocalGenerator, type CausalLMV1 } from '@instructkit/core';

function integerAtLeast(flag: string, minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) throw new CommanderArgumentError(`${flag} must be an integer ≥ ${minimum}, got "${value}"`);
    return parsed;
  };
}

function numberAtLeast(flag: string, minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < minimum) throw new CommanderArgumentError(`${flag} must be a number ≥ ${minimum}, got "${value}"`);
    return parsed;
  };
}

/** Flags of `instructkit generate`. */
interface GenerateFlags {
  readonly model: string;
  readonly prompt: string;
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly seed: number;
  readonly backend: 'tfjs' | 'onnx';
  readonly tfjsBackend?: string;
  readonly json?: boolean;
}

/**
 * Registers `instructkit generate --model <dir> --prompt <text>`: samples a completion from
 * a model directory (Hugging Face layout with `tokenizer.json`) on tfjs, or on onnxruntime
 * for a directory exported with `instructkit export-onnx` (`--backend onnx`). Prints the
 * completion (or JSON with `--json`); stops at the tokenizer's end-of-text token.
 *
 * @example
 * registerGenerateCommand(program);
 * // instructkit generate --model runs/demo/ppo/checkpoints/final --prompt $'Instruction: Subtract 7 from 30.\nResponse:' --temperature 0
 */
export function registerGenerateCommand(program: Command): Command {
  return program
    .command('generate')
    .description('Sample a completion of a prompt from a model directory (tfjs, or onnxruntime for an exported one).')
    .requiredOption('--model <dir>', 'model directory: config.json, model.safetensors (or model.onnx), tokenizer.json')
    .requiredOption('--prompt <text>', 'prompt text, given to the model as is (models of `instructkit pipeline` expect "Instruction: …\\nResponse:")')
    .option('--max-new-tokens <n>', 'tokens to sample at most', integerAtLeast('--max-new-tokens', 1), 64)
    .option('--temperature <t>', 'sampling temperature; 0 is greedy', numberAtLeast('--temperature', 0), 1)
    .option('--top-p <p>', 'nucleus sampling: keep the smallest set of tokens with this much probability', numberAtLeast('--top-p', 0))
    .option('--top-k <k>', 'keep the k most likely tokens', integerAtLeast('--top-k', 1))
    .option('--seed <n>', 'seed of the sampling', integerAtLeast('--seed', 0), 0)
    .option('--backend <engine>', 'engine: tfjs or onnx', (value: string) => {
      if (value !== 'tfjs' && value !== 'onnx') throw new CommanderArgumentError(`--backend must be tfjs or onnx, got "${value}"`);
      return value;
    }, 'tfjs')
    .option('--tfjs-backend <name>', 'tfjs backend: cpu, wasm, tfjs-node (default: the best installed)')
    .option('--json', 'print {"completion", "tokens", "finishReason"} as JSON')
    .addHelpText('after', `\nExample:\n  instructkit generate --model runs/demo/ppo/checkpoints/final --prompt "$(printf 'Instruction: Subtract 7 from 30.\\nResponse:')" --temperature 0`)
    .action(async (flags: GenerateFlags, command: Command) => {
      const writeOut = command.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
      const { loadTokenizer } = await import('@instructkit/tokenizer');
      const tokenizer = await loadTokenizer(flags.model);
      const model = await loadGenerationModel(flags.model, flags.backend, flags.tfjsBackend);
      try {
        const eosTokenIds = tokenizer.eosTokenId !== undefined ? [tokenizer.eosTokenId] : [];
        const { sequences } = await createLocalGenerator(model).doGenerate({
          prompts: [Int32Array.from(tokenizer.encode(flags.prompt))],
          sampling: {
            maxNewTokens: flags.maxNewTokens,
            temperature: flags.temperature,
            seed: flags.seed,
            eosTokenIds,
            ...(flags.topP !== undefined ? { topP: flags.topP } : {}),
            ...(flags.topK !== undefined ? { topK: flags.topK } : {}),
          },
        });
        const sequence = sequences[0]!;
        const ids = sequence.finishReason === 'eos' ? sequence.completionIds.subarray(0, -1) : sequence.completionIds;
        const completion = tokenizer.decode(ids);
        writeOut(flags.json ? `${JSON.stringify({ completion, tokens: sequence.completionIds.length, finishReason: sequence.finishReason })}\n` : `${completion}\n`);
      } finally {
        (model as { dispose?: () => void }).dispose?.();
      }
    });
}

/** The model on the chosen engine. */
async function loadGenerationModel(directory: string, engine: 'tfjs' | 'onnx', tfjsBackend?: string): Promise<CausalLMV1> {
  if (engine === 'onnx') {
    const { loadOnnxCausalLMIfExported } = await import('@instructkit/onnx');
    const model = await loadOnnxCausalLMIfExported(directory);
    if (!model) throw new UnsupportedError(`${directory} holds no ONNX model; export it first (instructkit export-onnx --model ${directory} --out <dir>) and pass --model <dir>`);
    return model;
  }
  const { loadCausalLM } = await import('@instructkit/tfjs');
  return loadCausalLM(directory, tfjsBackend ? { backend: tfjsBackend } : {});
}
