import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidRecordError, parseModelConfig } from '@instructkit/core';
import { registerPretrainCommand } from '../src/commands/pretrain';
import { registerRmCommand } from '../src/commands/rm';
import { registerSftCommand } from '../src/commands/sft';
import type { TrainingCommandEngine } from '../src/commands/training-engine';
// The SFT and reward packages' exact tiny models stand in for tfjs here.
import { BigramModel, characterTokenizer } from '../../sft/test/helpers';
import { LinearRankingModel } from '../../reward/test/helpers';

const tokenizer = { ...characterTokenizer, decode: characterTokenizer.decode!, eosTokenId: 0, vocabSize: 28, toTokenizerJson: () => '{"model":{"type":"characters"}}' };
const created: string[] = [];
const fakeEngine: TrainingCommandEngine = {
  loadTokenizer: async () => tokenizer,
  createCausalLM: async () => {
    created.push('causal-lm');
    return new BigramModel(1) as never;
  },
  loadCausalLM: async () => new BigramModel(1) as never,
  loadRewardModel: async () => Object.assign(new LinearRankingModel(0.5), { configureTraining() {} }) as never,
  loadScalarModel: async () => new LinearRankingModel() as never,
  createGenerator: async () => {
    throw new Error('the fake engine does not sample');
  },
};

async function run(args: string[]): Promise<{ stdout: string; error?: unknown }> {
  let stdout = '';
  const program = new Command('instructkit');
  registerPretrainCommand(program, { engine: fakeEngine });
  registerSftCommand(program, { engine: fakeEngine });
  registerRmCommand(program, { engine: fakeEngine });
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: (text) => void (stdout += text), writeErr: () => {} });
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync([...args, '--no-progress'], { from: 'user' });
    return { stdout };
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return { stdout };
    return { stdout, error };
  }
}

