import type { PRNGKey, Tensor } from '@mmada/tensor';
import type { MaskPredictor } from '@mmada/diffusion';
import type { RolloutBatch } from './rollout-batch.js';

export type EstimatorName = 'unigrpo' | 'd1' | 'coupled' | 'random-masking' | 'llada-mc';

export interface EstimateContext {
  /** The inner iteration (0 … μ−1) of this generation batch. */
  readonly iteration: number;
  /**
   * The (seed, step) key of the generation batch (`rolloutKey(seed, step)`); estimators fold in the iteration
   * and each row's sample id. Calling `estimate` again with the same key, iteration and batch reproduces the
   * same masks, which is how π_θ, π_old and π_ref are scored on one masked input.
   */
  readonly key: PRNGKey;
}

/**
 * What an estimator returns. R = copies · B rows, copy-major (rows c·B … c·B+B−1 are copy c of the batch).
 * The caller owns every tensor.
 */
export interface LikelihoodEstimate {
  /**
   * f32 [R, L]: the per-token log-likelihood terms the policy-gradient loss uses, 0 where `mask` is 0.
   * Differentiable with respect to the model's parameters when the model is.
   */
  readonly tokenLogp: Tensor;
  /** bool [R, L]: the positions the loss uses. */
  readonly mask: Tensor;
  /** How many scored copies of each completion `tokenLogp` holds (1 for all but random masking). */
  readonly copies: number;
  /** f32 [R, L]: per-token importance weights already folded into `tokenLogp` (coupled: 1/t, 1/(1−t)); diagnostics. */
  readonly weights?: Tensor;
  /** f32 [R]: a sequence-level log-likelihood (UniGRPO: mean of ℓ over masked tokens; llada-mc: the ELBO). */
  readonly sequenceLogp?: Tensor;
  /** i32 [passes · B, L]: the masked inputs the predictor saw (absent for llada-mc, which makes many). */
  readonly noisy?: Tensor;
}

/** One interface for every diffusion-LM likelihood estimator, so the objective can swap them. */
export interface LikelihoodEstimator {
  readonly name: EstimatorName;
  /** Sequence forwards per completion (unigrpo, d1: 1; coupled: 3; random masking: copies; llada-mc: mcNum). */
  readonly passesPerSample: number;
  /** Sequence forwards (rows through the model) one `estimate` of this batch costs: B · passesPerSample. */
  forwardPasses(batch: RolloutBatch): number;
  estimate(model: MaskPredictor, batch: RolloutBatch, context: EstimateContext): Promise<LikelihoodEstimate>;
}
