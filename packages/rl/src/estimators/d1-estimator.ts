import { cast, dispose, logicalAnd, logicalNot, logicalOr, lt, where, type Tensor } from '@mmada/tensor';
import type { MaskPredictor } from '@mmada/diffusion';
import { generatedRegion } from './generated-region.js';
import { keyedUniform } from './keyed-uniform.js';
import type { EstimateContext, LikelihoodEstimate, LikelihoodEstimator } from './likelihood-estimator.js';
import { checkBatch, sampleIdsOf, type RolloutBatch } from './rollout-batch.js';
import { maskKey } from './rollout-key.js';
import { tokenLogProbs } from './token-log-probs.js';

export interface D1EstimatorOptions {
  /** Probability of masking each prompt token, left pads included (default 0.15, d1's train.yaml; code default 0.3). */
  readonly pMaskPrompt?: number;
}

/**
 * d1's (diffu-GRPO) one-pass estimator: prompt tokens are masked independently with probability
 * `pMaskPrompt`, the whole generated part is masked, and ℓ is read at every completion token. The mask of
 * iteration k is keyed by (batch key, k, sample) — d1 draws one mask seed per inner iteration and reuses it
 * for π_θ, π_old and π_ref, which is what calling `estimate` with the same context does here.
 */
export function d1Estimator(options: D1EstimatorOptions = {}): LikelihoodEstimator {
  const p = options.pMaskPrompt ?? 0.15;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`d1Estimator: pMaskPrompt must lie in [0, 1], got ${p}`);
  return {
    name: 'd1',
    passesPerSample: 1,
    forwardPasses: (batch) => batch.ids.shape[0]! * 1,
    async estimate(model: MaskPredictor, batch: RolloutBatch, ctx: EstimateContext): Promise<LikelihoodEstimate> {
      const [, l] = checkBatch(batch, 'd1Estimator');
      const keys = sampleIdsOf(batch).map((s) => maskKey(ctx.key, ctx.iteration, s));
      const generated = generatedRegion(batch);
      const prompt = logicalNot(generated);
      const u = keyedUniform(keys, l, batch.ids.device);
      const hit = lt(u, p);
      const promptMasked = logicalAnd(prompt, hit);
      const masked = logicalOr(promptMasked, generated);
      const noisy = where(masked, batch.maskId, batch.ids);
      const mask = cast(batch.completionMask, 'bool');
      const lp = await tokenLogProbs(model, noisy, batch.ids, batch.padMask, 'd1Estimator');
      const tokenLogp = where(mask, lp, 0);
      dispose([generated, prompt, u, hit, promptMasked, masked, lp] as Tensor[]);
      return { tokenLogp, mask, copies: 1, noisy };
    },
  };
}
