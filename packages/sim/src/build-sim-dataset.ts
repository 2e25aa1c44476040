import { InvalidArgumentError } from '@instructkit/core';
import type { Demonstration, Prompt, Ranking, Rating } from '@instructkit/data';
import { measureLabelerAgreement, type LabelerAgreement } from './labeler-agreement';
import { generatePretrainCorpus } from './pretrain-corpus';
import { sampleCandidates } from './sample-candidates';
import { SeededRandom } from './seeded-random';
import { sampleSimTask, type SimTask } from './sim-task';
import {
  createSimulatedLabelers,
  rankCompletions,
  rateCompletion,
  writeDemonstration,
  type SimulatedLabeler,
  type SimulatedLabelerSettings,
} from './simulated-labeler';
import { NAMES, JOBS } from './world';

/** How much of everything to generate. */
export interface SimDatasetCounts {
  /** Prompts over all splits. Default: 3000. */
  readonly prompts?: number;
  /** Users who wrote them (splits are made by user). Default: `ceil(prompts / 12)`. */
  readonly users?: number;
  /** Simulated labelers. Default: 8. */
  readonly labelers?: number;
  /** Paragraphs of `pretrain.txt`. Default: 2000. */
  readonly pretrainParagraphs?: number;
  /** Paragraphs of `pretrain-valid.txt` (held out, for the alignment tax). Default: 200. */
  readonly pretrainValidParagraphs?: number;
  /** Likert ratings per ranked prompt (of distinct ranked completions). Default: 2. */
  readonly ratingsPerRanking?: number;
}

/** Options of {@link buildSimDataset} and `generateSimDataset`. */
export interface SimDatasetOptions {
  /** Seed of everything; same seed and options give the same bytes. Default: 0. */
  readonly seed?: number;
  /** Sizes. */
  readonly counts?: SimDatasetCounts;
  /** Fractions of users in the validation and test splits. Default: 0.1 each. */
  readonly splitFractions?: { readonly valid?: number; readonly test?: number };
  /**
   * Training prompts' stages, as fractions: `sft` get a demonstration, `reward` a
   * ranking and ratings, `ppo` no label (InstructGPT used separate prompt sets per
   * stage). Default: 0.4 / 0.4 / 0.2. Validation and test prompts get all labels.
   */
  readonly stageFractions?: { readonly sft?: number; readonly reward?: number; readonly ppo?: number };
  /** Fraction of prompts with a planted e-mail address or phone number. Default: 0.02. */
  readonly piiRate?: number;
  /** Labeler settings (noise, error rate, …); `count` comes from `counts.labelers`. */
  readonly labelers?: Omit<SimulatedLabelerSettings, 'count' | 'seed'>;
}

/** Names of the splits, by user. */
export type SimSplit = 'train' | 'valid' | 'test';

/** The records of one split. */
export interface SimSplitRecords {
  readonly prompts: Prompt[];
  readonly demonstrations: Demonstration[];
  readonly rankings: Ranking[];
  readonly ratings: Rating[];
}

/** A generated data set in memory. */
export interface SimDataset {
  /** Records by split; no user appears in two splits. */
  readonly splits: Readonly<Record<SimSplit, SimSplitRecords>>;
  /** Pretraining text (paragraphs separated by blank lines). */
  readonly pretrain: string;
  /** Held-out pretraining text. */
  readonly pretrainValid: string;
  /** What was generated and how (written as `manifest.json`). */
  readonly manifest: SimDatasetManifest;
}

/** Description of a generated data set. */
export interface SimDatasetManifest {
  readonly generator: '@instructkit/sim';
  readonly seed: number;
  /** Counts of records per split. */
  readonly splits: Readonly<Record<SimSplit, { users: number; prompts: number; demonstrations: number; rankings: number; ratings: number }>>;
  /** The simulated labelers and their biases. */
  readonly labelers: readonly SimulatedLabeler[];
  /** Inter-labeler agreement of this team, measured on 500 separate seeded prompts. */
  readonly labelerAgreement: LabelerAgreement;
}

