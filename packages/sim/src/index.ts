/**
 * @packageDocumentation
 * The embedded instruction-following task: prompt families, gold scorers, simulated
 * labelers, synthetic candidate policies, the pretraining corpus and the data set writer.
 */
// World and conventions
export { SeededRandom } from './seeded-random';
export { FRUITS, ANIMALS, COLORS, OBJECTS, NAMES, TOWNS, JOBS, CATEGORIES, LIST_WORDS, ORDINALS, ENTITY_WORDS, INSULTS, INSULT_NOUNS, KIND_WORDS, pluralOf } from './world';
export { END_OF_ANSWER, splitAnswer, withEnd, type SplitAnswer } from './end-of-answer';

// Task families and prompts
export type { SimFamilyName, CorruptionKind, AnswerJudgement, PromptTemplate, TaskFamily, AnyTaskFamily } from './task-family';
export type { ReverseWordsSpec } from './families/reverse-words';
export type { SortNumbersSpec } from './families/sort-numbers';
export type { ChangeCaseSpec } from './families/change-case';
export type { CountItemsSpec } from './families/count-items';
export type { KthWordSpec } from './families/kth-word';
export type { ArithmeticSpec } from './families/arithmetic';
export type { PassageSpec, PassageFacts, QuestionKind } from './families/passage';
export type { RefusalSpec, HarmfulRequest } from './families/refusal';
export type { ConstrainedListSpec } from './families/constrained-list';
export { SIM_FAMILIES, SIM_FAMILY_NAMES, familyByName } from './sim-families';
export { sampleSimTask, parseSimPrompt, renderTemplate, familyOf, type SimTask, type SampleSimTaskOptions } from './sim-task';

// The gold judge (evaluations only)
export { goldScore, goldLikert, likertOf, ENDING_WEIGHT, type GoldScore, type GoldLikert } from './gold-score';
export { createGoldRewardModel, type GoldRewardModelSettings } from './gold-reward-model';
export { createGoldRater, type GoldRater, type GoldRating, type GoldRaterFlag } from './gold-rater';

// Candidates and labelers
export { SYNTHETIC_POLICIES, synthesizeCompletion, type SyntheticPolicy } from './synthetic-policies';
export { sampleCandidates, CANDIDATE_POLICY_WEIGHTS, type CandidateCompletion } from './sample-candidates';
export {
  createSimulatedLabelers,
  writeDemonstration,
  perceiveQuality,
  rankCompletions,
  rateCompletion,
  DEFAULT_LABELER_NOISE,
  type SimulatedLabeler,
  type SimulatedLabelerSettings,
} from './simulated-labeler';
export { measureLabelerAgreement, type LabelerAgreement, type LabelerAgreementSettings } from './labeler-agreement';

// Base-model data and the data set
export { generatePretrainCorpus, toxicityOpening, toxicityPrompts, type PretrainCorpusSettings } from './pretrain-corpus';
export { fewShotPrefix, formatFewShotQuery } from './few-shot-prefix';
export {
  buildSimDataset,
  type SimDataset,
  type SimDatasetCounts,
  type SimDatasetOptions,
  type SimDatasetManifest,
  type SimSplit,
  type SimSplitRecords,
} from './build-sim-dataset';
export { generateSimDataset, type GenerateSimDatasetOptions, type GeneratedSimDataset } from './generate-sim-dataset';
