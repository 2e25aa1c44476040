import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { InvalidFileError, writeFileAtomic, type TrainingEvent } from '@instructkit/core';
import { buildSimMultipleChoiceSuite, buildSimTruthfulnessQuestions } from './sim-evaluation-sets';
import { collectCurves, writePipelineReport, type PipelineReport } from './build-pipeline-report';
import { evaluateModels, type EvaluatedModel, type EvaluationResults } from './evaluate-models';
import type { PipelineSettings } from './pipeline-config';
import { loadPipelineEngine, type PipelineInferenceModel } from './pipeline-engine';
import { prepareSimData, type PreparedData, type PreparedRanking } from './prepare-sim-data';
import { rankPolicySamples } from './rank-policy-samples';

/** The stages of a pipeline run, in order. */
export const PIPELINE_STAGES = ['data', 'tokenizer', 'base', 'sft', 'rm', 'ppo', 'ppo-ptx', 'eval', 'report'] as const;

/** A stage of {@link runPipeline}. */
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** Events of a pipeline run: the trainers' own events plus stage boundaries and log lines. */
export type PipelineEvent =
  | TrainingEvent
  | { readonly type: 'stage-start'; readonly stage: PipelineStage; readonly index: number; readonly total: number; readonly elapsedSeconds: number }
  | { readonly type: 'stage-end'; readonly stage: PipelineStage; readonly seconds: number; readonly skipped: boolean; readonly detail?: string }
  | { readonly type: 'log'; readonly stage: PipelineStage; readonly message: string };

/** Options of {@link runPipeline}. */
export interface RunPipelineOptions {
  /** Receives progress events. Default: none. */
  readonly onEvent?: (event: PipelineEvent) => void;
  /** Abort: the stage in flight checkpoints and the run returns `interrupted`; rerunning resumes. */
  readonly signal?: AbortSignal;
  /** Pretrain the base LM even when `base.model` names a committed one. Default: false. */
  readonly fromScratch?: boolean;
  /** Resolves `base.model` and `runsDirectory`. Default: the working directory. */
  readonly baseDirectory?: string;
}

/** Result of {@link runPipeline}. */
export interface PipelineResult {
  /** `completed`, or `interrupted` (run again to resume). */
  readonly reason: 'completed' | 'interrupted';
  /** `<runsDirectory>/<name>`. */
  readonly runDirectory: string;
  /** The report (absent when interrupted). */
  readonly report?: PipelineReport;
  /** Paths of report.json and report.html (absent when interrupted). */
  readonly files?: { readonly json: string; readonly html: string };
}

/** `pipeline-state.json`: the finished stages and their times. */
interface PipelineState {
  readonly version: 1;
  /** Seconds of each finished stage, and of unfinished ones so far. */
  seconds: Partial<Record<PipelineStage, number>>;
  /** Finished stages. */
  done: PipelineStage[];
  /** Where the base model came from. */
  base?: { source: 'pretrained' | 'committed'; directory: string };
  /** Fingerprint of the settings each stage was run with. */
  settings: Partial<Record<PipelineStage, string>>;
}

/** Subdirectory of each stage's outputs in the run directory. */
const STAGE_DIRECTORIES: Record<PipelineStage, string> = {
  data: 'data',
  tokenizer: 'tokenizer',
  base: 'base',
  sft: 'sft',
  rm: 'rm',
  ppo: 'ppo',
  'ppo-ptx': 'ppo-ptx',
  eval: 'eval',
  report: 'report',
};