const EPOCH = Date.UTC(2026, 0, 5);

function plantPii(random: SeededRandom, text: string): { text: string; kind: 'email' | 'phone' } {
  if (random.chance(0.5)) {
    const user = `${random.pick(NAMES).toLowerCase()}.${random.pick(JOBS)}${random.range(1, 99)}`;
    const domain = random.pick(['example.com', 'mail.example.org', 'post.example.net']);
    return { text: `From ${user}@${domain}: ${text}`, kind: 'email' };
  }
  const phone = random.pick([
    `+1 415 555 ${String(random.range(0, 9999)).padStart(4, '0')}`,
    `+44 20 7946 ${String(random.range(0, 999)).padStart(4, '0')}`,
    `(212) 555-${String(random.range(0, 9999)).padStart(4, '0')}`,
    `+49 30 ${random.range(100000, 999999)}`,
  ]);
  return { text: `${text} If anything is unclear, call me at ${phone}`, kind: 'phone' };
}

function fraction(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!(result >= 0 && result <= 1)) throw new InvalidArgumentError(name, `expected a fraction in [0, 1], got ${result}`);
  return result;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1) throw new InvalidArgumentError(name, `expected a positive integer, got ${result}`);
  return result;
}

/**
 * Generates the whole sim data set in memory: prompts (with users, sources and
 * planted PII), labeler demonstrations, K = 4…9 rankings of synthetic-policy
 * completions, Likert ratings with flags, and the pretraining corpus — split by
 * user into train / valid / test. Deterministic in its options.
 *
 * @throws InvalidArgumentError for counts or fractions out of range.
 */
