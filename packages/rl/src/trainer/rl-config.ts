/**
 * The configuration of an RL run. Names follow TRL's GRPOConfig (camelCased) wherever the concept exists
 * there (numGenerations, numIterations, beta, epsilon, epsilonHigh, delta, lossType, scaleRewards,
 * importanceSamplingLevel, maxCompletionLength, temperature, learningRate, lrSchedulerType, warmupRatio,
 * adamBeta1/2, adamEpsilon, weightDecay, maxGradNorm, maskTruncatedCompletions, rewardWeights, seed); the rest
 * are the diffusion-specific choices: the likelihood estimator and the samplers of the rollouts.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Remasking } from '@mmada/diffusion';
import { createEstimator, type EstimatorSpec } from '../estimators/create-estimator.js';
import type { EstimatorName, LikelihoodEstimator } from '../estimators/likelihood-estimator.js';
import type { TimestepRule } from '../estimators/unigrpo-timesteps.js';
import type { ImportanceSamplingLevel, LossType } from '../objective/grpo-loss.js';
import type { ScaleRewards } from '../objective/group-advantages.js';

/** The likelihood estimators the trainer can use (spec rl.md §1, §9). */
export const ESTIMATOR_NAMES: readonly EstimatorName[] = ['unigrpo', 'd1', 'coupled', 'random-masking', 'llada-mc'];

/** UniGRPO's rules for the μ masking timesteps (spec rl.md §3, Quirk 9). */
export const TIMESTEP_RULES: readonly TimestepRule[] = ['stratified', 'paper-formula', 'igpo', 'random'];

export const LOSS_TYPES: readonly LossType[] = ['grpo', 'bnpo', 'dr_grpo', 'dapo'];
export const SCALE_REWARDS: readonly ScaleRewards[] = ['group', 'batch', 'none'];
export const LR_SCHEDULERS = ['constant', 'constant_with_warmup', 'cosine'] as const;
export type LrSchedulerType = (typeof LR_SCHEDULERS)[number];
export const REMASKINGS: readonly Remasking[] = ['low_confidence', 'random', 'margin_confidence'];

/**
 * Which estimator scores the completions, with its options (createEstimator's spec). UniGRPO's μ defaults to
 * the config's numIterations.
 */
export type EstimatorConfig = EstimatorSpec extends infer S ? (S extends { readonly name: 'unigrpo' } ? Omit<S, 'mu'> & { readonly mu?: number } : S) : never;

/** The group filter of dLLM-RL: groups whose accuracy is outside [minAccuracy, maxAccuracy] are dropped. */
export interface GroupFilterConfig {
  readonly minAccuracy: number;
  readonly maxAccuracy: number;
  /** A combined reward at or above this counts as correct (default 1). */
  readonly correctThreshold?: number;
}

export interface RlConfig {
  // --- TRL GRPOConfig names ---
  /** G: completions sampled per prompt (≥ 2). */
  readonly numGenerations: number;
  /** μ: optimizer updates per generation batch. */
  readonly numIterations: number;
  /** k3 KL coefficient; 0 loads no reference policy. */
  readonly beta: number;
  /** Lower clip ε. */
  readonly epsilon: number;
  /** Upper clip (default: epsilon). */
  readonly epsilonHigh?: number;
  /** Cap on ρ in the unclipped branch (INTELLECT-2); none by default. */
  readonly delta?: number;
  readonly lossType: LossType;
  readonly scaleRewards: ScaleRewards;
  readonly importanceSamplingLevel: ImportanceSamplingLevel;
  /** Text completions are sampled with this many tokens (the sampler's gen length). */
  readonly maxCompletionLength: number;
  /** Rollout temperature of the text sampler (Gumbel-max; 0 is greedy). */
  readonly temperature: number;
  readonly learningRate: number;
  readonly lrSchedulerType: LrSchedulerType;
  /** Warmup as a fraction of the run's optimizer updates. */
  readonly warmupRatio: number;
  readonly adamBeta1: number;
  readonly adamBeta2: number;
  readonly adamEpsilon: number;
  readonly weightDecay: number;
  /** Global gradient-norm clip (0 = off). */
  readonly maxGradNorm: number;
  /** Completions without a stop token leave the loss (their mask is zeroed). */
  readonly maskTruncatedCompletions: boolean;
  /** Weight of each reward component by name (e.g. correctness, format); a component not named weighs 1. */
  readonly rewardWeights: Readonly<Record<string, number>>;
  /** Seeds prompts order, rollouts and masks: key(seed) folded with (step, iteration, sample). */
  readonly seed: number;

  // --- the rest of the objective ---
  /** Prompts per generation batch (the batch has promptsPerStep · numGenerations completions). */
  readonly promptsPerStep: number;
  /** The KL's reference: π_ref (TRL, UniGRPO) or π_old (dLLM-RL). */
  readonly klAgainst: 'ref' | 'old';
  /** RLOO baseline (the mean of the other G − 1 rewards), as coupled-GRPO. */
  readonly leaveOneOut: boolean;
  readonly groupFilter?: GroupFilterConfig;
  readonly estimator: EstimatorConfig;