/** The settings each stage depends on, cumulatively (a stage depends on everything before it). */
function stageFingerprints(settings: PipelineSettings, fromScratch: boolean, engine: string, committedBase: string | undefined): Record<PipelineStage, string> {
  const sections: Record<PipelineStage, unknown> = {
    // `layout`: prepared.json gained fields (labelers); older runs regenerate their data.
    data: { seed: settings.seed, data: settings.data, layout: 2 },
    // The committed model's resolved path: the same directory spelled two ways is the same model.
    tokenizer: { tokenizer: settings.tokenizer, committed: fromScratch ? null : (committedBase ?? null) },
    // The engine's numerics differ in rounding, and its checkpoints' optimizer state is its own.
    base: { base: settings.base, fromScratch, backend: settings.backend ?? null, engine },
    sft: settings.sft,
    rm: settings.rm,
    ppo: settings.ppo,
    'ppo-ptx': settings.ppo,
    eval: settings.eval,
    report: null,
  };
  const fingerprints = {} as Record<PipelineStage, string>;
  let cumulative = '';
  for (const name of PIPELINE_STAGES) {
    cumulative += JSON.stringify(sections[name]);
    fingerprints[name] = createHash('sha256').update(cumulative).digest('hex').slice(0, 16);
  }
  return fingerprints;
}

/** Thrown internally to unwind when a trainer returns `interrupted`. */
class PipelineInterrupted extends Error {}

/**
 * Runs InstructGPT end to end on the embedded sim task: seeded data → prompt hygiene →
 * tokenizer → base LM (pretrained, or the committed one) → SFT → reward model → PPO and
 * PPO-ptx → evaluation of base, few-shot-prompted base, SFT, PPO and PPO-ptx → `report.json`
 * and `report.html` in `<runsDirectory>/<name>/`. Every stage is resumable: finished stages
 * are skipped on a rerun, and an interrupted one resumes from its checkpoint. Changing a
 * setting reruns the stage that depends on it and every later one (earlier ones are kept).
 *
 * @throws InvalidFileError when the committed base model is missing.
 * @example
 * ```ts
 * const { report } = await runPipeline(pipelinePreset('quick'), { onEvent: console.log });
 * console.log(report?.winRates);
 * ```
 */
