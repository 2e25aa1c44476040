import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalGenerator, type CausalLMV1, type TransformerConfig } from '@instructkit/core';
import { buildSimDataset, createGoldRewardModel } from '@instructkit/sim';
import { createCausalLM, loadCausalLM } from '@instructkit/tfjs';
import { pretrain, sft, type SftRecord } from '../src/index';
import { trainTokenizer, type Tokenizer } from '@instructkit/tokenizer';

const config: TransformerConfig = {
  architecture: 'gpt2',
  vocabSize: 512,
  contextLength: 64,
  hiddenSize: 48,
  numLayers: 2,
  numHeads: 2,
  eosTokenId: 0,
  dropout: { embedding: 0, attention: 0, residual: 0.1 },
};
const format = (prompt: string) => `Instruction: ${prompt}\nResponse:`;

const directories: string[] = [];
afterAll(async () => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));
async function runDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-sft-tfjs-'));
  directories.push(directory);
  return directory;
}

/** Mean gold score (sim's judge, in [0, 1]) of greedy answers to the prompts. */
async function meanGoldScore(model: CausalLMV1, tokenizer: Tokenizer, prompts: readonly string[]): Promise<number> {
  const generator = createLocalGenerator(model);
  const { sequences } = await generator.doGenerate({
    prompts: prompts.map((prompt) => Int32Array.from(tokenizer.encode(format(prompt)))),
    sampling: { maxNewTokens: 16, temperature: 0, eosTokenIds: [tokenizer.eosTokenId!] },
  });
  const completions = sequences.map((sequence) => tokenizer.decode(sequence.completionIds, { skipSpecialTokens: true }).trim());
  const scores = await createGoldRewardModel().doScore({ prompts: [...prompts], completions });
  return scores.reduce((sum, score) => sum + score, 0) / scores.length;
}

describe('sft on the sim task (tfjs wasm)', () => {
  it('lowers validation loss and raises the gold score of answers above the pretrained base model', async () => {
    const dataset = buildSimDataset({ seed: 3, counts: { prompts: 500, pretrainParagraphs: 300, pretrainValidParagraphs: 20 } });
    const records = (split: 'train' | 'valid'): SftRecord[] => {
      const texts = new Map(dataset.splits[split].prompts.map((prompt) => [prompt.id, prompt.text!]));
      return dataset.splits[split].demonstrations.map((demonstration) => ({ prompt: format(texts.get(demonstration.promptId)!), completion: ` ${demonstration.completion}` }));
    };
    // A small byte-level BPE trained on the task's text shortens sequences about threefold.
    const tokenizer = await trainTokenizer({
      texts: [dataset.pretrain, ...dataset.splits.train.prompts.map((prompt) => prompt.text!), ...dataset.splits.train.demonstrations.map((demonstration) => demonstration.completion)],
      vocabSize: config.vocabSize,
    });
    const validationPrompts = dataset.splits.valid.prompts
      .map((prompt) => prompt.text!)
      .filter((text) => tokenizer.encode(format(text)).length + 16 <= config.contextLength)
      .slice(0, 24);
    // The base model: pretrained on the sim corpus (plain text, no instructions).
    const model = await createCausalLM({ config: { ...config, eosTokenId: tokenizer.eosTokenId! }, seed: 1, backend: 'wasm' });
    const paragraphs = dataset.pretrain.split(/\n\s*\n/).filter((paragraph) => paragraph.trim().length > 0);
    await pretrain({
      model,
      tokenizer,
      texts: paragraphs,
      packing: true,
      epochs: 2,
      sequencesPerBatch: 8,
      optimization: { optimizer: { learningRate: 3e-3, beta2: 0.95 }, maxGradNorm: 1, schedule: { kind: 'cosine', warmupSteps: 0, finalRatio: 0.1 } },
      runDirectory: await runDirectory(),
    });
    const baseScore = await meanGoldScore(model, tokenizer, validationPrompts);
    const directory = await runDirectory();
    const started = performance.now();
    const result = await sft({
      model,
      tokenizer,
      train: records('train'),
      validation: records('valid'),
      epochs: 10,
      sequencesPerBatch: 8,
      optimization: { optimizer: { learningRate: 6e-3, beta2: 0.95 }, maxGradNorm: 1, schedule: { kind: 'cosine', warmupSteps: 0, finalRatio: 0.1 } },
      runDirectory: directory,
    });
    const seconds = (performance.now() - started) / 1000;
    const lines = (await readFile(path.join(directory, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const validationLosses: number[] = lines.filter((line) => 'validationLoss' in line).map((line) => line.validationLoss);
    // The exported checkpoint (best validation loss) loads back and is what is scored.
    const exported = await loadCausalLM(result.exported!, { backend: 'wasm' });
    const sftScore = await meanGoldScore(exported, tokenizer, validationPrompts);
    console.log(
      `sim SFT: ${result.totalSteps} steps in ${seconds.toFixed(1)} s; validation loss ${validationLosses.map((loss) => loss.toFixed(3)).join(' → ')}; gold score base ${baseScore.toFixed(3)} → SFT ${sftScore.toFixed(3)}`,
    );
    expect(validationLosses.at(-1)!).toBeLessThan(validationLosses[0]!);
    expect(sftScore).toBeGreaterThan(baseScore + 0.1);
    model.dispose();
    exported.dispose();
  });
});

describe('sft resume on the tfjs cpu backend', () => {
  it('resumed after an interruption ends with bit-identical weights, dropout and optimizer state included', async () => {
    const tiny: TransformerConfig = { architecture: 'gpt2', vocabSize: 28, contextLength: 16, hiddenSize: 16, numLayers: 1, numHeads: 2, eosTokenId: 0, dropout: { embedding: 0.1, attention: 0.1, residual: 0.2 } };
    const characters = { encode: (text: string) => Array.from(text, (character) => (character === ' ' ? 27 : character.codePointAt(0)! - 96)), eosTokenId: 0 };
    const train = Array.from({ length: 12 }, (_, index) => ({ prompt: `say ${'abcd'[index % 4]}`, completion: ` ${'abcd'[index % 4]!.repeat(3)}` }));
    const fresh = async () => {
      const model = await createCausalLM({ config: tiny, seed: 4, backend: 'cpu' });
      return model;
    };
    const settings = { tokenizer: characters, train, epochs: 2, sequencesPerBatch: 4, optimization: { optimizer: { learningRate: 1e-2, beta2: 0.95 }, schedule: { kind: 'cosine', warmupSteps: 0, finalRatio: 0.1 } } } as const;
    const reference = await fresh();
    await sft({ ...settings, model: reference, runDirectory: await runDirectory() });

    const directory = await runDirectory();
    const controller = new AbortController();
    const first = await fresh();
    const interrupted = await sft({ ...settings, model: first, runDirectory: directory, signal: controller.signal, onEvent: (event) => event.type === 'step-end' && event.step === 2 && controller.abort() });
    expect(interrupted.run).toMatchObject({ reason: 'interrupted', step: 2 });
    first.dispose();
    const resumed = await fresh();
    const result = await sft({ ...settings, model: resumed, runDirectory: directory });
    expect(result.run).toMatchObject({ startStep: 2, step: 6 });
    const expected = await reference.doGetParameters();
    const actual = await resumed.doGetParameters();
    for (const [name, tensor] of expected) expect(Buffer.from(actual.get(name)!.data.buffer).equals(Buffer.from(tensor.data.buffer)), name).toBe(true);
    reference.dispose();
    resumed.dispose();
  });
});
