// InstructGPT on the embedded sim task, step by step, with the packages' own APIs (this is what
// `instructkit pipeline` / `npm run demo` does, minus resumption and the full evaluation suite).
//
//   npm start               small settings (a few minutes on 2 cores)
//   npm start -- --tiny     toy settings (the CI smoke test)
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLocalGenerator } from '@instructkit/core';
import { cleanPrompts, promptText, ranksOf } from '@instructkit/data';
import { computeWinRate, createRewardJudge } from '@instructkit/evals';
import { instructgptPreset, trainPpo } from '@instructkit/ppo';
import { createRewardModel, readRewardNormalization, trainRewardModel } from '@instructkit/reward';
import { pretrain, sft } from '@instructkit/sft';
import { buildSimDataset, createGoldRewardModel, fewShotPrefix, formatFewShotQuery } from '@instructkit/sim';
import { createCausalLM, loadCausalLM, loadScalarModel } from '@instructkit/tfjs';
import { trainTokenizer } from '@instructkit/tokenizer';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Two scales of the same recipe. */
export const SCALES = {
  tiny: { prompts: 240, paragraphs: 150, width: 32, layers: 1, pretrainEpochs: 1, sftEpochs: 1, rmEpochs: 1, ppoIterations: 2, rollout: 8, evalPrompts: 16 },
  small: { prompts: 1200, paragraphs: 1000, width: 64, layers: 2, pretrainEpochs: 4, sftEpochs: 3, rmEpochs: 1, ppoIterations: 10, rollout: 16, evalPrompts: 100 },
};

/**
 * Runs the recipe.
 * @param {{ scale?: keyof typeof SCALES, runDirectory?: string, seed?: number, log?: (line: string) => void }} [options]
 */