export async function runPipeline(settings: PipelineSettings, options: RunPipelineOptions = {}): Promise<PipelineResult> {
  const root = options.baseDirectory ?? process.cwd();
  const runDirectory = path.resolve(root, settings.runsDirectory, settings.name);
  await mkdir(runDirectory, { recursive: true });
  const emit = options.onEvent ?? (() => {});
  const useCommittedBase = settings.base.model !== undefined && !options.fromScratch;
  const stateFile = path.join(runDirectory, 'pipeline-state.json');
  const state: PipelineState = existsSync(stateFile) ? (JSON.parse(await readFile(stateFile, 'utf8')) as PipelineState) : { version: 1, seconds: {}, done: [], settings: {} };
  state.settings ??= {};
  // A stage is reused only while the settings it (and every stage before it) depends on are unchanged;
  // from the first changed stage on, outputs are deleted so no trainer resumes from a stale checkpoint.
  const engine = await loadPipelineEngine(settings.engine ?? 'auto', {
    ...(settings.backend ? { backend: settings.backend } : {}),
    log: (message) => emit({ type: 'log', stage: 'data', message }),
  });
  const fingerprints = stageFingerprints(settings, !useCommittedBase, engine.name, useCommittedBase ? path.resolve(root, settings.base.model!) : undefined);
  const firstChanged = PIPELINE_STAGES.findIndex((name) => state.settings[name] !== undefined && state.settings[name] !== fingerprints[name]);
  if (firstChanged >= 0) {
    for (const name of PIPELINE_STAGES.slice(firstChanged)) {
      state.done = state.done.filter((done) => done !== name);
      delete state.seconds[name];
      delete state.settings[name];
      await rm(path.join(runDirectory, STAGE_DIRECTORIES[name]), { recursive: true, force: true });
    }
    emit({ type: 'log', stage: PIPELINE_STAGES[firstChanged]!, message: `settings changed: rerunning from the ${PIPELINE_STAGES[firstChanged]} stage` });
  }
  for (const name of PIPELINE_STAGES) state.settings[name] = fingerprints[name];
  await writeFileAtomic(path.join(runDirectory, 'settings.json'), `${JSON.stringify({ ...settings, fromScratch: !useCommittedBase, engine: engine.name }, null, 2)}\n`);
  const saveState = () => writeFileAtomic(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  const started = Date.now();
  const directories = {
    data: path.join(runDirectory, 'data'),
    tokenizer: path.join(runDirectory, 'tokenizer'),
    base: path.join(runDirectory, 'base'),
    sft: path.join(runDirectory, 'sft'),
    rm: path.join(runDirectory, 'rm'),
    ppo: path.join(runDirectory, 'ppo'),
    ppoPtx: path.join(runDirectory, 'ppo-ptx'),
    eval: path.join(runDirectory, 'eval'),
  };
  const finalOf = (directory: string) => path.join(directory, 'checkpoints', 'final');

  /** Runs one stage unless it finished before; times it; records it. */
  const stage = async <T>(name: PipelineStage, run: () => Promise<T>, resume: () => Promise<T>): Promise<T> => {
    const index = PIPELINE_STAGES.indexOf(name);
    emit({ type: 'stage-start', stage: name, index: index + 1, total: PIPELINE_STAGES.length, elapsedSeconds: (Date.now() - started) / 1000 });
    if (state.done.includes(name)) {
      const value = await resume();
      emit({ type: 'stage-end', stage: name, seconds: 0, skipped: true });
      return value;
    }
    const stageStart = Date.now();
    try {
      const value = await run();
      state.seconds[name] = (state.seconds[name] ?? 0) + (Date.now() - stageStart) / 1000;
      state.done.push(name);
      await saveState();
      emit({ type: 'stage-end', stage: name, seconds: state.seconds[name]!, skipped: false });
      return value;
    } catch (error) {
      state.seconds[name] = (state.seconds[name] ?? 0) + (Date.now() - stageStart) / 1000;
      await saveState();
      throw error;
    }
  };
  const log = (name: PipelineStage) => (message: string) => emit({ type: 'log', stage: name, message });
  const interrupted = (reason: string) => {
    if (reason === 'interrupted') throw new PipelineInterrupted();
  };

  try {
    const { loadTokenizer, trainTokenizer } = await import('@instructkit/tokenizer');
    const { exportCheckpoint } = await import('@instructkit/sft');

    const data = await stage(
      'data',
      async () => {
        const prepared = await prepareSimData(settings, directories.data);
        log('data')(
          `${prepared.hygiene.input} prompts → scrubbed ${prepared.hygiene.scrubbedPrompts}, dropped ${prepared.hygiene.duplicates} duplicates and ${prepared.hygiene.overCap} over the per-user cap; ` +
            `train/valid/test ${prepared.hygiene.prompts.train}/${prepared.hygiene.prompts.valid}/${prepared.hygiene.prompts.test} prompts of ${prepared.hygiene.users.train}/${prepared.hygiene.users.valid}/${prepared.hygiene.users.test} users; ` +
            `${prepared.sftTrain.length} demonstrations, ${prepared.rankingsTrain.length} rankings, ${prepared.ppoPrompts.length} PPO prompts`,
        );
        return prepared;
      },
      async () => JSON.parse(await readFile(path.join(directories.data, 'prepared.json'), 'utf8')) as PreparedData,
    );

    const committedBase = useCommittedBase ? path.resolve(root, settings.base.model!) : undefined;
    if (committedBase && !existsSync(path.join(committedBase, 'model.safetensors'))) {
      throw new InvalidFileError(committedBase, 'the committed base model is missing (model.safetensors); run with --from-scratch to pretrain one');
    }
    const tokenizerFile = path.join(directories.tokenizer, 'tokenizer.json');
    await stage(
      'tokenizer',
      async () => {
        await mkdir(directories.tokenizer, { recursive: true });
        if (committedBase) {
          // A pretrained model fixes its vocabulary: reuse the tokenizer it was trained with.
          await copyFile(path.join(committedBase, 'tokenizer.json'), tokenizerFile);
          log('tokenizer')(`using the committed base model's tokenizer (${committedBase})`);
          return;
        }
        const texts = [...data.pretrain, ...data.sftTrain.map((record) => `${record.prompt}${record.completion}`)];
        const trained = await trainTokenizer({ texts, vocabSize: settings.tokenizer.vocabSize });
        await writeFileAtomic(tokenizerFile, trained.toTokenizerJson());
        log('tokenizer')(`trained a byte-level BPE of ${trained.vocabSize} ids on ${texts.length} documents`);
      },
      async () => undefined,
    );
    const tokenizer = await loadTokenizer(tokenizerFile);

    const baseDirectory = await stage(
      'base',
      async () => {
        if (committedBase) {
          state.base = { source: 'committed', directory: committedBase };
          log('base')(`using the committed base model ${committedBase} (--from-scratch pretrains one)`);
          return committedBase;
        }
        const { pretrain } = await import('@instructkit/sft');
        const model = yieldBetweenSteps(
          await engine.createCausalLM(
            {
              architecture: 'gpt2',
              vocabSize: tokenizer.vocabSize,
              ...settings.base.architecture,
              ...(tokenizer.eosTokenId !== undefined ? { eosTokenId: tokenizer.eosTokenId } : {}),
            },
            settings.seed,
            'base',
          ),
        );
        try {
          const result = await pretrain({
            model,
            tokenizer,
            texts: data.pretrain,
            validationTexts: data.pretrainValid.slice(0, 32),
            packing: true,
            epochs: settings.base.epochs,
            sequencesPerBatch: settings.base.batchSize,
            seed: settings.seed,
            optimization: { optimizer: { learningRate: settings.base.learningRate, beta2: 0.95, weightDecay: 0.01 }, maxGradNorm: 1, schedule: { kind: 'cosine', warmupSteps: 10, finalRatio: 0.1 } },
            runDirectory: directories.base,
            checkpointEvery: 100,
            onEvent: emit,
            ...(options.signal ? { signal: options.signal } : {}),
          });
          interrupted(result.run.reason);
          state.base = { source: 'pretrained', directory: result.exported! };
          return result.exported!;
        } finally {
          model.dispose();
        }
      },
      async () => state.base!.directory,
    );

    const sftDirectory = await stage(
      'sft',
      async () => {
        const { sft } = await import('@instructkit/sft');
        const model = yieldBetweenSteps(await engine.loadCausalLM(baseDirectory, { modelId: 'sft' }));
        try {
          const result = await sft({
            model,
            tokenizer,
            train: data.sftTrain,
            validation: data.sftValid.slice(0, 128),
            epochs: settings.sft.epochs,
            sequencesPerBatch: settings.sft.batchSize,
            seed: settings.seed,
            optimization: { optimizer: { learningRate: settings.sft.learningRate, beta2: 0.95 }, maxGradNorm: 1, schedule: { kind: 'cosine', warmupSteps: 0, finalRatio: 0.1 } },
            ...(settings.sft.pretrainingMix > 0 ? { pretrainingMix: { texts: data.pretrain, fraction: settings.sft.pretrainingMix } } : {}),
            runDirectory: directories.sft,
            checkpointEvery: 100,
            onEvent: emit,
            ...(options.signal ? { signal: options.signal } : {}),
          });
          interrupted(result.run.reason);
          return result.exported!;
        } finally {
          model.dispose();
        }
      },
      async () => finalOf(directories.sft),
    );

    const rmEvaluation = await stage(
      'rm',
      async () => {
        const { trainRewardModel } = await import('@instructkit/reward');
        let rankings = { train: data.rankingsTrain, validation: data.rankingsValid };
        if (settings.rm.policySamples > 0) {
          // The labelers rank the SFT model's own answers beside the synthetic candidates (InstructGPT §3.4).
          const sftModel = await engine.loadInferenceModel(sftDirectory, 'sft-samples');
          try {
            const rank = async (list: readonly PreparedRanking[], seed: number) =>
              rankPolicySamples({
                rankings: list,
                generator: engine.createGenerator(sftModel),
                tokenizer,
                labelers: data.labelers,
                samplesPerPrompt: settings.rm.policySamples,
                maxNewTokens: settings.ppo.maxNewTokens,
                seed,
                ...(options.signal ? { signal: options.signal } : {}),
              });
            const train = await rank(data.rankingsTrain, settings.seed);
            const validation = await rank(data.rankingsValid, settings.seed + 1);
            rankings = { train: train.rankings, validation: validation.rankings };
            log('rm')(`labelers ranked ${train.added + validation.added} SFT samples beside the synthetic candidates (${train.unchanged + validation.unchanged} rankings unchanged: prompt no longer parses after scrubbing)`);
          } finally {
            await sftModel.dispose();
          }
        }
        const model = yieldBetweenSteps(await engine.loadRewardModelForTraining(sftDirectory, settings.seed));
        try {
          await model.configureTraining({ optimizer: { learningRate: settings.rm.learningRate, beta1: 0.9, beta2: 0.95 }, maxGradNorm: 1, seed: settings.seed });
          const result = await trainRewardModel({
            model,
            tokenizer,
            tokenizerJson: () => tokenizer.toTokenizerJson(),
            train: rankings.train,
            validation: rankings.validation,
            promptsPerBatch: settings.rm.batchSize,
            epochs: settings.rm.epochs,
            seed: settings.seed,
            normalizeWith: { demonstrations: data.sftTrain.slice(0, 256) },
            runDirectory: directories.rm,
            checkpointEvery: 100,
            onEvent: emit,
            ...(options.signal ? { signal: options.signal } : {}),
          });
          interrupted(result.run.reason);
          const evaluation = { accuracy: result.evaluation?.accuracy ?? Number.NaN, logLoss: result.evaluation?.logLoss ?? Number.NaN, pairs: result.evaluation?.pairs ?? 0 };
          await writeFileAtomic(path.join(directories.rm, 'evaluation.json'), `${JSON.stringify(result.evaluation ?? null, null, 2)}\n`);
          await writeFileAtomic(path.join(directories.rm, 'accuracy.json'), `${JSON.stringify(evaluation)}\n`);
          log('rm')(`validation pairwise accuracy ${(100 * evaluation.accuracy).toFixed(1)}% over ${evaluation.pairs} pairs`);
          return evaluation;
        } finally {
          model.dispose();
        }
      },
      async () => JSON.parse(await readFile(path.join(directories.rm, 'accuracy.json'), 'utf8')) as { accuracy: number; logLoss: number; pairs: number },
    );
    const rmDirectory = finalOf(directories.rm);

    const runPpoStage = async (name: 'ppo' | 'ppo-ptx', directory: string): Promise<string> => {
      const { trainPpo, instructgptPreset } = await import('@instructkit/ppo');
      const { createRewardModel, readRewardNormalization } = await import('@instructkit/reward');
      const { createGoldRewardModel } = await import('@instructkit/sim');
      const preset = instructgptPreset({ learningRate: settings.ppo.learningRate, maxNewTokens: settings.ppo.maxNewTokens });
      const optimizerSteps = settings.ppo.iterations * settings.ppo.epochs * (settings.ppo.rolloutBatchSize / settings.ppo.minibatchSize);
      // The preset warms up over 80 steps (10 of the paper's iterations); short runs warm up over their first tenth.
      const warmupSteps = Math.min(80, Math.floor(optimizerSteps / 10));
      // PPO trains without dropout (InstructGPT, TRL): the ratio must be exactly 1 before the first update.
      const policy = yieldBetweenSteps(await engine.loadCausalLM(sftDirectory, { modelId: name, dropout: 'off' }));
      const reference = await engine.loadInferenceModel(sftDirectory, 'sft-reference');
      const valueModel = yieldBetweenSteps(await engine.loadScalarModel(rmDirectory, `${name}-value`));
      const scorer = await engine.loadScalarModel(rmDirectory, 'reward-model');
      const generator = await engine.createRolloutGenerator(policy);
      try {
        await policy.configureTraining({ ...preset.policyOptimization, schedule: { kind: 'constant', warmupSteps }, seed: settings.seed });
        await valueModel.configureTraining({ ...preset.valueOptimization, schedule: { kind: 'constant', warmupSteps }, seed: settings.seed });
        const result = await trainPpo({
          policy,
          reference,
          valueModel,
          rewardModel: createRewardModel({ model: scorer, tokenizer, normalization: await readRewardNormalization(rmDirectory) }),
          goldRewardModel: createGoldRewardModel(),
          generator,
          tokenizer,
          prompts: data.ppoPrompts,
          ...(name === 'ppo-ptx' ? { pretrainingCorpus: data.pretrain.map((text) => Int32Array.from(tokenizer.encode(text)).subarray(0, policy.config.contextLength)) } : {}),
          hyperparameters: {
            ...preset.hyperparameters,
            iterations: settings.ppo.iterations,
            rolloutBatchSize: settings.ppo.rolloutBatchSize,
            minibatchSize: settings.ppo.minibatchSize,
            epochs: settings.ppo.epochs,
            klCoefficient: settings.ppo.klCoefficient,
            maxNewTokens: settings.ppo.maxNewTokens,
            ptxCoefficient: settings.ppo.ptxCoefficient,
            ptxExamplesPerEpisode: settings.ppo.ptxExamplesPerEpisode,
            // The paper evaluates an EMA of the weights; over a few dozen iterations it stays near SFT, so none is kept.
            emaDecay: 0,
            // A negligible entropy bonus: it first worked around a tfjs bug (fixed in 3bd7030) and is kept so the
            // measured demo numbers in the README reproduce exactly.
            entropyCoefficient: 1e-4,
            checkpointEvery: 5,
            seed: settings.seed,
          },
          runDirectory: directory,
          onEvent: emit,
          onWarning: log(name),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        interrupted(result.reason);
        const exported = finalOf(directory);
        await exportCheckpoint({ model: policy, directory: exported, tokenizer });
        const last = result.history.at(-1);
        if (last) log(name)(`reward ${last.reward.toFixed(3)}, KL ${last.kl.toFixed(3)}${last['gold_reward'] !== undefined ? `, gold ${last['gold_reward'].toFixed(3)}` : ''}`);
        return exported;
      } finally {
        await generator.dispose?.();
        for (const model of [policy, valueModel, scorer]) model.dispose();
        await reference.dispose();
      }
    };
    const ppoDirectory = await stage('ppo', () => runPpoStage('ppo', directories.ppo), async () => finalOf(directories.ppo));
    const ppoPtxDirectory = await stage('ppo-ptx', () => runPpoStage('ppo-ptx', directories.ppoPtx), async () => finalOf(directories.ppoPtx));

    const evaluation = await stage(
      'eval',
      async () => {
        const { fewShotPrefix } = await import('@instructkit/sim');
        const { createRewardModel, readRewardNormalization } = await import('@instructkit/reward');
        const loaded = [
          { name: 'base', directory: baseDirectory },
          { name: 'sft', directory: sftDirectory },
          { name: 'ppo', directory: ppoDirectory },
          { name: 'ppo-ptx', directory: ppoPtxDirectory },
        ];
        // One at a time: @instructkit/tfjs initialises its backend once per call, and concurrent first calls race.
        const models: { name: string; model: PipelineInferenceModel }[] = [];
        for (const { name, directory } of loaded) models.push({ name, model: await engine.loadInferenceModel(directory, name) });
        const scorer = await engine.loadScalarModel(rmDirectory, 'reward-model');
        try {
          const byName = new Map(models.map((entry) => [entry.name, entry.model]));
          const evaluated: EvaluatedModel[] = [
            { name: 'base', model: byName.get('base')!, prefix: '', ownWeights: true },
            { name: 'base-prompted', model: byName.get('base')!, prefix: fewShotPrefix(settings.eval.fewShotExamples, settings.seed), ownWeights: false },
            { name: 'sft', model: byName.get('sft')!, prefix: '', ownWeights: true },
            { name: 'ppo', model: byName.get('ppo')!, prefix: '', ownWeights: true },
            { name: 'ppo-ptx', model: byName.get('ppo-ptx')!, prefix: '', ownWeights: true },
          ];
          const results = await evaluateModels({
            models: evaluated,
            tokenizer,
            prompts: data.test,
            truthfulnessQuestions: buildSimTruthfulnessQuestions(settings.eval.truthfulnessQuestions, settings.seed),
            multipleChoice: buildSimMultipleChoiceSuite(data.pretrainValid, settings.eval.multipleChoiceItems, settings.seed),
            perplexityTexts: data.pretrainValid.slice(0, settings.eval.perplexityParagraphs),
            rewardModel: createRewardModel({ model: scorer, tokenizer, normalization: await readRewardNormalization(rmDirectory) }),
            settings: settings.eval,
            seed: settings.seed,
            onProgress: log('eval'),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          await mkdir(directories.eval, { recursive: true });
          await writeFileAtomic(path.join(directories.eval, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
          return results;
        } finally {
          for (const { model } of models) await model.dispose();
          scorer.dispose();
        }
      },
      async () => JSON.parse(await readFile(path.join(directories.eval, 'results.json'), 'utf8')) as EvaluationResults,
    );

    const files = await stage(
      'report',
      async () => writeReport(),
      async () => writeReport(),
    );
    // The report stage's own time is only known once it ends; rewrite so report.json includes it.
    const final = await writeReport();
    return { reason: 'completed', runDirectory, report: final.report, files: files.files };

    async function writeReport(): Promise<{ report: PipelineReport; files: { json: string; html: string } }> {
      const stages = Object.fromEntries(PIPELINE_STAGES.filter((name) => state.seconds[name] !== undefined).map((name) => [name, Math.round(state.seconds[name]! * 10) / 10]));
      const report: PipelineReport = {
        name: settings.name,
        createdAt: new Date().toISOString(),
        settings,
        engine: engine.name,
        baseModel: state.base ?? { source: 'pretrained', directory: baseDirectory },
        stages,
        totalSeconds: Object.values(stages).reduce((sum, seconds) => sum + seconds, 0),
        winRates: evaluation.winRates,
        rmAccuracy: { validation: rmEvaluation.accuracy, logLoss: rmEvaluation.logLoss, pairs: rmEvaluation.pairs },
        likert: evaluation.likert,
        meanGoldScore: evaluation.meanGoldScore,
        truthfulness: evaluation.truthfulness,
        toxicity: evaluation.toxicity,
        hallucination: evaluation.hallucination,
        alignmentTax: evaluation.alignmentTax,
        hygiene: data.hygiene,
        curves: await collectCurves({ ...(state.base?.source === 'pretrained' ? { base: directories.base } : {}), sft: directories.sft, rm: directories.rm, ppo: directories.ppo, ppoPtx: directories.ppoPtx }),
        samples: evaluation.samples,
      };
      return { report, files: await writePipelineReport(report, runDirectory) };
    }
  } catch (error) {
    if (error instanceof PipelineInterrupted || (options.signal?.aborted && isAbort(error))) {
      return { reason: 'interrupted', runDirectory };
    }
    throw error;
  }
}

/**
 * Lets Ctrl-C land between training steps: the trainers await only promises that settle as
 * microtasks (tfjs-wasm reads), so signal handlers would not run until a stage ends. One
 * macrotask turn per step costs microseconds. (The proper fix belongs in core's training loop.)
 */
function yieldBetweenSteps<Model extends { doTrainStep(request: never): Promise<unknown> }>(model: Model): Model {
  const trainStep = model.doTrainStep.bind(model) as (request: never) => Promise<unknown>;
  model.doTrainStep = (async (request: never) => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return trainStep(request);
  }) as Model['doTrainStep'];
  return model;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || /abort|interrupt/i.test(error.message));
}
