import {
  add, cast, concat, div, foldIn, logicalAnd, logicalNot, logicalOr, lt, maximum, mul, scope, sliceAxis, sum, tile, where,
  type Tensor,
} from '@mmada/tensor';
import type { MaskPredictor } from '@mmada/diffusion';
import { generatedRegion } from './generated-region.js';
import { keyedUniform } from './keyed-uniform.js';
import type { EstimateContext, LikelihoodEstimate, LikelihoodEstimator } from './likelihood-estimator.js';
import { checkBatch, sampleIdsOf, type RolloutBatch } from './rollout-batch.js';
import { maskKey } from './rollout-key.js';
import { tokenLogProbs } from './token-log-probs.js';

export interface RandomMaskingEstimatorOptions {
  /** Masked copies per completion (default 2, dLLM-RL). */
  readonly copies?: number;
  /** t ~ U(tMin, tMax) per copy and row (default 0.1 … 0.9). */
  readonly tMin?: number;
  readonly tMax?: number;
}

/**
 * dLLM-RL's random-masking estimator: `copies` masked copies of each completion, each with its own
 * t ~ U(0.1, 0.9); completion tokens are masked independently with probability t, the generated positions
 * after the completion (EOS padding) always are, and the prompt never is. The loss sees each copy as its own
 * row (R = copies·B, copy-major) and ℓ at its masked completion tokens; with lossType 'grpo' that is
 * dLLM-RL's masked-token mean per sequence. One predictor call of copies·B rows.
 */
export function randomMaskingEstimator(options: RandomMaskingEstimatorOptions = {}): LikelihoodEstimator {
  const m = options.copies ?? 2;
  const tMin = options.tMin ?? 0.1;
  const tMax = options.tMax ?? 0.9;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`randomMaskingEstimator: copies must be a positive integer, got ${m}`);
  if (!(tMin >= 0 && tMax <= 1 && tMin <= tMax)) throw new RangeError(`randomMaskingEstimator: need 0 ≤ tMin ≤ tMax ≤ 1, got ${tMin}, ${tMax}`);
  return {
    name: 'random-masking',
    passesPerSample: m,
    forwardPasses: (batch) => batch.ids.shape[0]! * m,
    async estimate(model: MaskPredictor, batch: RolloutBatch, ctx: EstimateContext): Promise<LikelihoodEstimate> {
      const [, l] = checkBatch(batch, 'randomMaskingEstimator');
      const rowKeys = sampleIdsOf(batch).map((s) => maskKey(ctx.key, ctx.iteration, s));
      // Every intermediate tensor is freed when the scope ends; only the returned ones live on.
      return scope(async () => {
        const completion = cast(batch.completionMask, 'bool');
        const padding = logicalAnd(generatedRegion(batch), logicalNot(completion));
        const maskedCopies: Tensor[] = [];
        for (let c = 0; c < m; c++) {
          // Copy c of row b: its t and its token uniforms come from one (L+1)-wide draw of foldIn(rowKey_b, c).
          const draws = keyedUniform(rowKeys.map((k) => foldIn(k, c)), l + 1, batch.ids.device);
          const t = add(mul(sliceAxis(draws, 1, l, l + 1), tMax - tMin), tMin); // [B, 1]
          const hit = lt(sliceAxis(draws, 1, 0, l), t);
          maskedCopies.push(logicalOr(padding, logicalAnd(completion, hit)));
        }
        const masked = m === 1 ? maskedCopies[0]! : concat(maskedCopies, 0);
        const noisy = where(masked, batch.maskId, m === 1 ? batch.ids : tile(batch.ids, [m, 1]));
        const lp = await tokenLogProbs(model, noisy, batch.ids, batch.padMask, 'randomMaskingEstimator');
        const mask = logicalAnd(masked, m === 1 ? completion : tile(completion, [m, 1]));
        const tokenLogp = where(mask, lp, 0);
        const sequenceLogp = div(sum(tokenLogp, -1), maximum(sum(cast(mask, 'f32'), -1), 1));
        return { tokenLogp, mask, copies: m, sequenceLogp, noisy };
      });
    },
  };
}
