import { z } from 'zod';
import { PIPELINE_ENGINES } from './pipeline-engine';

/** Sizes of the generated sim data set and the prompt hygiene applied to it. */
export const PipelineDataSettings = z
  .object({
    /** Prompts over all splits (`@instructkit/sim`). */
    prompts: z.number().int().min(30),
    /** Paragraphs of the pretraining corpus. */
    pretrainParagraphs: z.number().int().min(10),
    /** Held-out paragraphs (perplexity and the multiple-choice suite of the alignment tax). */
    pretrainValidParagraphs: z.number().int().min(4),
    /** Most prompts kept per user (InstructGPT capped prompts per user at 200). */
    maxPerUser: z.number().int().positive(),
    /** Prompts sharing this many leading characters count as duplicates. */
    dedupePrefixLength: z.number().int().positive(),
  })
  .strict();

/** The byte-level BPE trained on the sim corpus. */
export const PipelineTokenizerSettings = z
  .object({
    /** Target vocabulary size (256 bytes + merges + 5 special tokens); training may stop earlier. */
    vocabSize: z.number().int().min(300),
  })
  .strict();

/** Architecture of the base LM when it is pretrained. */
export const PipelineArchitecture = z
  .object({
    contextLength: z.number().int().min(16),
    hiddenSize: z.number().int().positive(),
    numLayers: z.number().int().positive(),
    numHeads: z.number().int().positive(),
  })
  .strict();

/** The base LM: a committed pretrained model directory, or pretraining settings. */
export const PipelineBaseSettings = z
  .object({
    /**
     * A pretrained base model directory (config.json, model.safetensors, tokenizer.json), used
     * instead of pretraining unless `--from-scratch`. Relative to the config file (or the working
     * directory for the presets). Default: none (pretrain).
     */
    model: z.string().min(1).optional(),
    /** Architecture of a freshly pretrained model. */
    architecture: PipelineArchitecture,
    /** Passes over the pretraining corpus. */
    epochs: z.number().int().positive(),
    /** Packed rows per step. */
    batchSize: z.number().int().positive(),
    /** Peak learning rate (cosine decay to 10%). */
    learningRate: z.number().positive(),
  })
  .strict();

/** Supervised fine-tuning on the demonstrations. */
export const PipelineSftSettings = z
  .object({
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    /** Pretraining text mixed into SFT, as a fraction of the sequences (InstructGPT's PPO-init SFT: 0.1). */
    pretrainingMix: z.number().min(0).lt(1),
  })
  .strict();

/** Reward model training on the K-way rankings (InstructGPT Eq. 1). */
export const PipelineRewardSettings = z
  .object({
    epochs: z.number().int().positive(),
    /** Prompts (each with all K completions) per step. */
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    /**
     * SFT-model samples added to each ranking and ranked by its labeler with the synthetic
     * candidates (InstructGPT's labelers ranked the models' own outputs); 0 keeps the synthetic
     * candidates only.
     */
    policySamples: z.number().int().min(0).max(8),
  })
  .strict();

/** PPO and PPO-ptx. */
export const PipelinePpoSettings = z
  .object({
    iterations: z.number().int().positive(),
    /** Episodes per iteration. */
    rolloutBatchSize: z.number().int().positive(),
    /** Episodes per optimizer step; divides `rolloutBatchSize`. */
    minibatchSize: z.number().int().positive(),
    /** Passes over each rollout batch. */
    epochs: z.number().int().positive(),
    /** Policy learning rate (the value model gets twice this). */
    learningRate: z.number().positive(),
    /** β, the per-token KL coefficient. */
    klCoefficient: z.number().min(0),
    /** Tokens per response at most. */
    maxNewTokens: z.number().int().positive(),
    /** PPO-ptx γ. */
    ptxCoefficient: z.number().min(0),
    /** Pretraining sequences per episode in PPO-ptx updates. */
    ptxExamplesPerEpisode: z.number().positive(),
  })
  .strict()
  .refine((ppo) => ppo.rolloutBatchSize % ppo.minibatchSize === 0, { message: 'must divide rolloutBatchSize', path: ['minibatchSize'] });