  // --- rollout samplers ---
  /** Text: total denoising steps of the semi-autoregressive sampler. */
  readonly steps: number;
  /** Text: block length (maxCompletionLength must be a multiple). */
  readonly blockLength: number;
  readonly remasking: Remasking;
  /** Text: confidence-threshold parallel decoding (dLLM-RL's low_confidence_dynamic); `steps` is then unused. */
  readonly threshold?: number;
  /** Images (MaskGIT): steps, confidence temperature τ₀ and classifier-free guidance scale. */
  readonly imageSteps: number;
  readonly imageTemperature: number;
  readonly guidanceScale: number;
  /** Rows per sampler call (default: the whole family batch); bounds memory for large batches. */
  readonly generationBatchSize?: number;
}

/** TRL's GRPOConfig defaults where they exist, plus UniGRPO's estimator and a small rollout. */
export const DEFAULT_RL_CONFIG: RlConfig = {
  numGenerations: 8,
  numIterations: 1,
  beta: 0,
  epsilon: 0.2,
  lossType: 'dapo',
  scaleRewards: 'group',
  importanceSamplingLevel: 'token',
  maxCompletionLength: 256,
  temperature: 1,
  learningRate: 1e-6,
  lrSchedulerType: 'constant',
  warmupRatio: 0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  weightDecay: 0,
  maxGradNorm: 1,
  maskTruncatedCompletions: false,
  rewardWeights: {},
  seed: 42,
  promptsPerStep: 8,
  klAgainst: 'ref',
  leaveOneOut: false,
  estimator: { name: 'unigrpo', timestepRule: 'stratified', T: 1000 },
  steps: 128,
  blockLength: 32,
  remasking: 'low_confidence',
  imageSteps: 15,
  imageTemperature: 1,
  guidanceScale: 0,
};

