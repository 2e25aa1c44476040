import { createLocalGenerator, type CausalLMV1, type GeneratorV1, type RewardModelV1 } from '@instructkit/core';
import {
  computeWinRate,
  corpusPerplexity,
  createLexiconToxicityScorer,
  createRewardJudge,
  evaluateMultipleChoice,
  evaluateToxicity,
  evaluateTruthfulness,
  summarizeRatings,
  type MultipleChoiceItem,
  type RatingSummary,
  type ToxicityResult,
  type TruthfulnessQuestion,
  type WinRate,
} from '@instructkit/evals';
import { SeededRandom, createGoldRater, createGoldRewardModel, toxicityPrompts as simToxicityPrompts } from '@instructkit/sim';
import type { PipelineSettings } from './pipeline-config';
import { renderPrompt, type EvaluationPrompt } from './prepare-sim-data';

/** What the evaluation needs from a tokenizer. */
export interface EvaluationTokenizer {
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
  readonly eosTokenId: number | undefined;
}

/** A model under evaluation: its weights and the text put before every rendered prompt. */
export interface EvaluatedModel {
  /** Name in the report (`base`, `base-prompted`, `sft`, `ppo`, `ppo-ptx`). */
  readonly name: string;
  /** The causal LM. */
  readonly model: CausalLMV1;
  /** Prepended to each rendered prompt: the few-shot prefix of the prompted base model, else empty. */
  readonly prefix: string;
  /**
   * Whether the model has weights of its own: the prompted base model shares the base
   * model's, so weight-only metrics (perplexity, the multiple-choice suite) are not repeated.
   */
  readonly ownWeights: boolean;
}

/** A win rate in `report.json`, with its per-family breakdown. */
export interface PipelineWinRate {
  readonly a: string;
  readonly b: string;
  readonly judge: string;
  /** How the answers were decoded: `sampled` (at the eval temperature, seeds shared by the models) or `greedy`. */
  readonly decoding: 'sampled' | 'greedy';
  /** Wins of A plus half the ties, over the comparisons. */
  readonly rate: number;
  /** 95% interval: Wilson with one answer per prompt, else a bootstrap over prompts (`interval`). */
  readonly ciLow: number;
  readonly ciHigh: number;
  /** Prompts. */
  readonly n: number;
  /** Answers per model and prompt (sample s of A against sample s of B). */
  readonly samplesPerPrompt: number;
  /** Comparisons judged: `n × samplesPerPrompt`; wins, ties and losses count these. */
  readonly comparisons: number;
  /** How the interval was computed. */
  readonly interval: 'wilson' | 'cluster-bootstrap';
  readonly wins: number;
  readonly ties: number;
  readonly losses: number;
  /** The same rate per task family. */
  readonly byFamily: Readonly<Record<string, { rate: number; ciLow: number; ciHigh: number; n: number }>>;
}

/** Everything the evaluation stage measures. */
export interface EvaluationResults {
  /** Gold-judge win rates (and the reward model's verdict on PPO vs SFT, to show over-optimisation). */
  readonly winRates: PipelineWinRate[];
  /** Gold Likert ratings per model. */
  readonly likert: Record<string, { mean: number; ciLow: number; ciHigh: number; histogram: readonly number[]; flagRates: RatingSummary['flagRates']; n: number }>;
  /** MC1/MC2 per model on the sim world's truthfulness questions. */
  readonly truthfulness: Record<string, { mc1: number; mc2: number; n: number }>;
  /** Toxicity per model and instruction variant (lexicon scorer). */
  readonly toxicity: Record<string, Record<string, ToxicityResult>>;
  /** Hallucination rate (gold flag) on closed-domain prompts per model. */
  readonly hallucination: Record<string, { rate: number; n: number }>;
  /** Pretraining-corpus perplexity and multiple-choice accuracy per model (own weights only). */
  readonly alignmentTax: Record<string, { perplexity: number; multipleChoiceAccuracy: number; multipleChoiceN: number; perplexityTokens: number }>;
  /** Mean gold score of each model's answers on the test prompts. */
  readonly meanGoldScore: Record<string, number>;
  /** A few test prompts with every model's answer. */
  readonly samples: { prompt: string; family: string; completions: Record<string, string> }[];
}

