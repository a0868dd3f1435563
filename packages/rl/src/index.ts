/**
 * @mmada/rl — policy-gradient RL for masked diffusion LMs: the GRPO objective family, pluggable likelihood
 * estimators and verifiable rewards. This file is the public surface and nothing else.
 */

// Objective
export { groupAdvantages, groupAdvantagesTensor, ADVANTAGE_STD_EPSILON } from './objective/group-advantages.js';
export type { ScaleRewards, GroupFilter, GroupAdvantageOptions, GroupAdvantages } from './objective/group-advantages.js';
export { grpoLoss, readLossMetrics } from './objective/grpo-loss.js';
export type { LossType, ImportanceSamplingLevel, GrpoLossInputs, GrpoLossOptions, GrpoLossMetrics, GrpoLoss } from './objective/grpo-loss.js';

// Likelihood estimators
export type { RolloutBatch } from './estimators/rollout-batch.js';
export type { EstimatorName, EstimateContext, LikelihoodEstimate, LikelihoodEstimator } from './estimators/likelihood-estimator.js';
export { rolloutKey, maskKey } from './estimators/rollout-key.js';
export { unigrpoTimesteps, drawT1 } from './estimators/unigrpo-timesteps.js';
export type { TimestepRule } from './estimators/unigrpo-timesteps.js';
export { unigrpoEstimator } from './estimators/unigrpo-estimator.js';
export type { UnigrpoEstimatorOptions } from './estimators/unigrpo-estimator.js';
export { d1Estimator } from './estimators/d1-estimator.js';
export type { D1EstimatorOptions } from './estimators/d1-estimator.js';
export { coupledEstimator } from './estimators/coupled-estimator.js';
export type { CoupledEstimatorOptions } from './estimators/coupled-estimator.js';
export { randomMaskingEstimator } from './estimators/random-masking-estimator.js';
export type { RandomMaskingEstimatorOptions } from './estimators/random-masking-estimator.js';
export { lladaMcEstimator } from './estimators/llada-mc-estimator.js';
export type { LladaMcEstimatorOptions } from './estimators/llada-mc-estimator.js';
export { createEstimator } from './estimators/create-estimator.js';
export type { EstimatorSpec } from './estimators/create-estimator.js';

// Rewards
export type { RewardFunction, RewardFunctions, ModelReward } from './rewards/reward-function.js';
export { combineRewards, weightedTotal } from './rewards/combine-rewards.js';
export type { CombinedReward } from './rewards/combine-rewards.js';
export { scoreRewards, summarizeRewards } from './rewards/score-rewards.js';
export type { RewardSources, BatchRewards, RewardStat } from './rewards/score-rewards.js';
export { mmadaReasoningRewards } from './rewards/mmada-reasoning-rewards.js';
export type { GoldItem, MmadaReasoningRewardOptions } from './rewards/mmada-reasoning-rewards.js';
export { d1Gsm8kRewards, d1MathRewards, d1CountdownRewards, d1SudokuRewards } from './rewards/d1-rewards.js';
export type { SudokuItem } from './rewards/d1-rewards.js';
export { shapesWorldUnderstandingRewards } from './rewards/shapes-world-understanding-rewards.js';
export type { ShapesWorldUnderstandingItem, ShapesWorldUnderstandingRewardOptions } from './rewards/shapes-world-understanding-rewards.js';
export { shapesWorldT2IRewards, t2iPartialCredit, t2iRequirementCount } from './rewards/shapes-world-t2i-rewards.js';
export type { ShapesWorldT2IItem } from './rewards/shapes-world-t2i-rewards.js';

// Trainer
export { DEFAULT_RL_CONFIG, ESTIMATOR_NAMES, TIMESTEP_RULES, LOSS_TYPES, SCALE_REWARDS, LR_SCHEDULERS, REMASKINGS, RlConfigError, validateRlConfig, rlConfig, estimatorFor } from './trainer/rl-config.js';
export type { RlConfig, EstimatorConfig, GroupFilterConfig, LrSchedulerType } from './trainer/rl-config.js';
export { predictorAt, newForwardCounter } from './trainer/policy.js';
export type { RlPolicy, ForwardCounter } from './trainer/policy.js';
export type { RlPrompt, TextRlPrompt, ImageRlPrompt, TextCompletion, RewardComponents, PromptSource } from './trainer/rl-prompt.js';
export { cyclePrompts, interleavePrompts } from './trainer/prompt-source.js';
export { rollout, rolloutBatchOf, familiesOf, ROLLOUT_STREAM } from './trainer/rollout.js';
export type { FamilyRollout, RolloutOptions } from './trainer/rollout.js';
export { withoutTimes } from './trainer/rl-metrics.js';
export type { RlStepMetrics, UpdateMetrics, MeanStd, ComponentStat } from './trainer/rl-metrics.js';
export { rewardCurveSvg, type RewardCurvePoint } from './trainer/reward-curve.js';
export { GrpoTrainer, rlTrain, rlSchedule, configDifferences, formatStepProgress, RlTrainError, RL_CHECKPOINT_DIR, RL_METRICS_FILE, RL_CONFIG_FILE } from './trainer/grpo-trainer.js';
export type { RlTrainOptions, RlTrainResult } from './trainer/grpo-trainer.js';

// Presets
export { PRESET_NAMES, getPreset, presetConfig, describePreset } from './presets/presets.js';
export type { PresetName, Preset, PresetSetting } from './presets/presets.js';

// Ablation
export { runAblation, ABLATION_RUNS_DIR, ABLATION_SUMMARY_JSON, ABLATION_SUMMARY_MD, ABLATION_EVAL_FILE, ABLATION_RUN_INFO_FILE } from './ablation/run-ablation.js';
export type { AblationOptions, AblationResult, AblationEvaluator, AblationRunInfo } from './ablation/run-ablation.js';
export { parseVariant, variantConfig, variantDir, VARIANT_ESTIMATORS, DEFAULT_VARIANT_MC_NUM } from './ablation/variants.js';
export type { Variant } from './ablation/variants.js';
export { summarizeAblation, ablationCharts, ablationMarkdown } from './ablation/ablation-summary.js';
export type { AblationSummary, AblationRun, VariantSummary, CurvePoint, EvalPoint, CheckpointAccuracy } from './ablation/ablation-summary.js';
export { meanInterval95, tCritical95, trailingMean, sampleVariance } from './ablation/stats.js';
export type { MeanInterval } from './ablation/stats.js';
export { diagnoseEstimators, diagnosticsMarkdown } from './ablation/diagnose-estimators.js';
export type { DiagnoseOptions, DiagnoseResult, EstimatorDiagnostic } from './ablation/diagnose-estimators.js';
