/**
 * @packageDocumentation
 * InstructGPT reward models: the K-way ranking loss over all C(K,2) pairs of a prompt
 * (Eq. 1), training, normalization, evaluation (pairwise accuracy, log loss, calibration,
 * held-out labelers) and text-level scoring, locally or over HTTP.
 */
export { trainRewardModel } from './train-reward-model';
export type { TrainRewardModelSettings, TrainRewardModelResult } from './train-reward-model';
export { buildRankingTask } from './build-ranking-task';
export type { BuildRankingTaskSettings, TokenizedRanking } from './build-ranking-task';
export { rankingLoss, logSigmoid } from './ranking-loss';
export type { RankingLossResult } from './ranking-loss';
export { rankingExamplesFromRecords, rankingExamplesFromPairs, countRankedPairs } from './ranking-example';
export type { RankingExample } from './ranking-example';
export { encodeScoredSequence } from './encode-scored-sequence';
export type { EncodeScoredSequenceSettings } from './encode-scored-sequence';
export { padRows } from './pad-rows';
export type { PaddingSide } from './pad-rows';
export type { TokenEncoder } from './token-encoder';
export { scoreCompletions } from './score-completions';
export type { ScoreCompletionsSettings } from './score-completions';
export { createRewardModel } from './create-reward-model';
export type { RewardModelSettings, RewardNormalization } from './create-reward-model';
export { computeRewardNormalization } from './compute-reward-normalization';
export type { RewardNormalizationSettings } from './compute-reward-normalization';
export { evaluateRankings } from './evaluate-rankings';
export type { EvaluateRankingsSettings, RankingEvaluation, PairwiseMetrics, CalibrationBin } from './evaluate-rankings';
export { createRemoteRewardModel, RemoteRewardModelError } from './create-remote-reward-model';
export type { RemoteRewardModelSettings } from './create-remote-reward-model';
export { exportRewardModel, readRewardNormalization, REWARD_NORMALIZATION_FILE } from './export-reward-model';
export type { ExportRewardModelSettings } from './export-reward-model';
