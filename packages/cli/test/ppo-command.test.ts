import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidRecordError } from '@instructkit/core';
import { createCausalLM, createScalarModel, loadCausalLM, saveModel } from '@instructkit/tfjs';
import { trainTokenizer } from '@instructkit/tokenizer';
import { registerPpoCommand, type PpoCommandEngine } from '../src/commands/ppo';
// The PPO package's exact tiny engine and hand-made bandit stand in for tfjs here.
import { createSamplingGenerator, createTabularPolicy, createTabularValueModel } from '../../ppo/test/tabular-model';
import { EOS, VOCABULARY, goldReward, proxyReward, sftTable, tokenizer } from '../../ppo/test/bandit-task';

const tabularEngine: PpoCommandEngine = {
  loadTokenizer: async () => tokenizer,
  loadPolicy: async (_directory, optimization) =>
    createTabularPolicy({ vocabSize: VOCABULARY.length, eosTokenId: EOS, table: sftTable(), learningRate: optimization.optimizer.learningRate }),
  loadReference: async () => createTabularPolicy({ vocabSize: VOCABULARY.length, eosTokenId: EOS, table: sftTable() }),
  loadValueModel: async (_directory, optimization) => createTabularValueModel(VOCABULARY.length, { learningRate: optimization.optimizer.learningRate }),
  loadRewardModel: async (directory) => (directory.endsWith('gold') ? goldReward : proxyReward),
  createGenerator: (policy) => createSamplingGenerator(policy),
};

async function run(args: string[], engine: PpoCommandEngine | null = tabularEngine): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const program = new Command('instructkit');
  registerPpoCommand(program, engine ? { engine } : {});
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: (text) => void (stdout += text), writeErr: (text) => void (stderr += text) });
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CommanderError) return { exitCode: error.exitCode, stdout, stderr };
    throw error;
  }
}

const directories: string[] = [];
afterAll(async () => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

async function workspace(config: Record<string, unknown>): Promise<{ directory: string; configFile: string }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-ppo-cli-'));
  directories.push(directory);
  const prompts = ['a', 'b', 'cd', 'dc', 'ab'].map((text, index) =>
    JSON.stringify({ id: `p-${index}`, text, userId: 'u-1', source: 'sim', createdAt: '2026-11-25T06:25:00Z' }),
  );
  await writeFile(path.join(directory, 'prompts.jsonl'), `${prompts.join('\n')}\n`);
  const configFile = path.join(directory, 'ppo.json');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  return { directory, configFile };
}

const BASE = {
  policy: 'sft',
  rewardModel: 'rm-proxy',
  goldRewardModel: 'rm-gold',
  prompts: 'prompts.jsonl',
  output: 'run',
  ppo: { iterations: 3, rolloutBatchSize: 16, minibatchSize: 8, epochs: 2, maxNewTokens: 6, emaDecay: 0.9 },
  policyOptimization: { optimizer: { learningRate: 0.05 } },
  valueOptimization: { optimizer: { learningRate: 0.05 } },
};