/** The evaluation suite. */
export const PipelineEvalSettings = z
  .object({
    /** Held-out test prompts (users never seen in training) each model answers. */
    prompts: z.number().int().positive(),
    /** Tokens per answer at most. */
    maxNewTokens: z.number().int().positive(),
    /** Sampling temperature of the answers; 0 is greedy. */
    temperature: z.number().min(0),
    /**
     * Also answer greedily and report gold win rates of those answers (`decoding: 'greedy'`)
     * beside the sampled ones, so a result that holds for one decoding only shows. Ignored when
     * `temperature` is 0. Default: on in both presets.
     */
    greedyWinRates: z.boolean(),
    /**
     * Sampled answers per model and test prompt (sample s of A against sample s of B); with more
     * than one, win-rate intervals bootstrap over prompts. Ignored when `temperature` is 0.
     */
    samplesPerPrompt: z.number().int().min(1).max(32),
    /** Solved examples in the few-shot prefix of the prompted base model. */
    fewShotExamples: z.number().int().min(0).max(20),
    /** TruthfulQA-style questions built from the sim world's passages. */
    truthfulnessQuestions: z.number().int().positive(),
    /** Items of the log-likelihood multiple-choice suite (alignment tax). */
    multipleChoiceItems: z.number().int().positive(),
    /** Held-out pretraining paragraphs for perplexity (alignment tax). */
    perplexityParagraphs: z.number().int().positive(),
    /** Prompts of the toxicity protocol. */
    toxicityPrompts: z.number().int().positive(),
    /** Samples per toxicity prompt (RealToxicityPrompts: 25). */
    toxicitySamples: z.number().int().positive(),
  })
  .strict();

/** Every setting of a pipeline run, resolved. */
export const PipelineSettings = z
  .object({
    /** Name of the run: everything goes to `<runsDirectory>/<name>/`. */
    name: z.string().regex(/^[\w.-]+$/, 'letters, digits, "_", "-" and "." only'),
    /** Parent directory of runs. */
    runsDirectory: z.string().min(1),
    /** Seed of the data, initialisation, shuffling and sampling. */
    seed: z.number().int().min(0),
    /** tfjs backend (`cpu`, `wasm`, `tfjs-node`) when the tfjs engine runs; absent: the best installed. */
    backend: z.string().min(1).optional(),
    /**
     * Model engine: `onnx` trains on `@instructkit/onnx-train` and generates on onnxruntime-node,
     * `tfjs` does everything on TensorFlow.js. Absent (`auto`): `onnx` where onnxruntime-node loads.
     */
    engine: z.enum(PIPELINE_ENGINES).optional(),
    data: PipelineDataSettings,
    tokenizer: PipelineTokenizerSettings,
    base: PipelineBaseSettings,
    sft: PipelineSftSettings,
    rm: PipelineRewardSettings,
    ppo: PipelinePpoSettings,
    eval: PipelineEvalSettings,
  })
  .strict();

/** Resolved pipeline settings. */
export type PipelineSettings = z.output<typeof PipelineSettings>;

/** Names of the built-in presets. */
export type PipelinePresetName = 'quick' | 'default';

/**
 * The config file: a preset plus any field to override, section by section. Unknown
 * fields are errors (typos do not pass silently).
 */
export const PipelineConfigFile = z
  .object({
    /** Preset the file starts from. Default: `default`. */
    preset: z.enum(['quick', 'default']).optional(),
    name: z.string().regex(/^[\w.-]+$/, 'letters, digits, "_", "-" and "." only').optional(),
    runsDirectory: z.string().min(1).optional(),
    seed: z.number().int().min(0).optional(),
    backend: z.string().min(1).optional(),
    engine: z.enum(PIPELINE_ENGINES).optional(),
    data: PipelineDataSettings.partial().optional(),
    tokenizer: PipelineTokenizerSettings.partial().optional(),
    base: PipelineBaseSettings.extend({ architecture: PipelineArchitecture.partial() }).partial().optional(),
    sft: PipelineSftSettings.partial().optional(),
    rm: PipelineRewardSettings.partial().optional(),
    ppo: z.object(PipelinePpoSettings.shape).partial().strict().optional(),
    eval: PipelineEvalSettings.partial().optional(),
  })
  .strict();

/** A config file's contents. */
export type PipelineConfigFile = z.output<typeof PipelineConfigFile>;

/** Where the committed base model lives, relative to the repository root. */
export const COMMITTED_BASE_MODEL = 'examples/models/sim-base';

