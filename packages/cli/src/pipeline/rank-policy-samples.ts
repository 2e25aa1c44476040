import type { GeneratorV1 } from '@instructkit/core';
import { MAX_RANKED_COMPLETIONS } from '@instructkit/data';
import { parseSimPrompt, rankCompletions, SeededRandom, type SimulatedLabeler } from '@instructkit/sim';
import { COMPLETION_PREFIX, unrenderPrompt, type PreparedRanking } from './prepare-sim-data';

/** Settings of {@link rankPolicySamples}. */
export interface RankPolicySamplesSettings {
  /** The rankings of synthetic candidates, each with its labeler. */
  readonly rankings: readonly PreparedRanking[];
  /** Samples from the policy whose outputs the labelers rank (the SFT model). */
  readonly generator: GeneratorV1;
  readonly tokenizer: { encode(text: string): ArrayLike<number>; decode(ids: ArrayLike<number>): string; readonly eosTokenId: number | undefined };
  /** The labelers who wrote the rankings (`labelerId` names them). */
  readonly labelers: readonly SimulatedLabeler[];
  /** Policy samples added to each ranking (synthetic candidates make room beyond K = 9). */
  readonly samplesPerPrompt: number;
  /** Tokens per sample at most. */
  readonly maxNewTokens: number;
  /** Sampling temperature. Default: 1. */
  readonly temperature?: number;
  readonly seed: number;
  readonly signal?: AbortSignal;
}

/** What {@link rankPolicySamples} did. */
export interface RankPolicySamplesResult {
  readonly rankings: PreparedRanking[];
  /** Policy samples ranked. */
  readonly added: number;
  /** Rankings left as they were (a scrubbed prompt no longer parses as a sim task, or its labeler is unknown). */
  readonly unchanged: number;
}

/**
 * InstructGPT's comparison data is labelers ranking K outputs *of the models* for a prompt;
 * the sim data set's rankings hold synthetic candidates. This samples `samplesPerPrompt`
 * answers per prompt from the policy, puts them beside the synthetic candidates (dropping the
 * last synthetic ones to stay within K = 9) and has the ranking's own simulated labeler rank
 * the whole set again, with its usual perception noise and length bias. The reward model then
 * learns on the distribution PPO starts from, which is where its mistakes would be exploited.
 */
export async function rankPolicySamples(settings: RankPolicySamplesSettings): Promise<RankPolicySamplesResult> {
  const { tokenizer, samplesPerPrompt } = settings;
  const labelers = new Map(settings.labelers.map((labeler) => [labeler.id, labeler]));
  const eos = settings.tokenizer.eosTokenId;
  const random = new SeededRandom(settings.seed + 101);
  const eligible = settings.rankings.flatMap((ranking, index) => {
    const task = parseSimPrompt(unrenderPrompt(ranking.prompt));
    const labeler = labelers.get(ranking.labelerId);
    return task && labeler ? [{ index, task, labeler }] : [];
  });
  const rankings = [...settings.rankings];
  if (samplesPerPrompt <= 0 || eligible.length === 0) return { rankings, added: 0, unchanged: rankings.length };
  const prompts = eligible.flatMap(({ index }) => Array.from({ length: samplesPerPrompt }, () => Int32Array.from(tokenizer.encode(settings.rankings[index]!.prompt))));
  const { sequences } = await settings.generator.doGenerate({
    prompts,
    sampling: { maxNewTokens: settings.maxNewTokens, temperature: settings.temperature ?? 1, seed: settings.seed, ...(eos !== undefined ? { eosTokenIds: [eos] } : {}) },
    batchSize: 32,
    ...(settings.signal ? { signal: settings.signal } : {}),
  });
  let added = 0;
  eligible.forEach(({ index, task, labeler }, position) => {
    const ranking = settings.rankings[index]!;
    const samples = sequences.slice(position * samplesPerPrompt, (position + 1) * samplesPerPrompt).map((sequence) => {
      const text = tokenizer.decode(Array.from(sequence.completionIds).filter((id) => id !== eos));
      // What a labeler reads: the answer line, as the evaluation cuts it.
      return text.split('\n')[0]!;
    });
    const kept = ranking.completions.slice(0, Math.max(0, MAX_RANKED_COMPLETIONS - samples.length));
    const completions = [...kept, ...samples.map((sample) => (sample.startsWith(COMPLETION_PREFIX) ? sample : `${COMPLETION_PREFIX}${sample}`))];
    const order = rankCompletions(labeler, task, completions.map((completion) => completion.slice(COMPLETION_PREFIX.length)), random);
    const ranks = new Array<number>(completions.length).fill(0);
    order.forEach((group, rank) => group.forEach((member) => (ranks[member] = rank)));
    rankings[index] = { ...ranking, completions, ranks };
    added += samples.length;
  });
  return { rankings, added, unchanged: rankings.length - eligible.length };
}
