import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCausalLM, saveModel } from '@instructkit/tfjs';
import { trainTokenizer } from '@instructkit/tokenizer';
import { registerEvalCommand } from '../src/commands/eval';
import { runProgram } from './run-program';

const simData = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/data/sim');
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'instructkit-eval-'));
  const corpus = (await readFile(path.join(simData, 'pretrain.txt'), 'utf8')).slice(0, 20_000);
  const tokenizer = await trainTokenizer({ texts: [corpus], vocabSize: 400 });
  for (const [name, seed] of [['first', 1], ['second', 2]] as const) {
    const model = await createCausalLM({
      config: { architecture: 'gpt2', vocabSize: tokenizer.vocabSize, contextLength: 160, hiddenSize: 16, numLayers: 1, numHeads: 2, eosTokenId: tokenizer.eosTokenId! },
      seed,
    });
    await saveModel(model, path.join(directory, name));
    model.dispose();
    await writeFile(path.join(directory, name, 'tokenizer.json'), tokenizer.toTokenizerJson());
  }
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function run(args: string[]): Promise<string> {
  const program = new Command('instructkit');
  registerEvalCommand(program);
  const { output, commanderError } = await runProgram(program, args);
  if (commanderError && commanderError.code !== 'commander.helpDisplayed') throw commanderError;
  return output;
}

describe('instructkit eval', () => {
  it('evaluates model directories against each other and writes report.json and report.html', async () => {
    const config = path.join(directory, 'eval.yaml');
    await writeFile(
      config,
      [
        'models: { base: first, sft: second }',
        'promptedBaseline: base',
        `prompts: ${path.join(simData, 'test/prompts.jsonl')}`,
        `pretrainingText: ${path.join(simData, 'pretrain-valid.txt')}`,
        'output: out',
        'eval: { prompts: 6, maxNewTokens: 4, fewShotExamples: 1, truthfulnessQuestions: 2, multipleChoiceItems: 2, perplexityParagraphs: 2, toxicityPrompts: 1, toxicitySamples: 1 }',
      ].join('\n'),
    );
    const printed = JSON.parse(await run(['eval', '--config', config, '--json'])) as { report: string; winRates: { a: string; b: string; n: number; decoding: string }[] };
    expect(printed.report).toBe(path.join(directory, 'out', 'report.json'));
    // Sampled answers (the default temperature 1), then the same comparisons of greedy answers.
    expect(printed.winRates.map((win) => `${win.a}/${win.b}/${win.decoding}`)).toEqual([
      ...['sft/base', 'sft/base-prompted', 'base-prompted/base'].map((pair) => `${pair}/sampled`),
      ...['sft/base', 'sft/base-prompted', 'base-prompted/base'].map((pair) => `${pair}/greedy`),
    ]);
    const report = JSON.parse(await readFile(printed.report, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(report['likert']!)).toEqual(['base', 'base-prompted', 'sft']);
    expect(Object.keys(report['alignmentTax']!)).toEqual(['base', 'sft']);
    expect(Object.keys(report['truthfulness']!)).toEqual(['base', 'base-prompted', 'sft']);
    expect(await readFile(path.join(directory, 'out', 'report.html'), 'utf8')).toContain('sft vs base');
  }, 120_000);

  it('names the config line of a prompted baseline that is not one of the models', async () => {
    const config = path.join(directory, 'bad.yaml');
    await writeFile(config, `models: { base: first }\npromptedBaseline: gpt3\nprompts: ${path.join(simData, 'test/prompts.jsonl')}\noutput: out\n`);
    await expect(run(['eval', '--config', config])).rejects.toThrow(/bad\.yaml:2: promptedBaseline: names no model/);
  });

  it('documents its flags in --help', async () => {
    const help = await run(['eval', '--help']);
    expect(help).toContain('--config <file>');
    expect(help).toContain('report.json');
  });
});