/** A bad configuration value: `field` names it as in RlConfig. */
export class RlConfigError extends Error {
  override readonly name = 'RlConfigError';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

const isInt = (x: unknown, min: number) => typeof x === 'number' && Number.isInteger(x) && x >= min;
const isNum = (x: unknown, min = -Infinity) => typeof x === 'number' && Number.isFinite(x) && x >= min;

/** Checks every field (the first problem is reported, naming the field). */
export function validateRlConfig(c: RlConfig): E.Either<RlConfigError, RlConfig> {
  const fail = (field: string, msg: string) => E.left(new RlConfigError(field, msg));
  if (!isInt(c.numGenerations, 2)) return fail('numGenerations', `must be an integer ≥ 2 (a group needs a baseline), got ${c.numGenerations}`);
  if (!isInt(c.numIterations, 1)) return fail('numIterations', `must be an integer ≥ 1, got ${c.numIterations}`);
  if (!isNum(c.beta, 0)) return fail('beta', `must be a number ≥ 0, got ${c.beta}`);
  if (!isNum(c.epsilon, 0)) return fail('epsilon', `must be a number ≥ 0, got ${c.epsilon}`);
  if (c.epsilonHigh !== undefined && !isNum(c.epsilonHigh, 0)) return fail('epsilonHigh', `must be a number ≥ 0, got ${c.epsilonHigh}`);
  if (c.delta !== undefined && !isNum(c.delta, 1)) return fail('delta', `must be a number ≥ 1, got ${c.delta}`);
  if (!LOSS_TYPES.includes(c.lossType)) return fail('lossType', `must be one of ${LOSS_TYPES.join(', ')}, got ${JSON.stringify(c.lossType)}`);
  if (!SCALE_REWARDS.includes(c.scaleRewards)) return fail('scaleRewards', `must be one of ${SCALE_REWARDS.join(', ')}, got ${JSON.stringify(c.scaleRewards)}`);
  if (c.importanceSamplingLevel !== 'token' && c.importanceSamplingLevel !== 'sequence') return fail('importanceSamplingLevel', `must be token or sequence, got ${JSON.stringify(c.importanceSamplingLevel)}`);
  if (!isInt(c.maxCompletionLength, 1)) return fail('maxCompletionLength', `must be a positive integer, got ${c.maxCompletionLength}`);
  if (!isNum(c.temperature, 0)) return fail('temperature', `must be a number ≥ 0, got ${c.temperature}`);
  if (!isNum(c.learningRate, 0) || c.learningRate === 0) return fail('learningRate', `must be a number > 0, got ${c.learningRate}`);
  if (!LR_SCHEDULERS.includes(c.lrSchedulerType)) return fail('lrSchedulerType', `must be one of ${LR_SCHEDULERS.join(', ')}, got ${JSON.stringify(c.lrSchedulerType)}`);
  if (!isNum(c.warmupRatio, 0) || c.warmupRatio > 1) return fail('warmupRatio', `must be in [0, 1], got ${c.warmupRatio}`);
  for (const f of ['adamBeta1', 'adamBeta2'] as const) if (!isNum(c[f], 0) || c[f] >= 1) return fail(f, `must be in [0, 1), got ${c[f]}`);
  if (!isNum(c.adamEpsilon, 0)) return fail('adamEpsilon', `must be a number ≥ 0, got ${c.adamEpsilon}`);
  if (!isNum(c.weightDecay, 0)) return fail('weightDecay', `must be a number ≥ 0, got ${c.weightDecay}`);
  if (!isNum(c.maxGradNorm, 0)) return fail('maxGradNorm', `must be a number ≥ 0 (0 = no clipping), got ${c.maxGradNorm}`);
  for (const [k, w] of Object.entries(c.rewardWeights)) if (!isNum(w)) return fail(`rewardWeights.${k}`, `must be a finite number, got ${w}`);
  if (!isInt(c.seed, 0)) return fail('seed', `must be a non-negative integer, got ${c.seed}`);
  if (!isInt(c.promptsPerStep, 1)) return fail('promptsPerStep', `must be a positive integer, got ${c.promptsPerStep}`);
  if (c.klAgainst !== 'ref' && c.klAgainst !== 'old') return fail('klAgainst', `must be ref or old, got ${JSON.stringify(c.klAgainst)}`);
  if (c.groupFilter) {
    const g = c.groupFilter;
    if (!isNum(g.minAccuracy, 0) || !isNum(g.maxAccuracy, 0) || g.minAccuracy > g.maxAccuracy || g.maxAccuracy > 1) {
      return fail('groupFilter', `needs 0 ≤ minAccuracy ≤ maxAccuracy ≤ 1, got [${g.minAccuracy}, ${g.maxAccuracy}]`);
    }
  }
  const est = c.estimator;
  if (!ESTIMATOR_NAMES.includes(est?.name)) return fail('estimator.name', `must be one of ${ESTIMATOR_NAMES.join(', ')}, got ${JSON.stringify(est?.name)}`);
  try {
    estimatorFor(c);
  } catch (e) {
    return fail('estimator', (e as Error).message);
  }
  if (!isInt(c.steps, 1)) return fail('steps', `must be a positive integer, got ${c.steps}`);
  if (!isInt(c.blockLength, 1)) return fail('blockLength', `must be a positive integer, got ${c.blockLength}`);
  if (c.maxCompletionLength % c.blockLength !== 0) return fail('blockLength', `maxCompletionLength ${c.maxCompletionLength} must be a multiple of blockLength ${c.blockLength}`);
  if (c.threshold === undefined && c.steps % (c.maxCompletionLength / c.blockLength) !== 0) {
    return fail('steps', `${c.steps} must be a multiple of the number of blocks (${c.maxCompletionLength / c.blockLength} = maxCompletionLength / blockLength)`);
  }
  if (!REMASKINGS.includes(c.remasking)) return fail('remasking', `must be one of ${REMASKINGS.join(', ')}, got ${JSON.stringify(c.remasking)}`);
  if (c.threshold !== undefined && !(isNum(c.threshold, 0) && c.threshold <= 1)) return fail('threshold', `must be in [0, 1], got ${c.threshold}`);
  if (!isInt(c.imageSteps, 1)) return fail('imageSteps', `must be a positive integer, got ${c.imageSteps}`);
  if (!isNum(c.imageTemperature, 0)) return fail('imageTemperature', `must be a number ≥ 0, got ${c.imageTemperature}`);
  if (!isNum(c.guidanceScale, 0)) return fail('guidanceScale', `must be a number ≥ 0, got ${c.guidanceScale}`);
  if (c.generationBatchSize !== undefined && !isInt(c.generationBatchSize, 1)) return fail('generationBatchSize', `must be a positive integer, got ${c.generationBatchSize}`);
  return E.right(c);
}

/** A config from a partial one: the fields given override `base` (estimator options merge by name). */
export function rlConfig(overrides: Partial<RlConfig> = {}, base: RlConfig = DEFAULT_RL_CONFIG): RlConfig {
  const estimator = overrides.estimator
    ? overrides.estimator.name === base.estimator.name ? { ...base.estimator, ...overrides.estimator } : overrides.estimator
    : base.estimator;
  return { ...base, ...overrides, estimator, rewardWeights: { ...base.rewardWeights, ...overrides.rewardWeights } };
}

/** The likelihood estimator the config names (UniGRPO's μ is numIterations unless the estimator sets it). */
export function estimatorFor(c: RlConfig): LikelihoodEstimator {
  const e = c.estimator;
  const spec = (e.name === 'unigrpo' ? { ...e, mu: e.mu ?? c.numIterations } : e) as EstimatorSpec;
  return createEstimator(spec);
}
