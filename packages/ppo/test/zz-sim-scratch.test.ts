import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'vitest';
import { buildSimDataset, createGoldRewardModel } from '@instructkit/sim';
import { trainTokenizer } from '@instructkit/tokenizer';
import { createCausalLM, loadCausalLM, loadScalarModel } from '@instructkit/tfjs';
import { sft, instructgptPreset as sftPreset } from '@instructkit/sft';
import { trainRewardModel, rankingExamplesFromRecords, createRewardModel } from '@instructkit/reward';
import { createLocalGenerator } from '@instructkit/core';
import { trainPpo } from '../src/train-ppo';

it('sim scratch', { timeout: 900_000 }, async () => {
  const t0 = performance.now();
  const lap = (label: string) => process.stdout.write(`LAP ${label} ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
  const dataset = buildSimDataset({ seed: 1, counts: { prompts: 600, pretrainParagraphs: 200, labelers: 4 } });
  const train = dataset.splits.train;
  const promptText = new Map([...train.prompts, ...dataset.splits.valid.prompts].map((p) => [p.id, p.text!]));
  const tokenizer = await trainTokenizer({ texts: [dataset.pretrain, ...train.prompts.map((p) => p.text!), ...train.demonstrations.map((d) => d.completion)], vocabSize: 400 });
  const config = { architecture: 'gpt2' as const, vocabSize: tokenizer.vocabSize, contextLength: 96, hiddenSize: 48, numLayers: 2, numHeads: 4, eosTokenId: tokenizer.eosTokenId!, dropout: { embedding: 0, attention: 0, residual: 0 } };
  const root = await mkdtemp(path.join(tmpdir(), 'ppo-sim-'));
  const model = await createCausalLM({ config, seed: 1, backend: 'wasm' });
  const demos = train.demonstrations.map((d) => ({ prompt: promptText.get(d.promptId)!, completion: d.completion }));
  const sftResult = await sft({ model, tokenizer, train: demos, preset: { ...sftPreset({ learningRate: 3e-3, epochs: 12, sequencesPerBatch: 16 }), dropout: { residual: 0 } }, runDirectory: path.join(root, 'sft') });
  lap(`sft`);
  const rmModel = await loadScalarModel(sftResult.exported!, { initFrom: 'causal-lm', seed: 2 });
  rmModel.configureTraining({ optimizer: { learningRate: 1e-3 } });
  const rmResult = await trainRewardModel({ model: rmModel, tokenizer, train: rankingExamplesFromRecords(train.rankings, promptText), epochs: 2, promptsPerBatch: 8, runDirectory: path.join(root, 'rm') } as never);
  lap(`rm ${JSON.stringify(rmResult.evaluation ?? {}).slice(0, 200)}`);
  const rewardModel = createRewardModel({ model: rmModel, tokenizer });
  const gold = createGoldRewardModel();
  const evalPrompts = dataset.splits.valid.prompts.map((p) => p.text!).filter((p) => tokenizer.encode(p).length + 16 <= 96).slice(0, 64);
  const measure = async (policy: Parameters<typeof createLocalGenerator>[0]) => {
    const { sequences } = await createLocalGenerator(policy).doGenerate({ prompts: evalPrompts.map((p) => Int32Array.from(tokenizer.encode(p))), sampling: { maxNewTokens: 16, seed: 7, eosTokenIds: [tokenizer.eosTokenId!] } });
    const completions = sequences.map((s) => tokenizer.decode(s.finishReason === 'eos' ? s.completionIds.subarray(0, -1) : s.completionIds));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return { rm: mean(await rewardModel.doScore({ prompts: evalPrompts, completions })), gold: mean(await gold.doScore({ prompts: evalPrompts, completions })), sample: completions.slice(0, 3) };
  };
  const policy = await loadCausalLM(sftResult.exported!, { modelId: 'policy' });
  const reference = await loadCausalLM(sftResult.exported!, { modelId: 'reference' });
  const valueModel = await loadScalarModel(sftResult.exported!, { initFrom: 'causal-lm', seed: 2 });
  await valueModel.doSetParameters(await rmModel.doGetParameters());
  policy.configureTraining({ optimizer: { learningRate: 3e-4 }, maxGradNorm: 1 });
  valueModel.configureTraining({ optimizer: { learningRate: 3e-4 }, maxGradNorm: 1 });
  const before = await measure(policy);
  lap(`before ${JSON.stringify(before)}`);
  const ppoPrompts = train.prompts.map((p) => p.text!).filter((p) => tokenizer.encode(p).length + 16 <= 96);
  const result = await trainPpo({ policy, reference, valueModel, rewardModel, goldRewardModel: gold, tokenizer, prompts: ppoPrompts,
    hyperparameters: { iterations: 12, rolloutBatchSize: 32, minibatchSize: 8, epochs: 2, maxNewTokens: 16, klCoefficient: 0.02, emaDecay: 0, entropyCoefficient: 0.001 },
    onEvent: (e) => { if (e.type === 'step-end') process.stdout.write(`LAP it ${e.step} r=${e.metrics.reward?.toFixed(3)} g=${e.metrics.gold_reward?.toFixed(3)} kl=${e.metrics.kl?.toFixed(3)} ${((performance.now() - t0) / 1000).toFixed(0)}s\n`); } });
  const after = await measure(policy);
  lap(`after ${JSON.stringify(after)}`);
  await rm(root, { recursive: true, force: true });
});