export async function run(options = {}) {
  const scale = SCALES[options.scale ?? 'small'];
  const seed = options.seed ?? 1;
  const log = options.log ?? console.log;
  const runs = options.runDirectory ?? path.join(here, 'runs');
  const onEvent = (event) => {
    if (event.type === 'run-end') log(`  ${event.stage}: ${event.step} steps`);
  };

  // 1. Data: prompts from simulated users, labeler demonstrations and K-way rankings, a pretraining corpus.
  const dataset = buildSimDataset({ seed, counts: { prompts: scale.prompts, pretrainParagraphs: scale.paragraphs } });
  const all = Object.values(dataset.splits);
  // 2. Prompt hygiene (InstructGPT §3.2): scrub PII, drop near-duplicates, cap per user, split by user.
  const { train, test, report } = cleanPrompts(all.flatMap((split) => split.prompts), { seed });
  log(`data: ${report.input} prompts, ${report.scrubbedPrompts} scrubbed, ${report.duplicates} duplicates dropped; ${train.length} train / ${test.length} test prompts`);
  const render = (prompt) => formatFewShotQuery(prompt); // "Instruction: …\nResponse:"
  const demonstrations = new Map(all.flatMap((split) => split.demonstrations).map((record) => [record.promptId, record]));
  const rankings = new Map(all.flatMap((split) => split.rankings).map((record) => [record.promptId, record]));
  const sftData = train.filter((p) => demonstrations.has(p.id)).map((p) => ({ prompt: render(promptText(p)), completion: ` ${demonstrations.get(p.id).completion}` }));
  const rmData = train.filter((p) => rankings.has(p.id)).map((p) => {
    const ranking = rankings.get(p.id);
    return { prompt: render(promptText(p)), completions: ranking.completions.map((c) => ` ${c.text}`), ranks: ranksOf(ranking) };
  });
  const ppoPrompts = train.filter((p) => p.meta?.stage === 'ppo').map((p) => render(promptText(p)));
  const corpus = dataset.pretrain.split(/\n\s*\n/).filter(Boolean);

  // 3. Tokenizer: byte-level BPE on the corpus and the demonstrations.
  const tokenizer = await trainTokenizer({ texts: [...corpus, ...sftData.map((r) => r.prompt + r.completion)], vocabSize: 768 });

  // 4. Base LM: pretraining on plain paragraphs (no instructions): the "GPT-3" of this world.
  const base = await createCausalLM({
    config: { architecture: 'gpt2', vocabSize: tokenizer.vocabSize, contextLength: 128, hiddenSize: scale.width, numLayers: scale.layers, numHeads: 2, eosTokenId: tokenizer.eosTokenId },
    seed,
  });
  const { exported: baseDirectory } = await pretrain({
    model: base, tokenizer, texts: corpus, packing: true, epochs: scale.pretrainEpochs, sequencesPerBatch: 16,
    optimization: { optimizer: { learningRate: 3e-3 }, maxGradNorm: 1 }, runDirectory: path.join(runs, 'base'), onEvent,
  });
  base.dispose();

  // 5. SFT on the demonstrations (loss on the answer tokens only).
  const policyStart = await loadCausalLM(baseDirectory);
  const { exported: sftDirectory } = await sft({
    model: policyStart, tokenizer, train: sftData, epochs: scale.sftEpochs, sequencesPerBatch: 16,
    optimization: { optimizer: { learningRate: 1e-3 }, maxGradNorm: 1 }, runDirectory: path.join(runs, 'sft'), onEvent,
  });
  policyStart.dispose();

  // 6. Reward model: the SFT trunk with a scalar head, InstructGPT Eq. 1 over all C(K,2) pairs.
  const rewardTrunk = await loadScalarModel(sftDirectory, { initFrom: 'causal-lm', seed });
  rewardTrunk.configureTraining({ optimizer: { learningRate: 3e-4 }, maxGradNorm: 1 });
  const { exported: rmDirectory } = await trainRewardModel({
    model: rewardTrunk, tokenizer, train: rmData, epochs: scale.rmEpochs, promptsPerBatch: 8,
    normalizeWith: { demonstrations: sftData.slice(0, 128) }, runDirectory: path.join(runs, 'rm'), onEvent,
  });
  rewardTrunk.dispose();

  // 7. PPO against the reward model, with a per-token KL penalty to the SFT model (Eq. 2).
  const preset = instructgptPreset({ learningRate: 5e-5, maxNewTokens: 16 });
  const policy = await loadCausalLM(sftDirectory);
  const reference = await loadCausalLM(sftDirectory);
  const valueModel = await loadScalarModel(rmDirectory);
  const scorer = await loadScalarModel(rmDirectory);
  policy.configureTraining({ ...preset.policyOptimization, schedule: { kind: 'constant', warmupSteps: 2 } });
  valueModel.configureTraining({ ...preset.valueOptimization, schedule: { kind: 'constant', warmupSteps: 2 } });
  const rewardModel = createRewardModel({ model: scorer, tokenizer, normalization: await readRewardNormalization(rmDirectory) });
  const ppo = await trainPpo({
    policy, reference, valueModel, rewardModel, goldRewardModel: createGoldRewardModel(), tokenizer, prompts: ppoPrompts,
    hyperparameters: { ...preset.hyperparameters, iterations: scale.ppoIterations, rolloutBatchSize: scale.rollout, minibatchSize: scale.rollout / 2, emaDecay: 0, seed },
    runDirectory: path.join(runs, 'ppo'), onEvent, onWarning: () => {},
  });
  const last = ppo.history.at(-1);
  log(`ppo: reward ${last.reward.toFixed(3)}, KL ${last.kl.toFixed(3)}, gold ${last.gold_reward.toFixed(3)}`);

  // 8. Evaluation: answers to held-out prompts, judged pairwise by the sim task's gold labeler.
  const sftModel = await loadCausalLM(sftDirectory);
  const baseModel = await loadCausalLM(baseDirectory);
  const evalPrompts = test.slice(0, scale.evalPrompts).map((p) => ({ text: promptText(p), family: String(p.meta?.family) }));
  const answer = async (model, prefix = '') => {
    const { sequences } = await createLocalGenerator(model).doGenerate({
      prompts: evalPrompts.map((p) => Int32Array.from(tokenizer.encode(prefix + render(p.text))).slice(-100)),
      sampling: { maxNewTokens: 16, temperature: 0, eosTokenIds: [tokenizer.eosTokenId] },
    });
    return sequences.map((s) => tokenizer.decode(s.completionIds.filter((id) => id !== tokenizer.eosTokenId)).split('\n')[0].trim());
  };
  const answers = { base: await answer(baseModel), 'base-prompted': await answer(baseModel, fewShotPrefix(2, seed)), sft: await answer(sftModel), ppo: await answer(policy) };
  const judge = createRewardJudge(createGoldRewardModel(), { judgeId: 'sim-gold' });
  const winRates = [];
  for (const [a, b] of [['sft', 'base'], ['sft', 'base-prompted'], ['ppo', 'sft']]) {
    const items = evalPrompts.map((p, i) => ({ prompt: p.text, a: answers[a][i], b: answers[b][i], group: p.family }));
    const win = await computeWinRate({ a, b, judge, items });
    log(`${a} vs ${b}: ${(100 * win.rate).toFixed(1)}% [${(100 * win.ciLow).toFixed(1)}%, ${(100 * win.ciHigh).toFixed(1)}%] over ${win.n} prompts`);
    winRates.push(win);
  }
  for (const model of [policy, reference, valueModel, scorer, sftModel, baseModel]) model.dispose();
  return { winRates, ppo: ppo.history, samples: evalPrompts.slice(0, 3).map((p, i) => ({ prompt: p.text, sft: answers.sft[i], ppo: answers.ppo[i] })) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ scale: process.argv.includes('--tiny') ? 'tiny' : 'small' });
}
