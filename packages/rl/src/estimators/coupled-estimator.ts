import {
  add, cast, concat, foldIn, logicalAnd, logicalNot, lt, mul, scope, sliceAxis, where, type Tensor,
} from '@mmada/tensor';
import type { MaskPredictor } from '@mmada/diffusion';
import { generatedRegion } from './generated-region.js';
import { hostUniform } from './host-uniform.js';
import { keyedUniform } from './keyed-uniform.js';
import type { EstimateContext, LikelihoodEstimate, LikelihoodEstimator } from './likelihood-estimator.js';
import { checkBatch, sampleIdsOf, type RolloutBatch } from './rollout-batch.js';
import { maskKey } from './rollout-key.js';
import { tokenLogProbs } from './token-log-probs.js';

export interface CoupledEstimatorOptions {
  /** t ~ U(tMin, tMax) (default 0.2 … 0.8, DiffuCoder). */
  readonly tMin?: number;
  readonly tMax?: number;
}

/** Salt for the per-call draw of t. */
const T_STREAM = 0x74;

/**
 * DiffuCoder's coupled-GRPO estimator: three copies per call, the prompt never masked —
 * (0) the generated part fully masked; (1) generated tokens masked where u < t; (2) where u ≥ t (the
 * complement), with t ~ U(0.2, 0.8) drawn once per call (per batch key and iteration) and u ~ U(0, 1) per token
 * (keyed per row). Every completion token is masked in exactly one of copies 1 and 2, and its term is
 * ℓ = (ℓ₀ + w·ℓ_pair) / 2 with w = 1/t for copy 1 and 1/(1−t) for copy 2. The three copies share one
 * predictor call of 3B rows.
 */
export function coupledEstimator(options: CoupledEstimatorOptions = {}): LikelihoodEstimator {
  const tMin = options.tMin ?? 0.2;
  const tMax = options.tMax ?? 0.8;
  if (!(tMin > 0 && tMax < 1 && tMin <= tMax)) throw new RangeError(`coupledEstimator: need 0 < tMin ≤ tMax < 1, got ${tMin}, ${tMax}`);
  return {
    name: 'coupled',
    passesPerSample: 3,
    forwardPasses: (batch) => batch.ids.shape[0]! * 3,
    async estimate(model: MaskPredictor, batch: RolloutBatch, ctx: EstimateContext): Promise<LikelihoodEstimate> {
      const [b, l] = checkBatch(batch, 'coupledEstimator');
      // Every intermediate tensor is freed when the scope ends; only the returned ones live on.
      return scope(async () => {
        const t = tMin + (tMax - tMin) * hostUniform(foldIn(foldIn(ctx.key, ctx.iteration), T_STREAM));
        const keys = sampleIdsOf(batch).map((s) => maskKey(ctx.key, ctx.iteration, s));
        const generated = generatedRegion(batch);
        const u = keyedUniform(keys, l, batch.ids.device);
        const below = lt(u, t);
        const first = logicalAnd(generated, below);
        const notBelow = logicalNot(below);
        const second = logicalAnd(generated, notBelow);
        const copies = [generated, first, second].map((m) => where(m, batch.maskId, batch.ids));
        const noisy = concat(copies, 0);
        const lp = await tokenLogProbs(model, noisy, batch.ids, batch.padMask, 'coupledEstimator');
        const [l0, l1, l2] = [0, 1, 2].map((c) => sliceAxis(lp, 0, c * b, (c + 1) * b)) as [Tensor, Tensor, Tensor];
        const mask = cast(batch.completionMask, 'bool');
        const weight = where(first, 1 / t, 1 / (1 - t));
        const pair = where(first, l1, l2);
        const combined = mul(add(l0, mul(weight, pair)), 0.5);
        const tokenLogp = where(mask, combined, 0);
        const weights = where(mask, weight, 0);
        return { tokenLogp, mask, copies: 1, weights, noisy };
      });
    },
  };
}