/** Families whose answer must come from the given passage (the hallucination metric's prompts). */
const CLOSED_DOMAIN_FAMILIES = new Set(['passage-qa', 'unanswerable']);

/** Win rates in the report: A vs B, in InstructGPT's order of interest. */
export const WIN_RATE_PAIRS: readonly (readonly [string, string])[] = [
  ['sft', 'base'],
  ['sft', 'base-prompted'],
  ['base-prompted', 'base'],
  ['ppo', 'sft'],
  ['ppo-ptx', 'sft'],
  ['ppo', 'base-prompted'],
  ['ppo-ptx', 'base-prompted'],
  ['ppo', 'ppo-ptx'],
];

/**
 * The answer a model gives: its completion cut at the first line break, since an answer of
 * the embedded task is one line (the same stop rule for every model, so the base models'
 * habit of running on into the next "Instruction:" is not held against them).
 */
export function answerOf(completion: string): string {
  return completion.split('\n')[0]!.trim();
}

/** Settings of {@link evaluateModels}. */
export interface EvaluateModelsSettings {
  readonly models: readonly EvaluatedModel[];
  readonly tokenizer: EvaluationTokenizer;
  /** Held-out test prompts. */
  readonly prompts: readonly EvaluationPrompt[];
  /** Truthfulness questions (see `buildSimTruthfulnessQuestions`). */
  readonly truthfulnessQuestions: readonly TruthfulnessQuestion[];
  /** The alignment-tax multiple-choice suite. */
  readonly multipleChoice: readonly MultipleChoiceItem[];
  /** Held-out pretraining paragraphs for perplexity. */
  readonly perplexityTexts: readonly string[];
  /** Win rates to compute, as (A, B) model names. Default: {@link WIN_RATE_PAIRS} (those whose models are present). */
  readonly pairs?: readonly (readonly [string, string])[];
  /** The trained reward model, as a second judge of PPO vs SFT. Optional. */
  readonly rewardModel?: RewardModelV1;
  readonly settings: PipelineSettings['eval'];
  readonly seed: number;
  /** Called before each step (for progress lines). */
  readonly onProgress?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Runs the paper's evaluations on every model: answers to held-out prompts judged by the
 * gold labeler (win rates with Wilson intervals, per family; Likert; hallucination), the
 * TruthfulQA-style MC1/MC2, the RealToxicityPrompts protocol with the lexicon scorer, and
 * the alignment tax (pretraining perplexity, log-likelihood multiple choice).
 */
export async function evaluateModels(options: EvaluateModelsSettings): Promise<EvaluationResults> {
  const { tokenizer, settings } = options;
  const progress = options.onProgress ?? (() => {});
  const prompts = options.prompts.slice(0, settings.prompts);
  const eosTokenIds = tokenizer.eosTokenId !== undefined ? [tokenizer.eosTokenId] : [];
  const models = options.models;
  /** Answers per model: `[sample][prompt]`; every model's sample s uses the same seed. */
  const answerAll = async (temperature: number, samples: number, label: string) => {
    const answers = new Map<string, string[][]>();
    for (const entry of models) {
      options.signal?.throwIfAborted();
      progress(`answering ${prompts.length} test prompts with ${entry.name}${label}`);
      const generator = fittingGenerator(entry.model, settings.maxNewTokens);
      const perSample: string[][] = [];
      for (let sample = 0; sample < samples; sample++) {
        const { sequences } = await generator.doGenerate({
          prompts: prompts.map((prompt) => Int32Array.from(tokenizer.encode(`${entry.prefix}${renderPrompt(prompt.text)}`))),
          sampling: { maxNewTokens: settings.maxNewTokens, temperature, seed: options.seed + sample * 7919, eosTokenIds },
          batchSize: 32,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        perSample.push(sequences.map((sequence) => answerOf(tokenizer.decode(sequence.completionIds.filter((id) => !eosTokenIds.includes(id))))));
      }
      answers.set(entry.name, perSample);
    }
    return answers;
  };
  const samplesPerPrompt = settings.temperature > 0 ? settings.samplesPerPrompt : 1;
  const sampledAnswers = await answerAll(
    settings.temperature,
    samplesPerPrompt,
    settings.temperature > 0 ? ` (temperature ${settings.temperature}, ${samplesPerPrompt} sample${samplesPerPrompt === 1 ? '' : 's'} each)` : ' (greedy)',
  );
  // Likert, hallucination, gold scores and the samples shown read each model's first answer.
  const answers = new Map([...sampledAnswers].map(([name, perSample]) => [name, perSample[0]!]));
  const greedyAnswers = settings.greedyWinRates && settings.temperature > 0 ? await answerAll(0, 1, ' (greedy)') : undefined;

  progress('judging win rates with the gold labeler');
  const goldModel = createGoldRewardModel();
  const goldJudge = createRewardJudge(goldModel, { judgeId: 'sim-gold' });
  const winRates: PipelineWinRate[] = [];
  const names = new Set(options.models.map((model) => model.name));
  const goldPairs = options.pairs ?? WIN_RATE_PAIRS;
  const rewardModelPairs = options.pairs ?? [['ppo', 'sft'] as const, ['ppo-ptx', 'sft'] as const];
  const decoding = settings.temperature > 0 ? ('sampled' as const) : ('greedy' as const);
  const judges = [
    { judge: goldJudge, pairs: goldPairs, answers: sampledAnswers, decoding },
    ...(options.rewardModel ? [{ judge: createRewardJudge(withRenderedPrompts(options.rewardModel), { judgeId: 'reward-model' }), pairs: rewardModelPairs, answers: sampledAnswers, decoding }] : []),
    ...(greedyAnswers ? [{ judge: goldJudge, pairs: goldPairs, answers: greedyAnswers, decoding: 'greedy' as const }] : []),
  ];
  const bootstrap = new SeededRandom(options.seed + 23);
  for (const judged of judges) {
    for (const [a, b] of judged.pairs) {
      if (!names.has(a) || !names.has(b)) continue;
      const samples = judged.answers.get(a)!.length;
      // Sample s of A against sample s of B on each prompt; a prompt's samples form one cluster.
      const items = judged.answers.get(a)!.flatMap((answersOfA, sample) =>
        prompts.map((prompt, index) => ({ prompt: prompt.text, a: answersOfA[index]!, b: judged.answers.get(b)![sample]![index]!, group: prompt.family, cluster: String(index) })),
      );
      const result = await computeWinRate({ a, b, judge: judged.judge, items, ...(samples > 1 ? { interval: 'cluster-bootstrap' as const, random: () => bootstrap.next() } : {}) });
      winRates.push(toPipelineWinRate(result, judged.decoding, prompts.length, samples));
    }
  }

  const random = new SeededRandom(options.seed + 11);
  const rater = createGoldRater();
  const likert: EvaluationResults['likert'] = {};
  const hallucination: EvaluationResults['hallucination'] = {};
  const meanGoldScore: EvaluationResults['meanGoldScore'] = {};
  for (const entry of models) {
    const items = prompts.map((prompt, index) => ({ prompt: prompt.text, completion: answers.get(entry.name)![index]! }));
    const summary = await summarizeRatings({ rater, items, random: () => random.next() });
    likert[entry.name] = { mean: summary.meanLikert, ciLow: summary.ciLow, ciHigh: summary.ciHigh, histogram: summary.histogram, flagRates: summary.flagRates, n: summary.n };
    const closed = items.filter((_, index) => CLOSED_DOMAIN_FAMILIES.has(prompts[index]!.family));
    const ratings = closed.length ? await rater.doRate(closed) : [];
    hallucination[entry.name] = { rate: ratings.length ? ratings.filter((rating) => rating.flags.hallucination).length / ratings.length : Number.NaN, n: ratings.length };
    const scores = await goldModel.doScore({ prompts: items.map((item) => item.prompt), completions: items.map((item) => item.completion) });
    meanGoldScore[entry.name] = scores.reduce((sum, score) => sum + score, 0) / Math.max(1, scores.length);
  }

  const truthfulness: EvaluationResults['truthfulness'] = {};
  const toxicity: EvaluationResults['toxicity'] = {};
  const alignmentTax: EvaluationResults['alignmentTax'] = {};
  // RealToxicityPrompts-style sentence openings of the sim world (its corpus continues them rudely 85% / 30% of the time).
  const toxicityPrompts = simToxicityPrompts(settings.toxicityPrompts, options.seed);
  const scorer = createLexiconToxicityScorer();
  for (const entry of models) {
    options.signal?.throwIfAborted();
    progress(`truthfulness, toxicity and alignment tax of ${entry.name}`);
    truthfulness[entry.name] = await evaluateTruthfulness({
      model: entry.model,
      tokenizer,
      questions: options.truthfulnessQuestions,
      formatQuestion: (question) => `${entry.prefix}${renderPrompt(question)}`,
    });
    if (toxicityPrompts.length > 0) {
      toxicity[entry.name] = await evaluateToxicity({
        generator: fittingGenerator(entry.model, settings.maxNewTokens),
        tokenizer,
        scorer,
        prompts: toxicityPrompts,
        variants: ['plain', 'respectful', 'biased'],
        samplesPerPrompt: settings.toxicitySamples,
        sampling: { maxNewTokens: settings.maxNewTokens, seed: options.seed, eosTokenIds },
        formatPrompt: (instruction, prompt) => `${entry.prefix}${renderPrompt(`${instruction}${prompt}`)}`,
      });
    }
    if (entry.ownWeights && options.perplexityTexts.length > 0 && options.multipleChoice.length > 0) {
      const perplexity = await corpusPerplexity({ model: entry.model, tokenizer, texts: options.perplexityTexts });
      const multipleChoice = await evaluateMultipleChoice({ model: entry.model, tokenizer, items: options.multipleChoice });
      alignmentTax[entry.name] = {
        perplexity: perplexity.perplexity,
        perplexityTokens: perplexity.tokens,
        multipleChoiceAccuracy: multipleChoice.accuracy,
        multipleChoiceN: multipleChoice.n,
      };
    }
  }

  const samples = prompts.slice(0, 12).map((prompt, index) => ({
    prompt: prompt.text,
    family: prompt.family,
    completions: Object.fromEntries(options.models.map((entry) => [entry.name, answers.get(entry.name)![index]!])),
  }));
  return { winRates, likert, truthfulness, toxicity, hallucination, alignmentTax, meanGoldScore, samples };
}

/**
 * The model's local generator, keeping only the end of a prompt that would not leave room for
 * the answer: the instruction and "Response:" are what the answer depends on, so a long
 * few-shot prefix loses its oldest examples first (a sliding window, as with any LM API).
 */
function fittingGenerator(model: CausalLMV1, maxNewTokens: number): GeneratorV1 {
  const generator = createLocalGenerator(model);
  const room = model.config.contextLength - maxNewTokens;
  return {
    ...generator,
    doGenerate: (request) => generator.doGenerate({ ...request, prompts: request.prompts.map((ids) => (ids.length > room ? ids.subarray(ids.length - room) : ids)) }),
  };
}

function toPipelineWinRate(result: WinRate, decoding: PipelineWinRate['decoding'], prompts: number, samplesPerPrompt: number): PipelineWinRate {
  return {
    a: result.a,
    b: result.b,
    judge: result.judge,
    decoding,
    rate: result.rate,
    ciLow: result.ciLow,
    ciHigh: result.ciHigh,
    n: prompts,
    samplesPerPrompt,
    comparisons: result.n,
    interval: samplesPerPrompt > 1 ? 'cluster-bootstrap' : 'wilson',
    wins: result.wins,
    ties: result.ties,
    losses: result.losses,
    byFamily: Object.fromEntries(Object.entries(result.byGroup).map(([family, proportion]) => [family, { rate: proportion.rate, ciLow: proportion.ciLow, ciHigh: proportion.ciHigh, n: proportion.n }])),
  };
}

/** The trained reward model reads prompts as the models saw them; the judges pass raw prompts. */
function withRenderedPrompts(rewardModel: RewardModelV1): RewardModelV1 {
  return {
    specificationVersion: 'v1',
    modelId: rewardModel.modelId,
    doScore: (request) => rewardModel.doScore({ ...request, prompts: request.prompts.map(renderPrompt), completions: request.completions.map((completion) => ` ${completion}`) }),
  };
}
