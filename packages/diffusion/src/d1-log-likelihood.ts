import { cast, dispose, logicalAnd, logicalNot, logicalOr, lt, uniform, where, key as makeKey, type PRNGKey, type Tensor } from '@mmada/tensor';
import { tokenLogProbs } from './log-probs.js';
import type { MaskPredictor } from './mask-predictor.js';
import { predictLogits } from './predict.js';

export interface D1LikelihoodOptions {
  /** bool/int [B, L]: prompt positions (left pads included); every other position is completion. */
  promptMask: Tensor;
  /** Probability of masking each prompt token (default 0.15, d1's train.yaml; its code default is 0.3). */
  pMaskPrompt?: number;
  /** PRNG key for the prompt masking (default key(0)); d1 uses one mask seed per inner iteration. */
  key?: PRNGKey;
  /** Pad mask [B, L] for the predictor; d1 passes none. */
  padMask?: Tensor;
  /** The mask token id of the model's vocabulary (MMaDA / LLaDA: 126336, `MMADA_SPECIAL_TOKENS.mask` in @mmada/mmada). */
  maskId: number;
}

export interface D1Likelihood {
  /** f32 [B, L]: ℓ = log softmax(logits)[token] at every completion position, 0 on the prompt. Differentiable. */
  tokenLogProbs: Tensor;
  /** bool [B, L]: the masked positions (the whole completion plus the masked prompt tokens). */
  masked: Tensor;
  /** i32 [B, L]: the predictor's input. */
  noisy: Tensor;
}

/**
 * d1 (diffu-GRPO)'s one-pass estimator: prompt tokens are masked independently with probability
 * `pMaskPrompt`, the completion is masked entirely, and ℓ is read at every completion token.
 */
export async function d1LogLikelihood(predictor: MaskPredictor, ids: Tensor, opts: D1LikelihoodOptions): Promise<D1Likelihood> {
  const maskId = opts.maskId;
  const prompt = cast(opts.promptMask, 'bool');
  const completion = logicalNot(prompt);
  const u = uniform(opts.key ?? makeKey(0), ids.shape, { device: ids.device });
  const hit = lt(u, opts.pMaskPrompt ?? 0.15);
  const promptMasked = logicalAnd(prompt, hit);
  const masked = logicalOr(promptMasked, completion);
  const noisy = where(masked, maskId, ids);
  const logits = await predictLogits(predictor, noisy, opts.padMask, 'd1LogLikelihood');
  const targets = cast(ids, 'i32');
  const lp = tokenLogProbs(logits, targets);
  const perToken = where(completion, lp, 0);
  dispose([prompt, completion, u, hit, promptMasked, logits, targets, lp]);
  return { tokenLogProbs: perToken, masked, noisy };
}
