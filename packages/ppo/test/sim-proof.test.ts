/**
 * The proof on the embedded sim task, end to end: a tiny GPT-2 is fine-tuned on the sim
 * demonstrations (@instructkit/sft), a reward model is trained on the sim rankings
 * (@instructkit/reward), then PPO must raise both the reward model's score and the sim's
 * gold score of the policy above the SFT model it started from, with finite KL.
 *
 * About three minutes on the tfjs wasm backend, so it runs only when INSTRUCTKIT_SLOW_TESTS=1
 * (reported as skipped otherwise): `INSTRUCTKIT_SLOW_TESTS=1 npx vitest run test/sim-proof.test.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalGenerator, type CausalLMV1 } from '@instructkit/core';
import { createRewardModel, rankingExamplesFromRecords, trainRewardModel } from '@instructkit/reward';
import { instructgptPreset as sftPreset, sft } from '@instructkit/sft';
import { buildSimDataset, createGoldRewardModel } from '@instructkit/sim';
import { createCausalLM, loadCausalLM, loadScalarModel } from '@instructkit/tfjs';
import { trainTokenizer } from '@instructkit/tokenizer';
import { trainPpo } from '../src/train-ppo';

const MAX_NEW_TOKENS = 16;
const CONTEXT = 96;
const directories: string[] = [];
afterAll(async () => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

describe.runIf(process.env.INSTRUCTKIT_SLOW_TESTS === '1')('PPO on the sim task', () => {
  it('raises the reward-model and gold reward above the SFT start with finite KL', { timeout: 600_000 }, async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'instructkit-ppo-sim-'));
    directories.push(root);
    const dataset = buildSimDataset({ seed: 1, counts: { prompts: 600, pretrainParagraphs: 200, labelers: 4 } });
    const { train, valid } = dataset.splits;
    const promptText = new Map([...train.prompts, ...valid.prompts].map((prompt) => [prompt.id, prompt.text!]));
    const tokenizer = await trainTokenizer({
      texts: [dataset.pretrain, ...train.prompts.map((prompt) => prompt.text!), ...train.demonstrations.map((demonstration) => demonstration.completion)],
      vocabSize: 400,
    });
    const eosTokenId = tokenizer.eosTokenId!;
    const fits = (text: string) => tokenizer.encode(text).length + MAX_NEW_TOKENS <= CONTEXT;
    const config = {
      architecture: 'gpt2' as const,
      vocabSize: tokenizer.vocabSize,
      contextLength: CONTEXT,
      hiddenSize: 48,
      numLayers: 2,
      numHeads: 4,
      eosTokenId,
      dropout: { embedding: 0, attention: 0, residual: 0 },
    };

    // SFT on the demonstrations.
    const sftResult = await sft({
      model: await createCausalLM({ config, seed: 1, backend: 'wasm' }),
      tokenizer,
      train: train.demonstrations.map((demonstration) => ({ prompt: promptText.get(demonstration.promptId)!, completion: demonstration.completion })),
      preset: { ...sftPreset({ learningRate: 3e-3, epochs: 12, sequencesPerBatch: 16 }), dropout: { residual: 0 } },
      runDirectory: path.join(root, 'sft'),
    });
    const sftDirectory = sftResult.exported!;

    // Reward model from the SFT trunk, on the rankings.
    const rewardTrunk = await loadScalarModel(sftDirectory, { initFrom: 'causal-lm', seed: 2 });
    rewardTrunk.configureTraining({ optimizer: { learningRate: 1e-3 } });
    await trainRewardModel({
      model: rewardTrunk,
      tokenizer,
      train: rankingExamplesFromRecords(train.rankings, promptText),
      epochs: 2,
      promptsPerBatch: 8,
      runDirectory: path.join(root, 'reward'),
    });
    const rewardModel = createRewardModel({ model: rewardTrunk, tokenizer });
    const gold = createGoldRewardModel();

    // Held-out prompts, fixed sampling seed: the same measurement before and after PPO.
    const evaluationPrompts = valid.prompts.map((prompt) => prompt.text!).filter(fits).slice(0, 128);
    const measure = async (policy: CausalLMV1) => {
      const { sequences } = await createLocalGenerator(policy).doGenerate({
        prompts: evaluationPrompts.map((prompt) => Int32Array.from(tokenizer.encode(prompt))),
        sampling: { maxNewTokens: MAX_NEW_TOKENS, seed: 7, eosTokenIds: [eosTokenId] },
      });
      const completions = sequences.map((sequence) =>
        tokenizer.decode(sequence.finishReason === 'eos' ? sequence.completionIds.subarray(0, -1) : sequence.completionIds),
      );
      const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
      return {
        reward: mean(await rewardModel.doScore({ prompts: evaluationPrompts, completions })),
        gold: mean(await gold.doScore({ prompts: evaluationPrompts, completions })),
      };
    };

    // PPO: policy and reference from the SFT model, value model from the reward model.
    const policy = await loadCausalLM(sftDirectory, { modelId: 'policy' });
    const reference = await loadCausalLM(sftDirectory, { modelId: 'reference' });
    const valueModel = await loadScalarModel(sftDirectory, { initFrom: 'causal-lm' });
    await valueModel.doSetParameters(await rewardTrunk.doGetParameters());
    policy.configureTraining({ optimizer: { learningRate: 3e-4 }, maxGradNorm: 1 });
    valueModel.configureTraining({ optimizer: { learningRate: 3e-4 }, maxGradNorm: 1 });
    const runPpo = (iterations: number) =>
      trainPpo({
        policy,
        reference,
        valueModel,
        rewardModel,
        goldRewardModel: gold,
        tokenizer,
        prompts: train.prompts.map((prompt) => prompt.text!).filter(fits),
        // A small entropy bonus: see the README's note on the tfjs engine.
        hyperparameters: { iterations, rolloutBatchSize: 32, minibatchSize: 8, epochs: 2, maxNewTokens: MAX_NEW_TOKENS, klCoefficient: 0.02, emaDecay: 0, entropyCoefficient: 0.001 },
        runDirectory: path.join(root, 'ppo'),
        onWarning: () => {},
      });
    const atStart = await measure(policy);
    const early = await runPpo(12);
    const afterEarly = await measure(policy);
    const earlyKl = early.history.at(-1)!.kl;
    // Optimising the proxy longer (resuming the same run) shows over-optimisation: the
    // reward model's score keeps rising while the gold score stops following it.
    const late = await runPpo(30);
    const afterLate = await measure(policy);
    const lateKl = late.history.at(-1)!.kl;
    process.stdout.write(
      `sim proof: SFT ${JSON.stringify(atStart)} → 12 iterations ${JSON.stringify(afterEarly)} (KL ${earlyKl.toFixed(2)})` +
        ` → 30 iterations ${JSON.stringify(afterLate)} (KL ${lateKl.toFixed(2)})\n`,
    );
    expect(afterEarly.reward).toBeGreaterThan(atStart.reward);
    expect(afterEarly.gold).toBeGreaterThan(atStart.gold);
    expect(Number.isFinite(earlyKl) && earlyKl > 0).toBe(true);
    expect(afterLate.reward).toBeGreaterThan(afterEarly.reward);
    expect(Number.isFinite(lateKl)).toBe(true);
  });
});
