import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '@instructkit/core';
import { createCausalLM, loadCausalLM, saveModel } from '@instructkit/tfjs';
import { trainTokenizer, type Tokenizer } from '@instructkit/tokenizer';
import { registerGenerateCommand } from '../src/commands/generate';
import { runProgram } from './run-program';

let directory: string;
let tokenizer: Tokenizer;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'instructkit-generate-'));
  tokenizer = await trainTokenizer({ texts: ['Ana lives in Oakton. Ben is a baker. Subtract 7 from 30.'.repeat(4)], vocabSize: 280 });
  const model = await createCausalLM({
    config: { architecture: 'gpt2', vocabSize: tokenizer.vocabSize, contextLength: 48, hiddenSize: 16, numLayers: 1, numHeads: 2, eosTokenId: tokenizer.eosTokenId! },
    seed: 3,
  });
  await saveModel(model, directory);
  model.dispose();
  await writeFile(path.join(directory, 'tokenizer.json'), tokenizer.toTokenizerJson());
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function run(args: string[]): Promise<string> {
  const program = new Command('instructkit');
  registerGenerateCommand(program);
  const { output, commanderError } = await runProgram(program, args);
  if (commanderError && commanderError.code !== 'commander.helpDisplayed') throw commanderError;
  return output;
}

describe('instructkit generate', () => {
  it('prints the greedy completion core’s sampling loop gives for the same model and prompt', async () => {
    const printed = JSON.parse(await run(['generate', '--model', directory, '--prompt', 'Ana lives in', '--max-new-tokens', '6', '--temperature', '0', '--json'])) as {
      completion: string;
      tokens: number;
      finishReason: string;
    };
    const model = await loadCausalLM(directory);
    const { sequences } = await generate({ model, prompts: [Int32Array.from(tokenizer.encode('Ana lives in'))], sampling: { maxNewTokens: 6, temperature: 0, eosTokenIds: [tokenizer.eosTokenId!] } });
    model.dispose();
    const reference = sequences[0]!;
    const ids = reference.finishReason === 'eos' ? reference.completionIds.subarray(0, -1) : reference.completionIds;
    expect(printed.completion).toBe(tokenizer.decode(ids));
    expect(printed.tokens).toBe(reference.completionIds.length);
    expect(printed.finishReason).toBe(reference.finishReason);
  });

  it('samples the same text for the same seed', async () => {
    const args = ['generate', '--model', directory, '--prompt', 'Ben is', '--max-new-tokens', '5', '--seed', '7'];
    expect(await run(args)).toBe(await run(args));
  });

  it('asks for an export when --backend onnx meets a directory without an ONNX model', async () => {
    await expect(run(['generate', '--model', directory, '--prompt', 'x', '--backend', 'onnx'])).rejects.toThrow(/holds no ONNX model.*export-onnx/);
  });

  it('rejects an unknown engine and a negative temperature', async () => {
    await expect(run(['generate', '--model', directory, '--prompt', 'x', '--backend', 'gpu'])).rejects.toThrow(/--backend must be tfjs or onnx/);
    await expect(run(['generate', '--model', directory, '--prompt', 'x', '--temperature', '-1'])).rejects.toThrow(/--temperature must be a number ≥ 0/);
  });

  it('documents its flags in --help', async () => {
    const help = await run(['generate', '--help']);
    for (const flag of ['--model <dir>', '--prompt <text>', '--max-new-tokens <n>', '--temperature <t>', '--seed <n>', '--backend <engine>']) expect(help).toContain(flag);
  });
});
