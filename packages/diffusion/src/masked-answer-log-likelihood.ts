import { TensorError, cast, div, dispose, maximum, mul, round, sum, where, key as makeKey, type PRNGKey, type Tensor } from '@mmada/tensor';
import { tokenLogProbs } from './log-probs.js';
import { maskExactCount } from './mask-exact-count.js';
import type { MaskPredictor } from './mask-predictor.js';
import { predictLogits } from './predict.js';

export interface MaskedAnswerLikelihoodOptions {
  /** bool/int [B, L]: the answer positions that may be masked (e.g. the completion up to and including its first EOS). */
  answerMask: Tensor;
  /** Mask ratio in [0, 1] (UniGRPO: t_n / T), a number or f32 [B]. Ignored when `masked` is given. */
  maskRatio?: number | Tensor;
  /** bool [B, L]: reuse these masked positions (the same masked input for π_θ, π_old and π_ref). */
  masked?: Tensor;
  /** PRNG key for choosing the masked positions (default key(0)). */
  key?: PRNGKey;
  /** Pad mask [B, L] passed to the predictor. */
  padMask?: Tensor;
  /** The mask token id of the model's vocabulary (MMaDA / LLaDA: 126336, `MMADA_SPECIAL_TOKENS.mask` in @mmada/mmada). */
  maskId: number;
}

export interface MaskedAnswerLikelihood {
  /** f32 [B, L]: ℓ = log softmax(logits)[token] at masked answer positions, 0 elsewhere. Differentiable. */
  tokenLogProbs: Tensor;
  /** f32 [B]: the mean of ℓ over each row's masked answer tokens (UniGRPO's sequence log-likelihood). */
  sequenceLogProb: Tensor;
  /** bool [B, L]: the masked positions. */
  masked: Tensor;
  /** i32 [B, L]: the predictor's input. */
  noisy: Tensor;
}

/**
 * UniGRPO's single-pass estimate: the question stays intact and exactly `max(1, round(|o|·ratio))` answer
 * tokens are masked (random permutation); one predictor pass gives ℓ at every masked answer token and their
 * mean per row.
 */
export async function maskedAnswerLogLikelihood(
  predictor: MaskPredictor,
  ids: Tensor,
  opts: MaskedAnswerLikelihoodOptions,
): Promise<MaskedAnswerLikelihood> {
  const maskId = opts.maskId;
  const temps: Tensor[] = [];
  let masked: Tensor;
  if (opts.masked) masked = cast(opts.masked, 'bool');
  else {
    if (opts.maskRatio === undefined) throw new TensorError('maskedAnswerLogLikelihood', 'give maskRatio or masked');
    const answerF = cast(opts.answerMask, 'f32');
    const length = sum(answerF, -1);
    const scaled = mul(length, opts.maskRatio);
    const rounded = round(scaled);
    const counts = maximum(rounded, 1);
    masked = maskExactCount(opts.key ?? makeKey(0), opts.answerMask, counts);
    temps.push(answerF, length, scaled, rounded, counts);
  }
  const noisy = where(masked, maskId, ids);
  const logits = await predictLogits(predictor, noisy, opts.padMask, 'maskedAnswerLogLikelihood');
  const targets = cast(ids, 'i32');
  const lp = tokenLogProbs(logits, targets);
  const perToken = where(masked, lp, 0);
  const maskedF = cast(masked, 'f32');
  const n = sum(maskedF, -1);
  const denom = maximum(n, 1);
  const total = sum(perToken, -1);
  const sequenceLogProb = div(total, denom);
  temps.push(logits, targets, lp, maskedF, n, denom, total);
  dispose(temps);
  return { tokenLogProbs: perToken, sequenceLogProb, masked, noisy };
}
