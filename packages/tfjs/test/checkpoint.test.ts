import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, InvalidFileError, readSafetensors, writeSafetensors, type TrainingTask } from '@instructkit/core';
import { expectClose, fixturePath } from '@instructkit/test-utils';
import {
  createCausalLM,
  createScalarModel,
  loadCausalLM,
  loadCheckpoint,
  loadScalarModel,
  saveCheckpoint,
  saveModel,
  selectBackend,
  type TfjsCausalLM,
  type TfjsScalarModel,
} from '../src/index';
import { randomBatch, realTargetMask, tinyConfig } from './helpers';

function lmTask(seed: number): TrainingTask {
  const batch = randomBatch(seed, 3, 9, 13, [0, 2, -1]);
  return { kind: 'language-modeling', batch, lossMask: realTargetMask(batch) };
}

async function bits(model: TfjsCausalLM | TfjsScalarModel): Promise<number[]> {
  const out: number[] = [];
  for (const tensor of (await model.doGetParameters()).values()) out.push(...new Uint32Array((tensor.data as Float32Array).slice().buffer));
  return out;
}

describe('checkpoints and Hugging Face layout (wasm)', () => {
  let directory: string;
  beforeAll(async () => {
    await selectBackend({ backend: 'wasm', log: () => undefined });
    directory = await mkdtemp(path.join(tmpdir(), 'instructkit-tfjs-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('resumes an interrupted run to the bit-identical end of an uninterrupted one', async () => {
    const config = tinyConfig({ dropout: { embedding: 0.1, attention: 0.1, residual: 0.1 } });
    const settings = { optimizer: { learningRate: 3e-3, beta2: 0.95, weightDecay: 0.1 }, schedule: { kind: 'cosine', warmupSteps: 2, totalSteps: 8 } as const, maxGradNorm: 1, seed: 7 };
    const straight = await createCausalLM({ config, seed: 1 });
    straight.configureTraining(settings);
    for (let step = 0; step < 8; step++) await straight.doTrainStep({ microbatches: [lmTask(step), lmTask(step + 100)] });

    const first = await createCausalLM({ config, seed: 1 });
    first.configureTraining(settings);
    for (let step = 0; step < 4; step++) await first.doTrainStep({ microbatches: [lmTask(step), lmTask(step + 100)] });
    const checkpoint = path.join(directory, 'step-4');
    await saveCheckpoint(first, checkpoint);
    first.dispose();
    const resumed = await loadCheckpoint(checkpoint);
    expect(resumed.step).toBe(4);
    for (let step = 4; step < 8; step++) await resumed.doTrainStep({ microbatches: [lmTask(step), lmTask(step + 100)] });

    expect(await bits(resumed)).toEqual(await bits(straight));
    straight.dispose();
    resumed.dispose();
  });

  it('replaces a checkpoint atomically and leaves no temporary directories', async () => {
    const model = await createCausalLM({ config: tinyConfig(), seed: 2 });
    model.configureTraining({ optimizer: { learningRate: 1e-3 } });
    const checkpoint = path.join(directory, 'latest');
    await saveCheckpoint(model, checkpoint);
    await model.doTrainStep({ microbatches: [lmTask(1)] });
    await saveCheckpoint(model, checkpoint);
    expect(JSON.parse(await readFile(path.join(checkpoint, 'checkpoint.json'), 'utf8')).step).toBe(1);
    expect((await readdir(directory)).filter((name) => name.startsWith('.'))).toEqual([]);
    expect((await readdir(checkpoint)).sort()).toEqual(['checkpoint.json', 'config.json', 'model.safetensors', 'optimizer.safetensors', 'training-state.json']);
    model.dispose();
  });

  it('saves in Hugging Face GPT-2 layout and loads it back to the same outputs', async () => {
    const original = await loadCausalLM(fixturePath('tiny-gpt2'));
    const saved = path.join(directory, 'hf');
    await saveModel(original, saved);
    const { tensors } = await readSafetensors(path.join(saved, 'model.safetensors'));
    expect(tensors.get('transformer.h.0.attn.c_attn.weight')?.shape).toEqual([32, 96]); // Conv1D [in, out]
    expect(tensors.has('lm_head.weight')).toBe(false); // tied
    const config = JSON.parse(await readFile(path.join(saved, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_embd: 32, n_layer: 2, n_head: 4 });
    const reloaded = await loadCausalLM(saved);
    const batch = randomBatch(3, 2, 8, 128, [2, 0], 127);
    expectClose((await reloaded.doLogprobs({ batch })).logprobs, (await original.doLogprobs({ batch })).logprobs, { atol: 0, rtol: 0, label: 'logprobs' });
    original.dispose();
    reloaded.dispose();
  });

  it('starts a reward model from an SFT checkpoint with its trunk and a fresh head, and a value model from the reward model', async () => {
    const policy = await loadCausalLM(fixturePath('tiny-gpt2'));
    const reward = await loadScalarModel(fixturePath('tiny-gpt2'), { initFrom: 'causal-lm', seed: 5 });
    const policyParameters = await policy.doGetParameters();
    const rewardParameters = await reward.doGetParameters();
    expect(rewardParameters.get('h.1.mlp.c_fc.weight')!.data).toEqual(policyParameters.get('h.1.mlp.c_fc.weight')!.data);
    expect(rewardParameters.get('score.weight')!.shape).toEqual([1, 32]);
    const saved = path.join(directory, 'reward');
    await saveModel(reward, saved);
    const value = await loadScalarModel(saved);
    expect(await bits(value)).toEqual(await bits(reward));
    const batch = randomBatch(4, 2, 6, 128, [0, 2], 127);
    expect((await value.doScore({ batch })).scores).toEqual((await reward.doScore({ batch })).scores);
    for (const model of [policy, reward, value]) model.dispose();
  });

  it('names the file and parameter of a broken checkpoint', async () => {
    const broken = path.join(directory, 'broken');
    const model = await createScalarModel({ config: tinyConfig(), seed: 1 });
    await saveModel(model, broken);
    model.dispose();
    const { tensors } = await readSafetensors(path.join(broken, 'model.safetensors'));
    tensors.set('transformer.wpe.weight', { dtype: 'float32', shape: [3, 8], data: new Float32Array(24) });
    await writeSafetensors(path.join(broken, 'model.safetensors'), tensors);
    await expect(loadScalarModel(broken)).rejects.toThrow(CheckpointError);
    await expect(loadScalarModel(broken)).rejects.toThrow(/model.safetensors: wpe.weight: shape \[3, 8\] does not match the config's \[12, 8\]/);
    await expect(loadCausalLM(path.join(directory, 'missing'))).rejects.toThrow(InvalidFileError);
    await writeFile(path.join(broken, 'checkpoint.json'), '{"format":"something-else"}');
    await expect(loadCheckpoint(broken)).rejects.toThrow(CheckpointError);
  });
});