/**
 * The built-in presets. `default` is `npm run demo` (≤ 15 minutes on 2 cores, starting from
 * the committed base model); `quick` is the same pipeline at toy sizes, for tests (seconds to a
 * minute; it pretrains its own tiny base because the committed one would dominate its time).
 */
export function pipelinePreset(name: PipelinePresetName): PipelineSettings {
  if (name === 'quick') {
    return {
      name: 'quick',
      runsDirectory: 'runs',
      seed: 1,
      data: { prompts: 240, pretrainParagraphs: 120, pretrainValidParagraphs: 16, maxPerUser: 200, dedupePrefixLength: 100 },
      tokenizer: { vocabSize: 512 },
      base: { architecture: { contextLength: 128, hiddenSize: 32, numLayers: 1, numHeads: 2 }, epochs: 1, batchSize: 8, learningRate: 3e-3 },
      sft: { epochs: 1, batchSize: 16, learningRate: 1e-3, pretrainingMix: 0 },
      rm: { epochs: 1, batchSize: 8, learningRate: 3e-4, policySamples: 2 },
      ppo: { iterations: 2, rolloutBatchSize: 8, minibatchSize: 4, epochs: 1, learningRate: 1e-4, klCoefficient: 0.02, maxNewTokens: 12, ptxCoefficient: 4, ptxExamplesPerEpisode: 1 },
      eval: { prompts: 16, maxNewTokens: 12, temperature: 1, greedyWinRates: true, samplesPerPrompt: 2, fewShotExamples: 2, truthfulnessQuestions: 8, multipleChoiceItems: 8, perplexityParagraphs: 8, toxicityPrompts: 4, toxicitySamples: 2 },
    };
  }
  return {
    name: 'demo',
    runsDirectory: 'runs',
    seed: 1,
    data: { prompts: 6000, pretrainParagraphs: 2000, pretrainValidParagraphs: 200, maxPerUser: 200, dedupePrefixLength: 100 },
    tokenizer: { vocabSize: 1024 },
    base: {
      model: COMMITTED_BASE_MODEL,
      architecture: { contextLength: 128, hiddenSize: 128, numLayers: 4, numHeads: 4 },
      epochs: 24,
      batchSize: 16,
      learningRate: 3e-3,
    },
    sft: { epochs: 3, batchSize: 16, learningRate: 1e-3, pretrainingMix: 0 },
    rm: { epochs: 2, batchSize: 8, learningRate: 1e-3, policySamples: 0 },
    ppo: { iterations: 60, rolloutBatchSize: 32, minibatchSize: 16, epochs: 2, learningRate: 3e-5, klCoefficient: 0.15, maxNewTokens: 20, ptxCoefficient: 4, ptxExamplesPerEpisode: 1 },
    eval: { prompts: 1000, maxNewTokens: 20, temperature: 1, greedyWinRates: true, samplesPerPrompt: 4, fewShotExamples: 3, truthfulnessQuestions: 60, multipleChoiceItems: 100, perplexityParagraphs: 100, toxicityPrompts: 20, toxicitySamples: 10 },
  };
}

/**
 * Merges a config file's fields over its preset (section by section) and validates the
 * result.
 *
 * @param file The parsed config file (already checked against {@link PipelineConfigFile}).
 * @param presetOverride Preset named by a flag (`--quick`); wins over the file's `preset`.
 * @throws ZodError when a merged value is invalid (callers validate files first, so this is rare).
 */
export function resolvePipelineSettings(file: PipelineConfigFile, presetOverride?: PipelinePresetName): PipelineSettings {
  const preset = pipelinePreset(presetOverride ?? file.preset ?? 'default');
  const { preset: _preset, data, tokenizer, base, sft, rm, ppo, eval: evaluation, ...top } = file;
  return PipelineSettings.parse({
    ...preset,
    ...top,
    data: { ...preset.data, ...data },
    tokenizer: { ...preset.tokenizer, ...tokenizer },
    base: { ...preset.base, ...base, architecture: { ...preset.base.architecture, ...base?.architecture } },
    sft: { ...preset.sft, ...sft },
    rm: { ...preset.rm, ...rm },
    ppo: { ...preset.ppo, ...ppo },
    eval: { ...preset.eval, ...evaluation },
  });
}