describe('instructkit ppo', () => {
  it('documents --config in --help', async () => {
    const result = await run(['ppo', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('--config <file>');
    expect(result.stdout).toContain('metrics.jsonl');
  });

  it('writes metrics.jsonl with step, reward, kl and gold_reward, and resumes when rerun', async () => {
    const { directory, configFile } = await workspace(BASE);
    const first = await run(['ppo', '--config', configFile, '--no-progress']);
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toMatch(/done, 3 iterations; reward [\d.]+, kl [\d.]+, gold [\d.]+; gold peaked at [\d.]+ \(iteration \d, kl [\d.]+\)/);
    const lines = (await readFile(path.join(directory, 'run', 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.step)).toEqual([1, 2, 3]);
    for (const line of lines) {
      expect(line).toMatchObject({ stage: 'ppo', reward: expect.any(Number), kl: expect.any(Number), gold_reward: expect.any(Number) });
    }
    expect(await readFile(path.join(directory, 'run', 'checkpoints', 'latest'), 'utf8')).toBe('step-3\n');
    // Asking for more iterations continues from the checkpoint rather than starting over.
    await writeFile(configFile, JSON.stringify({ ...BASE, ppo: { ...BASE.ppo, iterations: 5 } }));
    expect((await run(['ppo', '--config', configFile, '--no-progress'])).exitCode).toBe(0);
    const after = (await readFile(path.join(directory, 'run', 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(after.map((line) => line.step)).toEqual([1, 2, 3, 4, 5]);
    expect(after.slice(0, 3)).toEqual(lines);
  });

  it('checkpoints on Ctrl-C and, rerun, finishes exactly as an uninterrupted run', async () => {
    const straight = await workspace(BASE);
    expect((await run(['ppo', '--config', straight.configFile, '--no-progress'])).exitCode).toBe(0);
    const { directory, configFile } = await workspace(BASE);
    let scored = 0;
    const interruptingEngine: PpoCommandEngine = {
      ...tabularEngine,
      // Ctrl-C arrives while the second rollout is being scored.
      loadRewardModel: async (modelDirectory) => {
        const inner = modelDirectory.endsWith('gold') ? goldReward : proxyReward;
        return {
          ...inner,
          doScore: async (request) => {
            if (inner === proxyReward && ++scored === 2) process.emit('SIGINT', 'SIGINT');
            return inner.doScore(request);
          },
        };
      },
    };
    const interrupted = await run(['ppo', '--config', configFile, '--no-progress'], interruptingEngine);
    expect(process.exitCode).toBe(130);
    process.exitCode = 0;
    expect(interrupted.stderr).toMatch(/stopped at iteration 1; checkpoint in .*checkpoints; rerun to resume/);
    expect(await readFile(path.join(directory, 'run', 'checkpoints', 'latest'), 'utf8')).toBe('step-1\n');
    expect((await run(['ppo', '--config', configFile, '--no-progress'])).exitCode).toBe(0);
    const withoutTimes = (file: string) =>
      readFile(file, 'utf8').then((text) =>
        text.trim().split('\n').map((line) => {
          const { time, generation_seconds, scoring_seconds, training_seconds, ...rest } = JSON.parse(line);
          return rest;
        }),
      );
    expect(await withoutTimes(path.join(directory, 'run', 'metrics.jsonl'))).toEqual(await withoutTimes(path.join(straight.directory, 'run', 'metrics.jsonl')));
  });

  it('reads YAML, fills in the instructgpt preset and runs PPO-ptx on a .txt corpus', async () => {
    const { directory } = await workspace(BASE);
    await writeFile(path.join(directory, 'pretrain.txt'), 'cdcdcd\n\ndcdcdc\n\ncdcd\n');
    const configFile = path.join(directory, 'ppo.yaml');
    await writeFile(
      configFile,
      [
        'policy: sft',
        'rewardModel: rm-proxy',
        'prompts: prompts.jsonl',
        'pretrainingCorpus: pretrain.txt',
        'output: run-ptx',
        'preset: instructgpt',
        'ppo:',
        '  iterations: 2',
        '  rolloutBatchSize: 16',
        '  minibatchSize: 2',
        '  maxNewTokens: 6',
        '  ptxCoefficient: 1',
        'policyOptimization: { optimizer: { learningRate: 0.05 } }',
        'valueOptimization: { optimizer: { learningRate: 0.05 } }',
      ].join('\n'),
    );
    expect((await run(['ppo', '--config', configFile, '--no-progress'])).exitCode).toBe(0);
    const lines = (await readFile(path.join(directory, 'run-ptx', 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    // The preset's single epoch over 8 minibatches: 8 optimizer steps per iteration.
    expect(lines[1].optimizer_step).toBe(16);
    expect(lines[1].ptx_loss).toBeGreaterThan(0);
    expect(lines[1]).not.toHaveProperty('gold_reward');
  });

  it('names file, line and field of a bad config value', async () => {
    const { configFile } = await workspace({ ...BASE, ppo: { ...BASE.ppo, lambda: 3 } });
    const error = await run(['ppo', '--config', configFile]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect((error as InvalidRecordError).field).toBe('ppo.lambda');
    expect((error as InvalidRecordError).file).toBe(configFile);
    // ppo.json is pretty-printed: "lambda" sits on its own line inside "ppo".
    const text = await readFile(configFile, 'utf8');
    expect((error as InvalidRecordError).line).toBe(text.split('\n').findIndex((line) => line.includes('"lambda"')) + 1);
  });

  it('rejects unknown config keys by name', async () => {
    const { configFile } = await workspace({ ...BASE, rewardModle: 'x' });
    await expect(run(['ppo', '--config', configFile])).rejects.toThrow(/rewardModle/);
  });
});

describe('instructkit ppo with the default (tfjs) engine', () => {
  it('trains from Hugging Face layout directories with onnxruntime rollouts that follow the policy, and exports final/ and final-ema/', async () => {
    const { directory } = await workspace(BASE);
    const tokenizer = await trainTokenizer({ texts: ['a b c d ab cd ba dc', 'the quick brown fox'], vocabSize: 280 });
    const config = {
      architecture: 'gpt2' as const,
      vocabSize: tokenizer.vocabSize,
      contextLength: 32,
      hiddenSize: 16,
      numLayers: 1,
      numHeads: 2,
      eosTokenId: tokenizer.eosTokenId!,
      dropout: { embedding: 0, attention: 0, residual: 0 },
    };
    await saveModel(await createCausalLM({ config, seed: 1, backend: 'cpu' }), path.join(directory, 'sft'));
    await saveModel(await createScalarModel({ config, seed: 2, backend: 'cpu' }), path.join(directory, 'rm-proxy'));
    for (const model of ['sft', 'rm-proxy']) await writeFile(path.join(directory, model, 'tokenizer.json'), tokenizer.toTokenizerJson());
    const configFile = path.join(directory, 'ppo.json');
    await writeFile(
      configFile,
      JSON.stringify({
        policy: 'sft',
        rewardModel: 'rm-proxy',
        prompts: 'prompts.jsonl',
        output: 'run-tfjs',
        ppo: { iterations: 2, rolloutBatchSize: 4, minibatchSize: 2, epochs: 1, maxNewTokens: 4, emaDecay: 0.9 },
        policyOptimization: { optimizer: { learningRate: 0.001 } },
        valueOptimization: { optimizer: { learningRate: 0.001 } },
      }),
    );
    const result = await run(['ppo', '--config', configFile, '--no-progress'], null);
    expect(result.exitCode).toBe(0);
    const lines = (await readFile(path.join(directory, 'run-tfjs', 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.step)).toEqual([1, 2]);
    expect(lines[1].logprob_mismatch).toBeLessThan(1e-3);
    const exported = await loadCausalLM(path.join(directory, 'run-tfjs', 'final'));
    expect(exported.config.vocabSize).toBe(tokenizer.vocabSize);
    await loadCausalLM(path.join(directory, 'run-tfjs', 'final-ema'));
    expect(await readFile(path.join(directory, 'run-tfjs', 'final', 'tokenizer.json'), 'utf8')).toBe(tokenizer.toTokenizerJson());
  });
});