const directories: string[] = [];
afterAll(async () => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));
async function workspace(files: Record<string, string>): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-train-cli-'));
  directories.push(directory);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(directory, name), text);
  return directory;
}
const jsonl = (records: unknown[]) => `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;
const metricLines = async (directory: string) =>
  (await readFile(path.join(directory, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, number>);
const demonstrations = Array.from({ length: 12 }, (_, index) => ({ prompt: `say ${'abc'[index % 3]}`, completion: ` ${'abc'[index % 3]!.repeat(3)}` }));

describe('instructkit sft', () => {
  it('documents its flags in --help', async () => {
    const { stdout } = await run(['sft', '--help']);
    expect(stdout).toMatch(/--config <file>/);
    expect(stdout).toMatch(/--learning-rate <lr>/);
    expect(stdout).toMatch(/metrics\.jsonl/);
  });

  it('trains from a YAML config, flags overriding it, writes metrics and the final model, and resumes on rerun', async () => {
    const directory = await workspace({
      'train.jsonl': jsonl(demonstrations),
      'valid.jsonl': jsonl(demonstrations.slice(0, 3)),
      'sft.yaml': 'model: base\ntrain: train.jsonl\nvalidation: valid.jsonl\nbatchSize: 4\nepochs: 1\noutput: run\noptimization:\n  optimizer:\n    learningRate: 0.1\n',
    });
    const configFile = path.join(directory, 'sft.yaml');
    const { stdout, error } = await run(['sft', '--config', configFile, '--epochs', '2']);
    expect(error).toBeUndefined();
    const output = path.join(directory, 'run');
    expect(stdout).toContain(`model written to ${path.join(output, 'checkpoints', 'final')}`);
    const lines = await metricLines(output);
    expect(lines.filter((line) => 'loss' in line).map((line) => line.step)).toEqual([1, 2, 3, 4, 5, 6]); // 2 epochs × 3 batches
    expect(lines.filter((line) => 'validationLoss' in line)).toHaveLength(2);
    expect(parseModelConfig(JSON.parse(await readFile(path.join(output, 'checkpoints', 'final', 'config.json'), 'utf8'))).vocabSize).toBe(28);
    expect(JSON.parse(await readFile(path.join(output, 'config.json'), 'utf8'))).toMatchObject({ command: 'sft', epochs: 2 });

    // Rerun: the run is complete, so nothing is trained again and no line is duplicated.
    const again = await run(['sft', '--config', configFile, '--epochs', '2']);
    expect(again.error).toBeUndefined();
    expect((await metricLines(output)).filter((line) => 'loss' in line)).toHaveLength(6);
  });

  it('names the file, line and field of a bad setting', async () => {
    const directory = await workspace({ 'sft.yaml': 'model: base\ntrain: train.jsonl\noutput: run\nepochs: -2\n' });
    const { error } = await run(['sft', '--config', path.join(directory, 'sft.yaml')]);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as Error).message).toMatch(/sft\.yaml:4: epochs: /);
  });
});

describe('training command flags', () => {
  it('rejects a non-numeric flag value, naming the flag', async () => {
    let stderr = '';
    const program = new Command('instructkit');
    registerSftCommand(program, { engine: fakeEngine });
    program.commands[0]!.exitOverride().configureOutput({ writeErr: (text) => void (stderr += text) });
    await expect(program.parseAsync(['sft', '--config', 'x.yaml', '--epochs', 'many'], { from: 'user' })).rejects.toThrow();
    expect(stderr).toMatch(/option '--epochs <n>' argument 'many' is invalid\. expected an integer\./);
  });
});

describe('instructkit pretrain', () => {
  it('trains a fresh model on a text corpus', async () => {
    const directory = await workspace({
      'corpus.txt': 'the cat sat\n\nthe mat\n\na cat on a mat\n\nthe end\n',
      'base.json': JSON.stringify({ train: 'corpus.txt', tokenizer: 'chars.json', model: { contextLength: 24, hiddenSize: 4, numLayers: 1, numHeads: 1 }, output: 'base', batchSize: 2, epochs: 2, checkpointEvery: 0 }),
    });
    const { error } = await run(['pretrain', '--config', path.join(directory, 'base.json')]);
    expect(error).toBeUndefined();
    expect(created).toContain('causal-lm');
    const lines = await metricLines(path.join(directory, 'base'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => typeof line.step === 'number' && typeof line.loss === 'number')).toBe(true);
  });
});

describe('instructkit rm', () => {
  it('trains on rankings with prompt ids, logs accuracy and writes an evaluation', async () => {
    const prompts = ['p1', 'p2', 'p3', 'p4'].map((id) => ({ id, text: 'q', userId: 'u', source: 'sim', createdAt: '2026-11-25T06:25:00Z' }));
    const rankings = Array.from({ length: 8 }, (_, index) => ({
      promptId: `p${(index % 4) + 1}`,
      completions: [{ text: 'ggg', policy: 'good' }, { text: 'bbb', policy: 'bad' }, { text: 'gab', policy: 'mid' }],
      order: [[0], [2], [1]],
      labelerId: index % 2 ? 'l1' : 'l2',
    }));
    const directory = await workspace({
      'prompts.jsonl': jsonl(prompts),
      'rankings.jsonl': jsonl(rankings),
      'rm.yaml': 'model: sft\ntrain: rankings.jsonl\nvalidation: rankings.jsonl\nprompts: prompts.jsonl\nheldOutLabelers: [l1]\nbatchSize: 2\nepochs: 2\noutput: rm\n',
    });
    const { stdout, error } = await run(['rm', '--config', path.join(directory, 'rm.yaml')]);
    expect(error).toBeUndefined();
    expect(stdout).toMatch(/pairwise accuracy 1\.000 over 24 pairs/);
    const lines = (await metricLines(path.join(directory, 'rm'))).filter((line) => 'loss' in line);
    expect(lines).toHaveLength(8);
    expect(lines.every((line) => typeof line.accuracy === 'number')).toBe(true);
    const evaluation = JSON.parse(await readFile(path.join(directory, 'rm', 'evaluation.json'), 'utf8'));
    expect(evaluation.heldOutLabelers.pairs).toBe(12);
    expect(JSON.parse(await readFile(path.join(directory, 'rm', 'checkpoints', 'final', 'config.json'), 'utf8')).architectures).toEqual(['GPT2ForSequenceClassification']);
  });
});
