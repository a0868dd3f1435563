import { cast, concat, dispose, foldIn, maximum, mul, round, sliceAxis, sum, tensor, type Tensor } from '@mmada/tensor';
import { maskExactCount, maskedAnswerLogLikelihood, type MaskPredictor } from '@mmada/diffusion';
import { drawT1, unigrpoTimesteps, type TimestepRule } from './unigrpo-timesteps.js';
import type { EstimateContext, LikelihoodEstimate, LikelihoodEstimator } from './likelihood-estimator.js';
import { checkBatch, groupIdsOf, sampleIdsOf, type RolloutBatch } from './rollout-batch.js';
import { maskKey } from './rollout-key.js';

export interface UnigrpoEstimatorOptions {
  /** μ, the inner iterations a generation batch serves; sets the spacing of the timesteps. */
  readonly mu: number;
  /** Diffusion timesteps (default 1000). */
  readonly T?: number;
  /** Default 'stratified'. */
  readonly timestepRule?: TimestepRule;
  /** A fixed first timestep; by default one is drawn per prompt (per group id) from the batch key. */
  readonly t1?: number;
}

/** Salt folded into the batch key for the t₁ draws, apart from the per-iteration mask keys. */
const T1_STREAM = 0x7431;

/**
 * UniGRPO's estimator (MMaDA Alg. 1, Eqs. 3–4): the prompt stays intact and, at inner iteration n, exactly
 * max(1, round(|o|·t_n/T)) tokens of the completion are masked (a random permutation, keyed per row);
 * one pass gives ℓ at the masked completion tokens, and their mean is the sequence log-likelihood.
 * t₁ is drawn once per prompt and generation batch (not per iteration), t_n follows `timestepRule`.
 */
export function unigrpoEstimator(options: UnigrpoEstimatorOptions): LikelihoodEstimator {
  const T = options.T ?? 1000;
  const rule = options.timestepRule ?? 'stratified';
  const { mu } = options;
  if (!Number.isInteger(mu) || mu < 1) throw new RangeError(`unigrpoEstimator: mu must be a positive integer, got ${mu}`);

  /** Mask ratio t_n / T of each row at this iteration. */
  const ratios = (batch: RolloutBatch, ctx: EstimateContext): number[] => {
    const t1Key = foldIn(ctx.key, T1_STREAM);
    return groupIdsOf(batch).map((g) => {
      const gk = foldIn(t1Key, g);
      const t1 = options.t1 ?? drawT1(gk, T, rule);
      return unigrpoTimesteps(t1, mu, T, rule, gk)[ctx.iteration % mu]! / T;
    });
  };

  return {
    name: 'unigrpo',
    passesPerSample: 1,
    forwardPasses: (batch) => batch.ids.shape[0]! * 1,
    async estimate(model: MaskPredictor, batch: RolloutBatch, ctx: EstimateContext): Promise<LikelihoodEstimate> {
      const [b] = checkBatch(batch, 'unigrpoEstimator');
      const samples = sampleIdsOf(batch);
      const ratio = tensor(ratios(batch, ctx), [b], 'f32', { device: batch.ids.device });
      const answer = cast(batch.completionMask, 'f32');
      const length = sum(answer, -1);
      const scaled = mul(length, ratio);
      const rounded = round(scaled);
      const counts = maximum(rounded, 1);
      const rows: Tensor[] = [];
      for (let r = 0; r < b; r++) {
        const maskable = sliceAxis(batch.completionMask, 0, r, r + 1);
        const count = sliceAxis(counts, 0, r, r + 1);
        rows.push(maskExactCount(maskKey(ctx.key, ctx.iteration, samples[r]!), maskable, count));
        dispose([maskable, count]);
      }
      const masked = rows.length === 1 ? rows[0]! : concat(rows, 0);
      if (rows.length > 1) dispose(rows);
      dispose([ratio, answer, length, scaled, rounded, counts]);
      const r = await maskedAnswerLogLikelihood(model, batch.ids, {
        answerMask: batch.completionMask, masked, padMask: batch.padMask, maskId: batch.maskId,
      });
      masked.dispose();
      return { tokenLogp: r.tokenLogProbs, mask: r.masked, copies: 1, sequenceLogp: r.sequenceLogProb, noisy: r.noisy };
    },
  };
}