export function buildSimDataset(options: SimDatasetOptions = {}): SimDataset {
  const seed = options.seed ?? 0;
  const counts = options.counts ?? {};
  const promptCount = positiveInteger(counts.prompts, 3000, 'counts.prompts');
  const userCount = positiveInteger(counts.users, Math.ceil(promptCount / 12), 'counts.users');
  const labelerCount = positiveInteger(counts.labelers, 8, 'counts.labelers');
  const ratingsPerRanking = counts.ratingsPerRanking ?? 2;
  if (!Number.isInteger(ratingsPerRanking) || ratingsPerRanking < 0 || ratingsPerRanking > 9) {
    throw new InvalidArgumentError('counts.ratingsPerRanking', `expected an integer in 0…9, got ${ratingsPerRanking}`);
  }
  const validFraction = fraction(options.splitFractions?.valid, 0.1, 'splitFractions.valid');
  const testFraction = fraction(options.splitFractions?.test, 0.1, 'splitFractions.test');
  if (validFraction + testFraction >= 1) throw new InvalidArgumentError('splitFractions', 'valid + test must leave users for train');
  const sftFraction = fraction(options.stageFractions?.sft, 0.4, 'stageFractions.sft');
  const rewardFraction = fraction(options.stageFractions?.reward, 0.4, 'stageFractions.reward');
  const ppoFraction = fraction(options.stageFractions?.ppo, 0.2, 'stageFractions.ppo');
  const piiRate = fraction(options.piiRate, 0.02, 'piiRate');

  const random = new SeededRandom(seed);
  const labelerSettings = { ...options.labelers, count: labelerCount, seed: seed + 17 };
  const labelers = createSimulatedLabelers(labelerSettings);

  // Users, shuffled, then cut into splits so that no user is in two.
  const users = random.shuffle(Array.from({ length: userCount }, (_, index) => `user-${String(index + 1).padStart(4, '0')}`));
  const testUsers = Math.max(1, Math.round(userCount * testFraction));
  const validUsers = Math.max(1, Math.round(userCount * validFraction));
  const splitOf = new Map<string, SimSplit>();
  users.forEach((user, index) => splitOf.set(user, index < testUsers ? 'test' : index < testUsers + validUsers ? 'valid' : 'train'));

  const splits: Record<SimSplit, SimSplitRecords> = {
    train: { prompts: [], demonstrations: [], rankings: [], ratings: [] },
    valid: { prompts: [], demonstrations: [], rankings: [], ratings: [] },
    test: { prompts: [], demonstrations: [], rankings: [], ratings: [] },
  };
  let clock = EPOCH;
  const at = (milliseconds: number): string => new Date(milliseconds).toISOString();

  for (let index = 0; index < promptCount; index++) {
    const userId = random.pick(users);
    const split = splitOf.get(userId)!;
    const task: SimTask = sampleSimTask(random);
    let text = task.text;
    const meta: Record<string, unknown> = { family: task.family, template: task.template };
    if (random.chance(piiRate)) {
      const planted = plantPii(random, text);
      text = planted.text;
      meta.plantedPii = [planted.kind];
    }
    const stage =
      split !== 'train' ? 'all' : (['sft', 'reward', 'ppo'] as const)[random.weighted([sftFraction, rewardFraction, ppoFraction])]!;
    meta.stage = stage;
    clock += random.range(1, 600) * 1000;
    const id = `sim-${String(index + 1).padStart(6, '0')}`;
    const records = splits[split];
    records.prompts.push({
      id,
      text,
      userId,
      source: random.pick(['playground', 'playground', 'playground', 'api', 'labeler']),
      createdAt: at(clock),
      meta,
    });
    const labeledAt = (): string => at(clock + random.range(1, 72) * 3_600_000);
    if (stage === 'sft' || stage === 'all') {
      const labeler = random.pick(labelers);
      records.demonstrations.push({ promptId: id, completion: writeDemonstration(labeler, task, random), labelerId: labeler.id, createdAt: labeledAt() });
    }
    if (stage === 'reward' || stage === 'all') {
      const labeler = random.pick(labelers);
      const completions = sampleCandidates(task, random.range(4, 9), random);
      const order = rankCompletions(labeler, task, completions.map((completion) => completion.text), random);
      const createdAt = labeledAt();
      records.rankings.push({ promptId: id, completions: completions.map(({ text: completionText, policy }) => ({ text: completionText, policy })), order, labelerId: labeler.id, createdAt });
      const distinct = [...new Map(completions.map((completion) => [completion.text, completion])).values()];
      for (const completion of random.sample(distinct, ratingsPerRanking)) {
        const rating = rateCompletion(labeler, task, completion.text, random);
        records.ratings.push({
          promptId: id,
          completion: completion.text,
          policy: completion.policy,
          labelerId: labeler.id,
          likert: rating.likert,
          // Only the flags that apply: absent flags default to false (null for the constraint) in the schema.
          flags: Object.fromEntries(Object.entries(rating.flags).filter(([, value]) => value !== false && value !== null)) as Rating['flags'],
          createdAt,
        });
      }
    }
  }

  const summary = (split: SimSplit) => ({
    users: new Set(splits[split].prompts.map((prompt) => prompt.userId)).size,
    prompts: splits[split].prompts.length,
    demonstrations: splits[split].demonstrations.length,
    rankings: splits[split].rankings.length,
    ratings: splits[split].ratings.length,
  });
  return {
    splits,
    pretrain: generatePretrainCorpus({ seed: seed + 1, paragraphs: positiveInteger(counts.pretrainParagraphs, 2000, 'counts.pretrainParagraphs') }),
    pretrainValid: generatePretrainCorpus({ seed: seed + 2, paragraphs: positiveInteger(counts.pretrainValidParagraphs, 200, 'counts.pretrainValidParagraphs') }),
    manifest: {
      generator: '@instructkit/sim',
      seed,
      splits: { train: summary('train'), valid: summary('valid'), test: summary('test') },
      labelers,
      labelerAgreement: measureLabelerAgreement({ ...labelerSettings, prompts: 500 }),
    },
  };
}
