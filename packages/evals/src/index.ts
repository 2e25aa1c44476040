/**
 * @packageDocumentation
 * InstructGPT's evaluation suite with pluggable judges: win rates with confidence
 * intervals, Likert ratings and flags, TruthfulQA-style MC1/MC2, the
 * RealToxicityPrompts protocol, hallucination rates, the alignment tax (perplexity and
 * log-likelihood multiple choice), and a self-contained HTML report.
 */
export { wilsonInterval, bootstrapMeanInterval, type Proportion } from './confidence-interval';
export { createRewardJudge, createFunctionJudge, type PairwiseJudgeV1, type Comparison, type Verdict } from './pairwise-judge';
export { computeWinRate, type WinRate, type WinRateItem } from './win-rate';
export { summarizeRatings, type RaterV1, type RatingResult, type RatingFlag, type RatingSummary } from './rating';
export { scoreContinuations, corpusPerplexity, type ContinuationScore, type TextEncoderLike } from './score-continuations';
export {
  evaluateMultipleChoice,
  evaluateTruthfulness,
  loadTruthfulnessQuestions,
  loadMultipleChoiceItems,
  type MultipleChoiceItem,
  type MultipleChoiceResult,
  type TruthfulnessQuestion,
  type TruthfulnessResult,
} from './multiple-choice';
export {
  createLexiconToxicityScorer,
  createClassifierToxicityScorer,
  createPerspectiveToxicityScorer,
  evaluateToxicity,
  TOXICITY_INSTRUCTIONS,
  type ToxicityScorerV1,
  type ToxicityResult,
  type LexiconCategory,
} from './toxicity';
export { buildReportHtml, escapeHtml, type ReportData, type Curve, type CurveSeries, type ReportWinRate } from './build-report';
