/**
 * @packageDocumentation
 * InstructGPT PPO and PPO-ptx for language models: the pure pieces (reward shaping,
 * KL estimators and controllers, GAE, whitening, EMA, padding layout, reference losses)
 * and `trainPpo`, which drives any engine through core's contracts.
 */
export { trainPpo } from './train-ppo';
export type { TrainPpoSettings, PpoTokenizer, PpoMetrics, PpoRunResult } from './train-ppo';
export { PpoHyperparameters } from './ppo-hyperparameters';
export type { PpoHyperparametersInput } from './ppo-hyperparameters';
export { resolvePpoHyperparameters } from './resolve-ppo-hyperparameters';
export { instructgptPreset } from './instructgpt-preset';
export type { PpoPreset, InstructgptPresetOptions } from './instructgpt-preset';
export { shapeRewards } from './shape-rewards';
export type { ShapeRewardsInput, ShapedRewards } from './shape-rewards';
export { estimateKl } from './estimate-kl';
export type { KlEstimate } from './estimate-kl';
export { computeAdvantages } from './compute-advantages';
export type { ComputeAdvantagesInput, ComputeAdvantagesResult } from './compute-advantages';
export { whitenMasked } from './whiten-masked';
export type { WhitenOptions } from './whiten-masked';
export { maskedMoments } from './masked-moments';
export type { MaskedMoments } from './masked-moments';
export { RunningMoments } from './running-moments';
export type { RunningMomentsState } from './running-moments';
export { applyEosPenalty } from './apply-eos-penalty';
export type { EosPenaltySettings } from './apply-eos-penalty';
export { createFixedKlController, createAdaptiveKlController, restoreKlController } from './kl-controller';
export type { KlController, KlControllerState, AdaptiveKlSettings } from './kl-controller';
export { updateEma } from './update-ema';
export { explainedVariance } from './explained-variance';
export { buildRolloutBatch, scatterResponseValues } from './build-rollout-batch';
export type { Episode, RolloutBatch } from './build-rollout-batch';
export { actionValues } from './action-values';
export { buildLanguageModelingTask } from './build-language-modeling-task';
export { clippedPolicyLoss } from './clipped-policy-loss';
export type { ClippedPolicyLossInput, ClippedPolicyLoss } from './clipped-policy-loss';
export { clippedValueLoss } from './clipped-value-loss';
export type { ClippedValueLossInput, ClippedValueLoss } from './clipped-value-loss';
export { overoptimizationCurve } from './overoptimization-curve';
export type { OveroptimizationCurve, OveroptimizationPoint } from './overoptimization-curve';
export { SeededRandom } from './seeded-random';
